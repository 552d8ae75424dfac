import { constants, type Stats } from 'node:fs';
import * as nodeFs from 'node:fs/promises';
import { join } from 'node:path';
import type { NativeDocument } from '../adapters/adapter.js';
import type { ErrorCode } from '../errors/error-catalogue.js';
import { VkhidError } from '../errors/vkhid-error.js';
import { deliveryFileName, isIncompleteName, mediaTypeForFileName, withSuffix } from './file-drop-names.js';

/** The four folders under a participant's drop root, named from the EDMS's point of view. */
export const FILE_DROP_FOLDERS = ['in', 'out', 'sent', 'failed'] as const;
export type FileDropFolder = (typeof FILE_DROP_FOLDERS)[number];

/** A document picked up from `out/`: it always has its file name. */
export type DroppedDocument = NativeDocument & { readonly fileName: string };

/**
 * Takes one picked-up document into the hub. Resolving means the hub has it (the file moves to `sent/`);
 * throwing a refusal (see `FileDropOptions.isRefusal`) moves it to `failed/`; anything else leaves it in
 * `out/` for a later scan. It MUST be idempotent: a crash after it resolved and before the file moved hands
 * the same bytes over again on restart (the hub's intake is, by content hash).
 */
export type DropHandler = (document: DroppedDocument) => Promise<void>;

/** The file-system calls the transport makes (node:fs/promises by default; tests wrap it to inject faults). */
export type FileDropFileSystem = Pick<
  typeof nodeFs,
  'mkdir' | 'readdir' | 'lstat' | 'open' | 'rename' | 'link' | 'unlink' | 'readFile'
>;

export interface FileDropOptions {
  /**
   * How long a file in `out/` must keep the same size and modification time, across two scans, before it is
   * picked up (default 2000 ms). It protects EDMS that write in place instead of renaming a finished file.
   */
  readonly settleMs?: number;
  /** How long a file the hub failed to take (not a refusal) waits before it is tried again (default 30 s). */
  readonly retryDelayMs?: number;
  /** Largest file picked up (default 20 MiB); a larger one is refused unread (INTAKE_TOO_LARGE). */
  readonly maxBytes?: number;
  /** Most files handed over in one scan (default 100); the others wait for the next scan, oldest first. */
  readonly maxFilesPerScan?: number;
  /**
   * The media type given to a picked-up file. The hub passes its participant's adapter media type; the
   * default guesses from the extension (`.xml` → application/xml, else application/octet-stream).
   */
  readonly mediaTypeFor?: (fileName: string) => string;
  /**
   * Which handler errors are refusals of the document (the file goes to `failed/`, for good) rather than
   * problems of the hub (the file stays and is retried). Default: a VkhidError with a 4xx status, so
   * STORE_UNAVAILABLE, ADAPTER_TIMEOUT, ADAPTER_FAILED or INTERNAL never push a good document aside.
   */
  readonly isRefusal?: (error: unknown) => error is VkhidError;
  /**
   * Permissions of the files the hub writes (delivered documents, error reports), before the umask. Default
   * 0o640: they carry personal data, so the EDMS reads them through the folder's group, never as anyone.
   */
  readonly fileMode?: number;
  readonly now?: () => Date;
  readonly fileSystem?: FileDropFileSystem;
}

/** One scan of `out/`. Every file name seen is in one list (one the EDMS removed meanwhile is in none). */
export interface ScanReport {
  /** Taken by the hub and moved to `sent/` (as `storedAs`, which differs from `fileName` after a clash). */
  readonly sent: { readonly fileName: string; readonly storedAs: string }[];
  /** Refused and moved to `failed/` with `<storedAs>.error.json`. */
  readonly failed: {
    readonly fileName: string;
    readonly storedAs: string;
    readonly code: ErrorCode;
    readonly field: string | undefined;
  }[];
  /** Left in `out/` because of a problem on the hub's side; tried again after `retryDelayMs`. */
  readonly retained: { readonly fileName: string; readonly reason: string; readonly error: unknown }[];
  /** Not complete yet (new, still changing, or not settled), or left for the next scan by `maxFilesPerScan`. */
  readonly waiting: string[];
  /** Never picked up: temporary names (`.*`, `*.tmp`, `*.part`) and anything that is not a regular file. */
  readonly ignored: string[];
}

