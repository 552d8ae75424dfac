import type { Logger } from '../observability/logger.js';
import type { DropHandler, FileDropTransport, ScanReport } from './file-drop-transport.js';

export interface FileDropPollerOptions {
  /** The pause between the end of one scan and the start of the next (default 5000 ms). */
  readonly intervalMs?: number;
  /** Called with every scan's report (the server counts and logs them); what it throws is logged. */
  readonly onScan?: (report: ScanReport) => void | Promise<void>;
  readonly logger?: Logger;
}

/**
 * Scans one participant's drop folder on an interval. The next scan is scheduled only when the previous one
 * has ended, so scans never overlap however slow the handler is; `stop()` schedules nothing more and waits for
 * the scan in flight, so a file is never left half-moved by a shutdown that did not wait. A failed scan (the
 * share unmounted, say) is logged and tried again at the next interval.
 */
export class FileDropPoller {
  private readonly intervalMs: number;
  private running = false;
  private timer: NodeJS.Timeout | undefined;
  private current: Promise<ScanReport> | undefined;
  private passInFlight: Promise<void> | undefined;

  constructor(
    private readonly transport: FileDropTransport,
    private readonly handler: DropHandler,
    private readonly options: FileDropPollerOptions = {},
  ) {
    this.intervalMs = options.intervalMs ?? 5000;
    if (!(this.intervalMs > 0)) throw new RangeError('intervalMs must be > 0');
  }

  get isRunning(): boolean {
    return this.running;
  }

  /** Starts scanning now, then every `intervalMs` after each scan ends. Starting twice does nothing. */
  start(): void {
    if (this.running) return;
    this.running = true;
    this.schedule(0);
  }

  /** Stops scanning; resolves when the scan in flight, if any, has finished. */
  async stop(): Promise<void> {
    this.running = false;
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = undefined;
    await this.passInFlight;
    await this.current?.catch(() => undefined);
  }

  /** One scan now, or the scan already in flight: never two at once. */
  runOnce(): Promise<ScanReport> {
    if (this.current !== undefined) return this.current;
    const run = this.transport.scan(this.handler);
    this.current = run;
    const clear = () => {
      if (this.current === run) this.current = undefined;
    };
    run.then(clear, clear);
    return run;
  }

  private schedule(delayMs: number): void {
    if (!this.running) return;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      const pass = this.pass();
      this.passInFlight = pass;
      void pass.finally(() => {
        if (this.passInFlight === pass) this.passInFlight = undefined;
        this.schedule(this.intervalMs);
      });
    }, delayMs);
    this.timer.unref?.();
  }

  /** A scheduled scan with its reporting; never rejects. */
  private async pass(): Promise<void> {
    const root = this.transport.root;
    let report: ScanReport;
    try {
      report = await this.runOnce();
    } catch (error) {
      this.options.logger?.error({ err: error, root }, 'file drop: a scan failed');
      return;
    }
    this.log(report);
    try {
      await this.options.onScan?.(report);
    } catch (error) {
      this.options.logger?.error({ err: error, root }, 'file drop: onScan failed');
    }
  }

  /** File names and codes only: documents carry personal data and never reach the log. */
  private log(report: ScanReport): void {
    const log = this.options.logger;
    if (log === undefined) return;
    const root = this.transport.root;
    for (const file of report.sent) log.info({ root, ...file }, 'file drop: document taken');
    for (const file of report.failed) log.warn({ root, ...file }, 'file drop: document refused');
    for (const file of report.retained) {
      log.error({ root, fileName: file.fileName, err: file.error }, `file drop: ${file.reason}`);
    }
  }
}
