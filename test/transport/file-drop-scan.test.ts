import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import * as fsp from 'node:fs/promises';
import { appendFile, mkdir, readFile, stat, symlink, utimes, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { VkhidError } from '../../gateway/errors/vkhid-error.js';
import { FileDropTransport, type FileDropFileSystem } from '../../gateway/transport/file-drop-transport.js';
import { DropFixture } from './file-drop-fixture.js';

const APPEAL = Buffer.from('<?xml version="1.0" encoding="UTF-8"?><appeal id="1">Звернення</appeal>\n');

describe('FileDropTransport.scan', () => {
  let drop: DropFixture;
  beforeEach(async () => {
    drop = await DropFixture.create();
  });
  afterEach(() => drop.dispose());

  async function dropFile(name: string, bytes: Uint8Array | string = APPEAL): Promise<void> {
    await mkdir(drop.path('out'), { recursive: true });
    await writeFile(drop.path('out', name), bytes);
  }

  it('creates the four folders, but never the root itself', async () => {
    await drop.transport().ensureFolders();
    assert.deepEqual((await fsp.readdir(drop.root)).sort(), ['failed', 'in', 'out', 'sent']);

    const unmounted = new FileDropTransport(join(drop.base, 'unmounted'));
    await assert.rejects(unmounted.ensureFolders(), { code: 'ENOENT' });
    await assert.rejects(unmounted.scan(drop.handler()), { code: 'ENOENT' });
    await assert.rejects(stat(join(drop.base, 'unmounted')), { code: 'ENOENT' });
  });

  it('refuses to work when one of the folders is a file', async () => {
    await writeFile(drop.path('sent'), 'not a folder');
    await assert.rejects(drop.transport().ensureFolders(), /is not a folder/);
  });

  it('hands a complete file over only after it kept its size and mtime for settleMs, then moves it to sent/', async () => {
    const transport = drop.transport();
    const handler = drop.handler();
    await dropFile('appeal-1.xml');

    const first = await transport.scan(handler);
    assert.deepEqual(first.waiting, ['appeal-1.xml']);
    drop.advance(1999);
    assert.deepEqual((await transport.scan(handler)).waiting, ['appeal-1.xml']);
    assert.equal(drop.handed.length, 0);

    drop.advance(1);
    const report = await transport.scan(handler);
    assert.deepEqual(report.sent, [{ fileName: 'appeal-1.xml', storedAs: 'appeal-1.xml' }]);
    assert.equal(drop.handed.length, 1);
    assert.equal(drop.handed[0]?.fileName, 'appeal-1.xml');
    assert.equal(drop.handed[0]?.mediaType, 'application/xml');
    assert.deepEqual(Buffer.from(drop.handed[0]?.bytes ?? []), APPEAL);
    assert.deepEqual(await drop.list('out'), []);
    assert.deepEqual(await drop.list('sent'), ['appeal-1.xml']);
    assert.deepEqual(await readFile(drop.path('sent', 'appeal-1.xml')), APPEAL);
  });

  it('does not pick up a file that is still growing, and hands it over whole once it stops', async () => {
    const transport = drop.transport();
    const handler = drop.handler();
    await dropFile('growing.xml', APPEAL.subarray(0, 10));
    await transport.scan(handler);
    drop.advance(5000);
    await appendFile(drop.path('out', 'growing.xml'), APPEAL.subarray(10, 30));
    assert.deepEqual((await transport.scan(handler)).waiting, ['growing.xml']);
    drop.advance(5000);
    await appendFile(drop.path('out', 'growing.xml'), APPEAL.subarray(30));
    assert.deepEqual((await transport.scan(handler)).waiting, ['growing.xml']);
    assert.equal(drop.handed.length, 0);

    drop.advance(2000);
    assert.equal((await transport.scan(handler)).sent.length, 1);
    assert.deepEqual(Buffer.from(drop.handed[0]?.bytes ?? []), APPEAL);
  });

  it('sees a file rewritten in place with the same size by its modification time', async () => {
    const transport = drop.transport();
    const handler = drop.handler();
    await dropFile('same-size.xml', 'aaaa');
    await utimes(drop.path('out', 'same-size.xml'), 1_000_000, 1_000_000);
    await transport.scan(handler);
    drop.advance(2000);
    await writeFile(drop.path('out', 'same-size.xml'), 'bbbb');
    await utimes(drop.path('out', 'same-size.xml'), 1_000_001, 1_000_001);
    assert.deepEqual((await transport.scan(handler)).waiting, ['same-size.xml']);
    drop.advance(2000);
    await transport.scan(handler);
    assert.equal(Buffer.from(drop.handed[0]?.bytes ?? []).toString(), 'bbbb');
  });

  it('never touches temporary names, folders or symbolic links', async () => {
    const transport = drop.transport();
    const handler = drop.handler();
    await dropFile('.appeal.xml.tmp');
    await dropFile('appeal.xml.tmp');
    await dropFile('appeal.xml.part');
    await dropFile('APPEAL.XML.PART');
    await dropFile('.hidden');
    await mkdir(drop.path('out', 'folder.xml'));
    await writeFile(join(drop.base, 'secret.txt'), 'not for the hub');
    await symlink(join(drop.base, 'secret.txt'), drop.path('out', 'link.xml'));

    const report = await drop.settledScan(transport, handler);
    assert.equal(drop.handed.length, 0);
    assert.deepEqual(report.ignored.sort(), [
      '.appeal.xml.tmp',
      '.hidden',
      'APPEAL.XML.PART',
      'appeal.xml.part',
      'appeal.xml.tmp',
      'folder.xml',
      'link.xml',
    ]);
    assert.equal((await drop.list('out')).length, 7);
    assert.deepEqual(await drop.list('sent'), []);
  });

  it('moves a refused document to failed/ with <name>.error.json (code, message, field, at)', async () => {
    const transport = drop.transport();
    await dropFile('bad.xml');
    const report = await drop.settledScan(
      transport,
      drop.handler(() => {
        throw new VkhidError('ADAPTER_MISSING_FIELD', {
          args: ['document.header.msg_id'],
          field: 'document.header.msg_id',
        });
      }),
    );
    assert.deepEqual(report.failed, [
      {
        fileName: 'bad.xml',
        storedAs: 'bad.xml',
        code: 'ADAPTER_MISSING_FIELD',
        field: 'document.header.msg_id',
      },
    ]);
    assert.deepEqual(await drop.list('out'), []);
    assert.deepEqual(await drop.list('failed'), ['bad.xml', 'bad.xml.error.json']);
    assert.deepEqual(await readFile(drop.path('failed', 'bad.xml')), APPEAL);
    const error = JSON.parse(await readFile(drop.path('failed', 'bad.xml.error.json'), 'utf8')) as unknown;
    assert.deepEqual(error, {
      fileName: 'bad.xml',
      code: 'ADAPTER_MISSING_FIELD',
      message: 'The required field document.header.msg_id is missing',
      field: 'document.header.msg_id',
      at: new Date(drop.time).toISOString(),
    });
  });

  it('writes field null in the error file when no single field is at fault', async () => {
    await dropFile('empty.xml', '');
    await drop.settledScan(
      drop.transport(),
      drop.handler(() => {
        throw new VkhidError('INTAKE_EMPTY');
      }),
    );
    const error = JSON.parse(await readFile(drop.path('failed', 'empty.xml.error.json'), 'utf8')) as {
      code: string;
      field: unknown;
    };
    assert.equal(error.code, 'INTAKE_EMPTY');
    assert.equal(error.field, null);
  });

  it('refuses a file larger than maxBytes unread', async () => {
    await dropFile('huge.xml', Buffer.alloc(11, 0x41));
    const report = await drop.settledScan(drop.transport({ maxBytes: 10 }), drop.handler());
    assert.equal(drop.handed.length, 0);
    assert.equal(report.failed[0]?.code, 'INTAKE_TOO_LARGE');
    assert.deepEqual(await drop.list('failed'), ['huge.xml', 'huge.xml.error.json']);
  });

  it('gives a clashing name a suffix in sent/ and failed/ and never overwrites', async () => {
    const transport = drop.transport();
    await transport.ensureFolders();
    await writeFile(drop.path('sent', 'a.xml'), 'earlier a');
    await writeFile(drop.path('sent', 'a-1.xml'), 'earlier a-1');
    await writeFile(drop.path('failed', 'b.xml'), 'earlier b');
    // An error report without its document still holds the name: it is never replaced either.
    await writeFile(drop.path('failed', 'b-1.xml.error.json'), '{"code":"earlier"}');
    await dropFile('a.xml', 'new a');
    await dropFile('b.xml', 'new b');

    const report = await drop.settledScan(
      transport,
      drop.handler(async (document) => {
        if (document.fileName === 'b.xml') throw new VkhidError('ADAPTER_MALFORMED', { args: ['XML', 'x'] });
        await Promise.resolve();
      }),
    );
    assert.deepEqual(report.sent, [{ fileName: 'a.xml', storedAs: 'a-2.xml' }]);
    assert.deepEqual(
      report.failed.map((file) => file.storedAs),
      ['b-2.xml'],
    );
    assert.equal(await readFile(drop.path('sent', 'a.xml'), 'utf8'), 'earlier a');
    assert.equal(await readFile(drop.path('sent', 'a-1.xml'), 'utf8'), 'earlier a-1');
    assert.equal(await readFile(drop.path('sent', 'a-2.xml'), 'utf8'), 'new a');
    assert.equal(await readFile(drop.path('failed', 'b.xml'), 'utf8'), 'earlier b');
    assert.equal(await readFile(drop.path('failed', 'b-1.xml.error.json'), 'utf8'), '{"code":"earlier"}');
    assert.equal(await readFile(drop.path('failed', 'b-2.xml'), 'utf8'), 'new b');
    assert.match(await readFile(drop.path('failed', 'b-2.xml.error.json'), 'utf8'), /ADAPTER_MALFORMED/);
  });

  for (const [label, error] of [
    ['a plain error', new Error('database is locked')],
    ['a hub-side coded error (5xx)', new VkhidError('STORE_UNAVAILABLE')],
  ] as const) {
    it(`keeps the file in out/ and retries it later when the handler fails with ${label}`, async () => {
      const transport = drop.transport({ retryDelayMs: 30_000 });
      let fail = true;
      const handler = drop.handler(async () => {
        await Promise.resolve();
        if (fail) throw error;
      });
      await dropFile('appeal.xml');
      const report = await drop.settledScan(transport, handler);
      assert.equal(report.retained.length, 1);
      assert.equal(report.retained[0]?.fileName, 'appeal.xml');
      assert.equal(report.retained[0]?.error, error);
      assert.deepEqual(await drop.list('out'), ['appeal.xml']);
      assert.deepEqual(await drop.list('failed'), []);

      drop.advance(29_999);
      assert.deepEqual((await transport.scan(handler)).waiting, ['appeal.xml']);
      assert.equal(drop.handed.length, 1);

      fail = false;
      drop.advance(1);
      assert.deepEqual((await transport.scan(handler)).sent, [
        { fileName: 'appeal.xml', storedAs: 'appeal.xml' },
      ]);
      assert.equal(drop.handed.length, 2);
      assert.deepEqual(await drop.list('sent'), ['appeal.xml']);
    });
  }

  it('hands the file over again after a crash between the handler and the move; an idempotent hub keeps one copy', async () => {
    // The hub's intake: idempotent by content hash.
    const accepted = new Map<string, number>();
    const intake = drop.handler(async (document) => {
      const hash = createHash('sha256').update(document.bytes).digest('hex');
      accepted.set(hash, (accepted.get(hash) ?? 0) + 1);
      await Promise.resolve();
    });
    const crashing: FileDropFileSystem = {
      ...fsp,
      link: () => Promise.reject(Object.assign(new Error('simulated crash'), { code: 'ECRASH' })),
      rename: () => Promise.reject(Object.assign(new Error('simulated crash'), { code: 'ECRASH' })),
    };
    await dropFile('appeal.xml');
    const before = await drop.settledScan(drop.transport({ fileSystem: crashing }), intake);
    assert.equal(before.retained.length, 1);
    assert.deepEqual(await drop.list('out'), ['appeal.xml']);
    assert.deepEqual(await drop.list('sent'), []);

    // The restarted hub remembers nothing: the file must settle again and is handed over again.
    const restarted = drop.transport();
    const after = await drop.settledScan(restarted, intake);
    assert.deepEqual(after.sent, [{ fileName: 'appeal.xml', storedAs: 'appeal.xml' }]);
    assert.equal(drop.handed.length, 2);
    assert.deepEqual(Buffer.from(drop.handed[1]?.bytes ?? []), Buffer.from(drop.handed[0]?.bytes ?? []));
    assert.deepEqual([...accepted.values()], [2]);
    assert.deepEqual(await drop.list('out'), []);
    assert.deepEqual(await drop.list('sent'), ['appeal.xml']);
  });

  it('loses nothing when the hub crashes after linking into sent/ and before unlinking from out/', async () => {
    const crashing: FileDropFileSystem = {
      ...fsp,
      unlink: (path) =>
        String(path).startsWith(drop.path('out'))
          ? Promise.reject(Object.assign(new Error('simulated crash'), { code: 'ECRASH' }))
          : fsp.unlink(path),
    };
    await dropFile('appeal.xml');
    await drop.settledScan(drop.transport({ fileSystem: crashing }), drop.handler());
    assert.deepEqual(await drop.list('out'), ['appeal.xml']);
    assert.deepEqual(await drop.list('sent'), ['appeal.xml']);

    // Handed over again (the intake is idempotent), and filed beside the first copy, not over it.
    const after = await drop.settledScan(drop.transport(), drop.handler());
    assert.deepEqual(after.sent, [{ fileName: 'appeal.xml', storedAs: 'appeal-1.xml' }]);
    assert.equal(drop.handed.length, 2);
    assert.deepEqual(await drop.list('out'), []);
    assert.deepEqual(await drop.list('sent'), ['appeal-1.xml', 'appeal.xml']);
  });

  it('retries only the move, without handing over again, when the move failed in a running hub', async () => {
    let linkFails = true;
    const flaky: FileDropFileSystem = {
      ...fsp,
      link: (from, to) =>
        linkFails ? Promise.reject(Object.assign(new Error('EIO'), { code: 'EIO' })) : fsp.link(from, to),
    };
    const transport = drop.transport({ fileSystem: flaky, retryDelayMs: 1000 });
    await dropFile('appeal.xml');
    const report = await drop.settledScan(transport, drop.handler());
    assert.match(report.retained[0]?.reason ?? '', /cannot be moved to sent/);
    linkFails = false;
    drop.advance(1000);
    assert.equal((await transport.scan(drop.handler())).sent.length, 1);
    assert.equal(drop.handed.length, 1);
    assert.deepEqual(await drop.list('sent'), ['appeal.xml']);
  });

  it('moves by rename where the file system has no hard links', async () => {
    const noLinks: FileDropFileSystem = {
      ...fsp,
      link: () => Promise.reject(Object.assign(new Error('EPERM'), { code: 'EPERM' })),
    };
    const transport = drop.transport({ fileSystem: noLinks });
    await transport.ensureFolders();
    await writeFile(drop.path('sent', 'a.xml'), 'earlier');
    await dropFile('a.xml', 'new');
    assert.deepEqual((await drop.settledScan(transport, drop.handler())).sent, [
      { fileName: 'a.xml', storedAs: 'a-1.xml' },
    ]);
    assert.equal(await readFile(drop.path('sent', 'a.xml'), 'utf8'), 'earlier');
    assert.equal(await readFile(drop.path('sent', 'a-1.xml'), 'utf8'), 'new');
    assert.deepEqual(await drop.list('out'), []);
  });

  it('does not move a file the EDMS replaced while the hub was taking it; the new content is handed over later', async () => {
    const transport = drop.transport();
    await dropFile('appeal.xml', 'first version');
    let replaced = false;
    const handler = drop.handler(async () => {
      if (replaced) return;
      replaced = true;
      await writeFile(drop.path('out', 'appeal.new'), 'second, longer version');
      await fsp.rename(drop.path('out', 'appeal.new'), drop.path('out', 'appeal.xml'));
    });
    const report = await drop.settledScan(transport, handler);
    assert.deepEqual(report.sent, []);
    assert.ok(report.waiting.includes('appeal.xml'));
    assert.equal(await readFile(drop.path('out', 'appeal.xml'), 'utf8'), 'second, longer version');

    await drop.settledScan(transport, handler);
    assert.deepEqual(
      drop.handed.map((document) => Buffer.from(document.bytes).toString()),
      ['first version', 'second, longer version'],
    );
    assert.equal(await readFile(drop.path('sent', 'appeal.xml'), 'utf8'), 'second, longer version');
  });

  it('hands files over oldest first, at most maxFilesPerScan per scan', async () => {
    const transport = drop.transport({ maxFilesPerScan: 2 });
    for (const [name, mtime] of [
      ['c.xml', 1_000_003],
      ['a.xml', 1_000_002],
      ['b.xml', 1_000_001],
    ] as const) {
      await dropFile(name, name);
      await utimes(drop.path('out', name), mtime, mtime);
    }
    const report = await drop.settledScan(transport, drop.handler());
    assert.deepEqual(
      report.sent.map((file) => file.fileName),
      ['b.xml', 'a.xml'],
    );
    assert.deepEqual(report.waiting, ['c.xml']);
    assert.deepEqual(
      (await transport.scan(drop.handler())).sent.map((file) => file.fileName),
      ['c.xml'],
    );
  });

  it('uses the media type the hub gives for the participant adapter', async () => {
    await dropFile('document.dat');
    await drop.settledScan(
      drop.transport({ mediaTypeFor: () => 'application/vnd.sev-ovv+xml' }),
      drop.handler(),
    );
    assert.equal(drop.handed[0]?.mediaType, 'application/vnd.sev-ovv+xml');
  });

  it('never runs two scans of one transport at once', async () => {
    const transport = drop.transport({ settleMs: 0 });
    await dropFile('appeal.xml');
    await transport.scan(drop.handler());
    let active = 0;
    let most = 0;
    const handler = drop.handler(async () => {
      active++;
      most = Math.max(most, active);
      await new Promise((resolve) => setImmediate(resolve));
      active--;
    });
    const reports = await Promise.all([transport.scan(handler), transport.scan(handler)]);
    assert.equal(most, 1);
    assert.equal(drop.handed.length, 1);
    assert.deepEqual(
      reports.map((report) => report.sent.length),
      [1, 0],
    );
  });
});