/** What `deliver` did: wrote the file, or found the identical file already there. */
export interface DeliveryResult {
  readonly fileName: string;
  readonly path: string;
  readonly written: boolean;
}

type HandOver =
  | { readonly kind: 'accepted' | 'changed' | 'gone' }
  | { readonly kind: 'refused'; readonly error: VkhidError }
  | { readonly kind: 'retain'; readonly reason: string; readonly error: unknown };

/** What the transport remembers of a file in `out/` between scans. */
interface Observation {
  size: number;
  mtimeMs: number;
  ino: number;
  /** When the file was first seen with this size, mtime and inode. */
  since: number;
  /** The handler took these bytes, but the move to `sent/` has not happened yet. */
  accepted: boolean;
  /** The hub failed to take it: not before this time again. */
  retryAt: number;
}

const DEFAULT_SETTLE_MS = 2000;
const DEFAULT_RETRY_DELAY_MS = 30_000;
const DEFAULT_MAX_BYTES = 20 * 1024 * 1024;
const DEFAULT_MAX_FILES_PER_SCAN = 100;
const MAX_CLASH_SUFFIX = 10_000;
/** Errors of `link` meaning the file system has no hard links (SMB, FAT and some FUSE mounts). */
const NO_HARD_LINKS = new Set(['EPERM', 'ENOTSUP', 'EOPNOTSUPP', 'ENOSYS', 'EMLINK']);

/**
 * The file-drop transport (issue #5) for one participant: EDMS that exchange files instead of calling HTTPS.
 * Under the participant's root (which must exist: an unmounted share is an error, never an empty local folder)
 * there are four folders, named from the EDMS's point of view:
 * - `out/`: the EDMS drops documents for the hub. `scan` hands each complete file to a handler, then moves it
 *   to `sent/` (taken) or `failed/` (refused, with `<name>.error.json`); on a hub problem the file stays.
 * - `in/`: `deliver` writes documents for the EDMS, atomically (temporary name, fsync, rename, fsync).
 * - `sent/`, `failed/`: written by the hub only; a name clash gets a suffix (`a.xml` → `a-1.xml`), nothing is
 *   ever overwritten.
 *
 * The transport knows no document formats: it moves `NativeDocument`s, and any adapter converts them.
 * One hub process per root: two processes scanning one `out/` would hand files over twice.
 * All four folders must be on one file system (moves are hard links or renames, never copies).
 */
export class FileDropTransport {
  readonly root: string;
  private readonly settleMs: number;
  private readonly retryDelayMs: number;
  private readonly maxBytes: number;
  private readonly maxFilesPerScan: number;
  private readonly mediaTypeFor: (fileName: string) => string;
  private readonly isRefusal: (error: unknown) => error is VkhidError;
  private readonly now: () => Date;
  private readonly fs: FileDropFileSystem;
  private readonly fileMode: number;
  private readonly observations = new Map<string, Observation>();
  private readonly deliveries = new Map<string, Promise<unknown>>();
  private scanInFlight: Promise<unknown> = Promise.resolve();
  private hardLinks = true;

