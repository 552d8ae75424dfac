import { extname } from 'node:path';
import type { AdapterManifest } from '../adapters/adapter.js';
import type { AdapterRegistry } from '../adapters/adapter-registry.js';
import type { HubContext } from '../hub/hub-context.js';
import type { NativeIntake } from '../intake/native-intake.js';
import type { Logger } from '../observability/logger.js';
import { extensionFor, mediaTypeForFileName } from '../transport/file-drop-names.js';
import { FileDropPoller } from '../transport/file-drop-poller.js';
import { fileDropRoot } from '../transport/file-drop-root.js';
import {
  FileDropTransport,
  type FileDropOptions,
  type ScanReport,
} from '../transport/file-drop-transport.js';

export interface FileDropPollersOptions {
  /** The pause between the end of one scan of a folder and the next (default 5000 ms). */
  readonly intervalMs?: number;
  /** How often `start()` brings the pollers in line with the registry (default 60 000 ms). */
  readonly refreshMs?: number;
  /** Options of every participant's transport (settle time, retry delay, size cap, file mode, clock). */
  readonly transport?: Omit<FileDropOptions, 'mediaTypeFor' | 'isRefusal'>;
  readonly logger?: Logger;
}

/** One participant's drop folder being polled. */
export interface PolledFolder {
  readonly participantCode: string;
  readonly root: string;
  readonly adapter: string;
}

interface Running extends PolledFolder {
  readonly transport: FileDropTransport;
  readonly poller: FileDropPoller;
}

/**
 * The file-drop intake of the hub (issue #5): for every active participant with a `file:` endpoint, a
 * `FileDropTransport` on its drop root and a `FileDropPoller` whose handler takes each document from `out/`
 * through `NativeIntake.accept(document, { participantCode, via: 'file-drop' })`. The folder authenticates the
 * sender (only the participant's EDMS can write there), so the participant is the one whose endpoint names
 * the folder; a root named by two participants is therefore polled for neither (and logged): a document in it
 * could not be attributed.
 *
 * `refresh()` brings the set in line with the registry (new and re-activated participants start, suspended and
 * withdrawn ones, and changed endpoints or adapters, stop); `start()` refreshes now and then every `refreshMs`,
 * so a participant given a `file:` endpoint while the hub runs is polled within a minute, without a restart.
 * `stop()` stops every poller, waiting for the scans in flight, and refreshes nothing more: the store may close
 * after it.
 */
