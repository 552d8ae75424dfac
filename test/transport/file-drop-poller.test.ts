import assert from 'node:assert/strict';
import { mkdir, rm, writeFile } from 'node:fs/promises';
import { Writable } from 'node:stream';
import { createLogger } from '../../gateway/observability/logger.js';
import { FileDropPoller } from '../../gateway/transport/file-drop-poller.js';
import type { ScanReport } from '../../gateway/transport/file-drop-transport.js';
import { DropFixture } from './file-drop-fixture.js';

/** Waits (polling, with a generous bound) until `condition` holds: no assertion depends on timing. */
async function until(condition: () => boolean | Promise<boolean>, what: string): Promise<void> {
  const deadline = Date.now() + 10_000;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

function deferred(): { promise: Promise<void>; resolve: () => void } {
  let resolve!: () => void;
  const promise = new Promise<void>((done) => (resolve = done));
  return { promise, resolve };
}

describe('FileDropPoller', () => {
  let drop: DropFixture;
  beforeEach(async () => {
    drop = await DropFixture.create();
  });
  afterEach(() => drop.dispose());

  it('scans on its interval and takes dropped files', async () => {
    const reports: ScanReport[] = [];
    const transport = drop.transport({ settleMs: 0, now: () => new Date() });
    const poller = new FileDropPoller(transport, drop.handler(), {
      intervalMs: 5,
      onScan: (report) => void reports.push(report),
    });
    poller.start();
    try {
      await until(() => reports.length > 0, 'the first scan');
      await writeFile(drop.path('out', 'appeal.xml'), '<appeal/>');
      await until(() => reports.some((report) => report.sent.length === 1), 'the file to be taken');
      assert.deepEqual(await drop.list('sent'), ['appeal.xml']);
      assert.equal(drop.handed.length, 1);
    } finally {
      await poller.stop();
    }
    assert.equal(poller.isRunning, false);
  });

  it('never overlaps scans, and stop() waits for the scan in flight', async () => {
    const gate = deferred();
    let active = 0;
    let most = 0;
    let scans = 0;
    const transport = drop.transport({ settleMs: 0 });
    const poller = new FileDropPoller(
      transport,
      drop.handler(async () => {
        active++;
        most = Math.max(most, active);
        await gate.promise;
        active--;
      }),
      { intervalMs: 1, onScan: () => void scans++ },
    );
    await transport.ensureFolders();
    await writeFile(drop.path('out', 'appeal.xml'), '<appeal/>');
    await poller.runOnce();
    poller.start();
    await until(() => drop.handed.length === 1, 'the handler to be called');
    assert.equal(poller.runOnce(), poller.runOnce());

    let stopped = false;
    const stopping = poller.stop().then(() => (stopped = true));
    await new Promise((resolve) => setTimeout(resolve, 20));
    assert.equal(stopped, false);
    gate.resolve();
    await stopping;
    assert.equal(most, 1);
    assert.deepEqual(await drop.list('sent'), ['appeal.xml']);
    const after = scans;
    await new Promise((resolve) => setTimeout(resolve, 20));
    assert.equal(scans, after);
  });

  it('logs a failed scan and keeps going', async () => {
    const lines: string[] = [];
    const logger = createLogger({
      destination: new Writable({
        write: (chunk: Buffer, _encoding, done) => {
          lines.push(chunk.toString());
          done();
        },
      }),
    });
    await rm(drop.root, { recursive: true });
    const reports: ScanReport[] = [];
    const poller = new FileDropPoller(drop.transport(), drop.handler(), {
      intervalMs: 5,
      logger,
      onScan: (report) => void reports.push(report),
    });
    poller.start();
    try {
      await until(() => lines.some((line) => line.includes('a scan failed')), 'the failure to be logged');
      await mkdir(drop.root);
      await until(() => reports.length > 0, 'a scan after the share came back');
    } finally {
      await poller.stop();
    }
  });

  it('logs file names and codes, never document content', async () => {
    const lines: string[] = [];
    const logger = createLogger({
      destination: new Writable({
        write: (chunk: Buffer, _encoding, done) => {
          lines.push(chunk.toString());
          done();
        },
      }),
    });
    const transport = drop.transport({ settleMs: 0 });
    await transport.ensureFolders();
    await writeFile(drop.path('out', 'appeal.xml'), '<appeal>Іваненко Петро</appeal>');
    const poller = new FileDropPoller(transport, drop.handler(), { intervalMs: 5, logger });
    poller.start();
    try {
      await until(() => lines.some((line) => line.includes('document taken')), 'the log line');
    } finally {
      await poller.stop();
    }
    assert.ok(lines.some((line) => line.includes('appeal.xml')));
    assert.ok(!lines.some((line) => line.includes('Іваненко')));
  });
});