  constructor(root: string, options: FileDropOptions = {}) {
    if (!root.startsWith('/')) throw new RangeError(`the drop root ${root} is not an absolute path`);
    this.root = root;
    this.settleMs = options.settleMs ?? DEFAULT_SETTLE_MS;
    this.retryDelayMs = options.retryDelayMs ?? DEFAULT_RETRY_DELAY_MS;
    this.maxBytes = options.maxBytes ?? DEFAULT_MAX_BYTES;
    this.maxFilesPerScan = options.maxFilesPerScan ?? DEFAULT_MAX_FILES_PER_SCAN;
    this.mediaTypeFor = options.mediaTypeFor ?? mediaTypeForFileName;
    this.isRefusal = options.isRefusal ?? isDocumentRefusal;
    this.now = options.now ?? (() => new Date());
    this.fs = options.fileSystem ?? nodeFs;
    this.fileMode = options.fileMode ?? 0o640;
    if (!(this.settleMs >= 0) || !(this.retryDelayMs >= 0))
      throw new RangeError('settleMs and retryDelayMs must be ≥ 0');
    if (!Number.isSafeInteger(this.maxBytes) || this.maxBytes < 1)
      throw new RangeError('maxBytes must be ≥ 1');
    if (!Number.isSafeInteger(this.maxFilesPerScan) || this.maxFilesPerScan < 1)
      throw new RangeError('maxFilesPerScan must be ≥ 1');
  }

  /** The absolute path of one of the four folders. */
  folder(name: FileDropFolder): string {
    return join(this.root, name);
  }

  /**
   * Creates the four folders that do not exist yet. The root itself is never created: when it is missing
   * (a share not mounted) this fails with ENOENT instead of filling the mount point underneath.
   */
  async ensureFolders(): Promise<void> {
    for (const name of FILE_DROP_FOLDERS) {
      try {
        await this.fs.mkdir(this.folder(name));
      } catch (error) {
        if (errno(error) !== 'EEXIST') throw error;
        if (!(await this.fs.lstat(this.folder(name))).isDirectory())
          throw new Error(`${this.folder(name)} exists and is not a folder`);
      }
    }
  }

  /**
   * Writes a document for the EDMS into `in/` as `<messageId>.<ext>` (or `<messageId>-<adapter file name>`):
   * first `in/.<name>.tmp`, fsynced, then renamed to the final name and the folder fsynced, so the EDMS never
   * sees a partial file. Delivering the same message again is a no-op when the file is still there with the
   * same bytes, and refused (INTAKE_DUPLICATE_ID, field `in/<name>`) when it holds other bytes. Any other
   * failure (disk full, share gone) is thrown as it is: the delivery is retried.
   */
  async deliver(messageId: string, document: NativeDocument): Promise<DeliveryResult> {
    const fileName = deliveryFileName(messageId, document.fileName, document.mediaType);
    // Two deliveries of one message in flight at once would share the temporary file.
    const previous = this.deliveries.get(fileName) ?? Promise.resolve();
    const run = previous.catch(() => undefined).then(() => this.deliverNow(messageId, fileName, document));
    this.deliveries.set(fileName, run);
    try {
      return await run;
    } finally {
      if (this.deliveries.get(fileName) === run) this.deliveries.delete(fileName);
    }
  }

  private async deliverNow(
    messageId: string,
    fileName: string,
    document: NativeDocument,
  ): Promise<DeliveryResult> {
    await this.ensureFolders();
    const inbox = this.folder('in');
    const path = join(inbox, fileName);
    const existing = await this.lstatIfExists(path);
    if (existing !== undefined) {
      const same =
        existing.isFile() &&
        existing.size === document.bytes.length &&
        Buffer.from(document.bytes).equals(await this.fs.readFile(path));
      if (same) return { fileName, path, written: false };
      throw new VkhidError('INTAKE_DUPLICATE_ID', { args: [messageId], field: `in/${fileName}` });
    }
    await this.writeAtomically(inbox, fileName, document.bytes);
    return { fileName, path, written: true };
  }

  /**
   * One pass over `out/`: every complete file (see `settleMs`; temporary names are never touched) is read and
   * handed to `handler`, oldest first, one at a time, then moved as the handler decided. Scans of one
   * transport never overlap: a second call waits for the first.
   */
  scan(handler: DropHandler): Promise<ScanReport> {
    const run = this.scanInFlight.catch(() => undefined).then(() => this.scanNow(handler));
    this.scanInFlight = run;
    return run;
  }

