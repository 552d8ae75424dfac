import { mkdir, mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  FileDropTransport,
  type DropHandler,
  type DroppedDocument,
  type FileDropOptions,
  type ScanReport,
} from '../../gateway/transport/file-drop-transport.js';

/** A drop root in a fresh temporary folder, a clock the test moves, and what the handler was given. */
export class DropFixture {
  time = Date.parse('2026-03-02T09:00:00.000Z');
  readonly handed: DroppedDocument[] = [];

  private constructor(readonly base: string) {}

  static async create(): Promise<DropFixture> {
    const fixture = new DropFixture(await mkdtemp(join(tmpdir(), 'vkhid-file-drop-')));
    await mkdir(fixture.root);
    return fixture;
  }

  get root(): string {
    return join(this.base, 'drop');
  }

  path(folder: string, name = ''): string {
    return join(this.root, folder, name);
  }

  transport(options: FileDropOptions = {}): FileDropTransport {
    return new FileDropTransport(this.root, { now: () => new Date(this.time), ...options });
  }

  /** A handler that records what it is given and then does `then` (resolve by default). */
  handler(then: (document: DroppedDocument) => Promise<void> = () => Promise.resolve()): DropHandler {
    return async (document) => {
      this.handed.push(document);
      await then(document);
    };
  }

  advance(ms: number): void {
    this.time += ms;
  }

  /** Two scans `settleMs` apart: what a file that is complete needs to be picked up. */
  async settledScan(
    transport: FileDropTransport,
    handler: DropHandler,
    settleMs = 2000,
  ): Promise<ScanReport> {
    await transport.scan(handler);
    this.advance(settleMs);
    return transport.scan(handler);
  }

  async list(folder: string): Promise<string[]> {
    return (await readdir(this.path(folder))).sort();
  }

  async dispose(): Promise<void> {
    await rm(this.base, { recursive: true, force: true });
  }
}