export class FileDropPollers {
  private readonly intervalMs: number;
  private readonly refreshMs: number;
  private readonly running = new Map<string, Running>();
  private closed = false;
  private refreshing: Promise<unknown> = Promise.resolve();
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly hub: HubContext,
    private readonly intake: NativeIntake,
    private readonly adapters: AdapterRegistry,
    private readonly options: FileDropPollersOptions = {},
  ) {
    this.intervalMs = options.intervalMs ?? 5000;
    this.refreshMs = options.refreshMs ?? 60_000;
    if (!(this.intervalMs > 0) || !(this.refreshMs > 0))
      throw new RangeError('intervalMs and refreshMs must be > 0');
  }

  /** Starts the pollers the registry asks for, and refreshes them every `refreshMs` until `stop()`. */
  async start(): Promise<void> {
    if (this.closed || this.timer !== undefined) return;
    const again = (): void => {
      if (this.closed) return;
      this.timer = setTimeout(() => {
        void this.refreshLogged().finally(again);
      }, this.refreshMs);
      this.timer.unref?.();
    };
    await this.refreshLogged();
    again();
  }

  /** The folders polled now. */
  folders(): PolledFolder[] {
    return [...this.running.values()].map(({ participantCode, root, adapter }) => ({
      participantCode,
      root,
      adapter,
    }));
  }

  /** Starts and stops pollers to match the registry; what changed. Calls never overlap. */
  refresh(): Promise<{ started: PolledFolder[]; stopped: PolledFolder[] }> {
    const run = this.refreshing.catch(() => undefined).then(() => this.refreshNow());
    this.refreshing = run;
    return run;
  }

  /** One scan of every polled folder now (the poller's own scan, never a second one beside it). */
  async scanAll(): Promise<{ folder: PolledFolder; report: ScanReport }[]> {
    const results: { folder: PolledFolder; report: ScanReport }[] = [];
    for (const entry of this.running.values()) {
      const { participantCode, root, adapter } = entry;
      results.push({ folder: { participantCode, root, adapter }, report: await entry.poller.runOnce() });
    }
    return results;
  }

  async stop(): Promise<void> {
    this.closed = true;
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = undefined;
    await this.refreshing.catch(() => undefined);
    const entries = [...this.running.values()];
    this.running.clear();
    await Promise.all(entries.map((entry) => entry.poller.stop()));
  }

  /** A refresh whose failure (the store unavailable) is logged; the next one tries again. */
  private async refreshLogged(): Promise<void> {
    try {
      await this.refresh();
    } catch (error) {
      this.options.logger?.error({ err: error }, 'file drop: the pollers cannot be refreshed');
    }
  }

  private async refreshNow(): Promise<{ started: PolledFolder[]; stopped: PolledFolder[] }> {
    const started: PolledFolder[] = [];
    const stopped: PolledFolder[] = [];
    if (this.closed) return { started, stopped };
    const wanted = await this.wantedFolders();
    for (const [key, entry] of this.running) {
      if (wanted.has(key)) continue;
      this.running.delete(key);
      await entry.poller.stop();
      stopped.push({ participantCode: entry.participantCode, root: entry.root, adapter: entry.adapter });
      this.options.logger?.info(
        { participant: entry.participantCode, root: entry.root },
        'file drop: stopped polling',
      );
    }
    for (const [key, folder] of wanted) {
      if (this.closed) break;
      if (this.running.has(key)) continue;
      let manifest: AdapterManifest;
      try {
        manifest = this.adapters.create(folder.adapter, folder.adapterSettings).manifest;
      } catch (error) {
        // Documents would all be refused into failed/; they wait in out/ until the settings are fixed.
        this.options.logger?.error(
          { participant: folder.participantCode, root: folder.root, err: error },
          'file drop: not polled, the participant adapter cannot be created',
        );
        continue;
      }
      const transport = new FileDropTransport(folder.root, {
        ...this.options.transport,
        mediaTypeFor: mediaTypeForAdapter(manifest),
      });
      const participantCode = folder.participantCode;
      const poller = new FileDropPoller(
        transport,
        async (document) => {
          await this.intake.accept(document, { participantCode, via: 'file-drop' });
        },
        {
          intervalMs: this.intervalMs,
          ...(this.options.logger === undefined ? {} : { logger: this.options.logger }),
        },
      );
      const entry: Running = {
        participantCode,
        root: folder.root,
        adapter: folder.adapter,
        transport,
        poller,
      };
      this.running.set(key, entry);
      poller.start();
      started.push({ participantCode, root: folder.root, adapter: folder.adapter });
      this.options.logger?.info(
        { participant: participantCode, root: folder.root, adapter: folder.adapter },
        'file drop: polling',
      );
    }
    return { started, stopped };
  }

  /** The folders the registry asks for, keyed by participant, root, adapter and its settings. */
  private async wantedFolders(): Promise<
    Map<string, PolledFolder & { readonly adapterSettings: Readonly<Record<string, unknown>> }>
  > {
    const participants = await this.hub.registry.listParticipants({ status: 'active' });
    const byRoot = new Map<string, string[]>();
    const candidates: (PolledFolder & { adapterSettings: Readonly<Record<string, unknown>> })[] = [];
    for (const participant of participants) {
      for (const endpoint of participant.endpoints) {
        let root: string | undefined;
        try {
          root = fileDropRoot(endpoint);
        } catch (error) {
          // Registered before `file:` endpoints were checked: not a folder the hub may read.
          this.options.logger?.error(
            { participant: participant.code, err: error },
            'file drop: endpoint refused',
          );
          continue;
        }
        if (root === undefined) continue;
        const owners = byRoot.get(root) ?? [];
        if (!owners.includes(participant.code)) owners.push(participant.code);
        byRoot.set(root, owners);
        candidates.push({
          participantCode: participant.code,
          root,
          adapter: participant.adapter,
          adapterSettings: participant.adapterSettings,
        });
      }
    }
    const wanted = new Map<
      string,
      PolledFolder & { readonly adapterSettings: Readonly<Record<string, unknown>> }
    >();
    for (const candidate of candidates) {
      const owners = byRoot.get(candidate.root) ?? [];
      if (owners.length > 1) {
        this.options.logger?.error(
          { root: candidate.root, participants: owners },
          'file drop: a folder named by several participants is not polled (its documents have no single sender)',
        );
        continue;
      }
      const key = JSON.stringify([
        candidate.participantCode,
        candidate.root,
        candidate.adapter,
        candidate.adapterSettings,
      ]);
      wanted.set(key, candidate);
    }
    return wanted;
  }
}

/**
 * The media type a dropped file gets: the one of the adapter's input types its extension stands for
 * (`.zip` for a package type, `.json`, ...), else the adapter's first input type, so that the adapter, not the
 * EDMS's choice of file name, decides how a document is read.
 */
export function mediaTypeForAdapter(manifest: AdapterManifest): (fileName: string) => string {
  return (fileName) => {
    const reads = manifest.reads;
    const byName = mediaTypeForFileName(fileName);
    if (reads.includes(byName)) return byName;
    const ext = extname(fileName).toLowerCase();
    const byExtension = reads.find(
      (type) => extensionFor(type) === ext || (ext !== '' && type.endsWith(`+${ext.slice(1)}`)),
    );
    return byExtension ?? reads[0] ?? byName;
  };
}