  private async scanNow(handler: DropHandler): Promise<ScanReport> {
    await this.ensureFolders();
    const report: ScanReport = { sent: [], failed: [], retained: [], waiting: [], ignored: [] };
    const now = this.now().getTime();
    const outbox = this.folder('out');
    const names = (await this.fs.readdir(outbox)).sort();
    const ready: { name: string; stats: Stats; observation: Observation }[] = [];
    const present = new Set<string>();
    for (const name of names) {
      if (isIncompleteName(name)) {
        report.ignored.push(name);
        continue;
      }
      let stats: Stats;
      try {
        stats = await this.fs.lstat(join(outbox, name));
      } catch (error) {
        if (errno(error) === 'ENOENT') continue;
        throw error;
      }
      // Symbolic links are not followed: a link could make the hub read and forward any file it can read.
      if (!stats.isFile()) {
        report.ignored.push(name);
        continue;
      }
      present.add(name);
      const seen = this.observations.get(name);
      if (seen === undefined || !sameFile(seen, stats)) {
        this.observations.set(name, {
          size: stats.size,
          mtimeMs: stats.mtimeMs,
          ino: stats.ino,
          since: now,
          accepted: false,
          retryAt: 0,
        });
        report.waiting.push(name);
      } else if (now - seen.since < this.settleMs || now < seen.retryAt) {
        report.waiting.push(name);
      } else {
        ready.push({ name, stats, observation: seen });
      }
    }
    for (const name of this.observations.keys()) if (!present.has(name)) this.observations.delete(name);
    ready.sort((a, b) => a.stats.mtimeMs - b.stats.mtimeMs || (a.name < b.name ? -1 : 1));
    for (const [index, file] of ready.entries()) {
      if (index >= this.maxFilesPerScan) report.waiting.push(file.name);
      else await this.takeOne(file.name, file.stats, file.observation, handler, report, now);
    }
    return report;
  }

  private async takeOne(
    name: string,
    stats: Stats,
    observation: Observation,
    handler: DropHandler,
    report: ScanReport,
    now: number,
  ): Promise<void> {
    const retain = (reason: string, error: unknown) => {
      observation.retryAt = now + this.retryDelayMs;
      report.retained.push({ fileName: name, reason, error });
    };
    if (!observation.accepted) {
      const outcome = await this.handOver(name, stats, handler);
      switch (outcome.kind) {
        case 'gone':
          return;
        case 'changed':
          return this.changedUnderfoot(name, report);
        case 'retain':
          return retain(outcome.reason, outcome.error);
        case 'refused':
          try {
            const storedAs = await this.moveToFailed(name, stats, outcome.error);
            if (storedAs === undefined) this.changedUnderfoot(name, report);
            else {
              const { code, field } = outcome.error;
              report.failed.push({ fileName: name, storedAs, code, field });
            }
          } catch (error) {
            retain(`the refused document cannot be moved to failed/: ${describe(error)}`, error);
          }
          return;
        case 'accepted':
          observation.accepted = true;
      }
    }
    try {
      const storedAs = await this.moveOut(name, stats, 'sent');
      if (storedAs === undefined) this.changedUnderfoot(name, report);
      else report.sent.push({ fileName: name, storedAs });
    } catch (error) {
      // The hub has the document: only the move is retried (after a restart, the handler sees it again).
      retain(`the document was taken but cannot be moved to sent/: ${describe(error)}`, error);
    }
  }

  /** Reads the file and gives it to the handler; what became of it. */
  private async handOver(name: string, stats: Stats, handler: DropHandler): Promise<HandOver> {
    if (stats.size > this.maxBytes) {
      return {
        kind: 'refused',
        error: new VkhidError('INTAKE_TOO_LARGE', { args: [stats.size, this.maxBytes] }),
      };
    }
    let bytes: Buffer | 'changed' | 'gone';
    try {
      bytes = await this.readStable(join(this.folder('out'), name), stats);
    } catch (error) {
      return { kind: 'retain', reason: `the file cannot be read: ${describe(error)}`, error };
    }
    if (bytes === 'gone' || bytes === 'changed') return { kind: bytes };
    try {
      await handler({ bytes, mediaType: this.mediaTypeFor(name), fileName: name });
      return { kind: 'accepted' };
    } catch (error) {
      if (this.isRefusal(error)) return { kind: 'refused', error };
      return { kind: 'retain', reason: `the hub could not take the document: ${describe(error)}`, error };
    }
  }

  /** The EDMS replaced the file after it was read: the new content must settle and be handed over itself. */
  private changedUnderfoot(name: string, report: ScanReport): void {
    this.observations.delete(name);
    report.waiting.push(name);
  }

  /**
   * Reads a file that must still be the one `stats` describes, before and after the read: an EDMS writing in
   * place slowly (slower than `settleMs`) is caught here rather than handing over half a document.
   */
  private async readStable(path: string, stats: Stats): Promise<Buffer | 'changed' | 'gone'> {
    let handle: nodeFs.FileHandle;
    try {
      handle = await this.fs.open(path, constants.O_RDONLY | constants.O_NOFOLLOW);
    } catch (error) {
      if (errno(error) === 'ENOENT') return 'gone';
      if (errno(error) === 'ELOOP') return 'changed';
      throw error;
    }
    try {
      if (!sameFile(observationOf(await handle.stat()), stats)) return 'changed';
      const bytes = await handle.readFile();
      const after = await handle.stat();
      if (!sameFile(observationOf(after), stats) || bytes.length !== stats.size) return 'changed';
      return bytes;
    } finally {
      await handle.close();
    }
  }

  /**
   * Moves `out/<name>` to `<folder>/<name>` (or the first free suffixed name); `undefined` when the file in
   * `out/` is no longer the one handed over. Hard link then unlink: the link fails on an existing name instead
   * of replacing it, so nothing in `sent/` or `failed/` is ever overwritten; a crash between the two leaves
   * the file in both places, and it is handed over again (the handler is idempotent). Where the file system
   * has no hard links, an existence check and a rename do the same: only this transport writes those folders.
   */
  private async moveOut(
    name: string,
    stats: Stats,
    folder: 'sent' | 'failed',
    isFree: (candidate: string) => Promise<boolean> = () => Promise.resolve(true),
  ): Promise<string | undefined> {
    const from = join(this.folder('out'), name);
    const current = await this.lstatIfExists(from);
    if (current === undefined || !current.isFile() || !sameFile(observationOf(current), stats))
      return undefined;
    const target = this.folder(folder);
    for (let n = 0; n <= MAX_CLASH_SUFFIX; n++) {
      const candidate = withSuffix(name, n);
      if (!(await isFree(candidate))) continue;
      const to = join(target, candidate);
      if (this.hardLinks) {
        try {
          await this.fs.link(from, to);
        } catch (error) {
          const code = errno(error);
          if (code === 'EEXIST') continue;
          if (code === undefined || !NO_HARD_LINKS.has(code)) throw error;
          this.hardLinks = false;
        }
      }
      if (this.hardLinks) {
        await this.fsyncFolder(target);
        await this.fs.unlink(from);
      } else {
        if ((await this.lstatIfExists(to)) !== undefined) continue;
        await this.fs.rename(from, to);
        await this.fsyncFolder(target);
      }
      await this.fsyncFolder(this.folder('out'));
      this.observations.delete(name);
      return candidate;
    }
    throw new Error(`no free name for ${name} in ${target}`);
  }

  /**
   * Writes `<name>.error.json` first, then moves the document beside it: a crash in between leaves the
   * document in `out/` (handed over and refused again), never a refused document without its reason.
   */
  private async moveToFailed(name: string, stats: Stats, refusal: VkhidError): Promise<string | undefined> {
    const failed = this.folder('failed');
    const report = {
      fileName: name,
      code: refusal.code,
      message: refusal.message,
      field: refusal.field ?? null,
      at: this.now().toISOString(),
    };
    const bytes = Buffer.from(`${JSON.stringify(report, null, 2)}\n`, 'utf8');
    return this.moveOut(name, stats, 'failed', async (candidate) => {
      const errorFile = `${candidate}.error.json`;
      if ((await this.lstatIfExists(join(failed, candidate))) !== undefined) return false;
      if ((await this.lstatIfExists(join(failed, errorFile))) !== undefined) return false;
      await this.writeAtomically(failed, errorFile, bytes);
      return true;
    });
  }

  /** `.<name>.tmp`, fsync, rename to `<name>`, fsync the folder; the temporary file is removed on failure. */
  private async writeAtomically(folder: string, name: string, bytes: Uint8Array): Promise<void> {
    const temporary = join(folder, `.${name}.tmp`);
    // A leftover of a crash is removed, and the new file is created exclusively: a symbolic link planted under
    // the temporary name is never followed (O_EXCL), so the hub cannot be made to overwrite another file.
    await this.fs.unlink(temporary).catch((error: unknown) => {
      if (errno(error) !== 'ENOENT') throw error;
    });
    try {
      const handle = await this.fs.open(temporary, 'wx', this.fileMode);
      try {
        await handle.writeFile(bytes);
        await handle.sync();
      } finally {
        await handle.close();
      }
      await this.fs.rename(temporary, join(folder, name));
    } catch (error) {
      await this.fs.unlink(temporary).catch(() => undefined);
      throw error;
    }
    await this.fsyncFolder(folder);
  }

  /** Makes a rename or link in `folder` durable; file systems that cannot fsync a folder are let be. */
  private async fsyncFolder(folder: string): Promise<void> {
    let handle: nodeFs.FileHandle;
    try {
      handle = await this.fs.open(folder, 'r');
    } catch (error) {
      if (errno(error) === 'EISDIR' || errno(error) === 'EPERM') return;
      throw error;
    }
    try {
      await handle.sync();
    } catch (error) {
      const code = errno(error);
      if (code !== 'EINVAL' && code !== 'ENOTSUP' && code !== 'EBADF' && code !== 'EPERM') throw error;
    } finally {
      await handle.close();
    }
  }

  private async lstatIfExists(path: string): Promise<Stats | undefined> {
    try {
      return await this.fs.lstat(path);
    } catch (error) {
      if (errno(error) === 'ENOENT') return undefined;
      throw error;
    }
  }
}

/** The default `isRefusal`: a coded error about the document (4xx), not about the hub (5xx). */
export function isDocumentRefusal(error: unknown): error is VkhidError {
  return error instanceof VkhidError && error.status < 500;
}

function observationOf(stats: Stats): Pick<Observation, 'size' | 'mtimeMs' | 'ino'> {
  return { size: stats.size, mtimeMs: stats.mtimeMs, ino: stats.ino };
}

function sameFile(
  a: Pick<Observation, 'size' | 'mtimeMs' | 'ino'>,
  b: Pick<Stats, 'size' | 'mtimeMs' | 'ino'>,
) {
  return a.size === b.size && a.mtimeMs === b.mtimeMs && a.ino === b.ino;
}

function errno(error: unknown): string | undefined {
  const code = (error as NodeJS.ErrnoException | null)?.code;
  return typeof code === 'string' ? code : undefined;
}

function describe(error: unknown): string {
  if (error instanceof VkhidError) return `${error.code}: ${error.message}`;
  return error instanceof Error ? error.message : String(error);
}
