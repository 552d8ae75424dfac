import assert from 'node:assert/strict';
import * as fsp from 'node:fs/promises';
import { readFile, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { VkhidError } from '../../gateway/errors/vkhid-error.js';
import type { FileDropFileSystem } from '../../gateway/transport/file-drop-transport.js';
import { DropFixture } from './file-drop-fixture.js';

const MESSAGE_ID = '3f1c2b9e-8a4d-4c61-9d0e-5b7a2f6c1e84';
const ANSWER = Buffer.from('<?xml version="1.0" encoding="UTF-8"?><answer>Відповідь на звернення</answer>\n');
const XML = 'application/xml';

describe('FileDropTransport.deliver', () => {
  let drop: DropFixture;
  beforeEach(async () => {
    drop = await DropFixture.create();
  });
  afterEach(() => drop.dispose());

  it('writes the document to in/<message id>.<ext> and leaves no temporary file', async () => {
    const result = await drop.transport().deliver(MESSAGE_ID, { bytes: ANSWER, mediaType: XML });
    assert.deepEqual(result, {
      fileName: `${MESSAGE_ID}.xml`,
      path: drop.path('in', `${MESSAGE_ID}.xml`),
      written: true,
    });
    assert.deepEqual(await drop.list('in'), [`${MESSAGE_ID}.xml`]);
    assert.deepEqual(await readFile(result.path), ANSWER);
  });

  it('writes a temporary file, fsyncs it, renames it, then fsyncs the folder: no partial file is ever visible', async () => {
    const events: string[] = [];
    const final = drop.path('in', `${MESSAGE_ID}.xml`);
    const temporary = drop.path('in', `.${MESSAGE_ID}.xml.tmp`);
    const watched: FileDropFileSystem = {
      ...fsp,
      open: (async (path: string, flags?: string | number, mode?: number) => {
        const handle = await fsp.open(path, flags, mode);
        const name = path === temporary ? 'tmp' : path === drop.path('in') ? 'in/' : path;
        const sync = handle.sync.bind(handle);
        handle.sync = async () => {
          events.push(`sync ${name}`);
          await sync();
        };
        return handle;
      }) as FileDropFileSystem['open'],
      rename: async (from, to) => {
        // The moment before the rename: the final name does not exist, the temporary file is complete.
        await assert.rejects(fsp.stat(final), { code: 'ENOENT' });
        assert.deepEqual(await readFile(temporary), ANSWER);
        events.push(
          `rename ${String(from) === temporary ? 'tmp' : String(from)} -> ${String(to) === final ? 'final' : String(to)}`,
        );
        await fsp.rename(from, to);
      },
    };
    await drop.transport({ fileSystem: watched }).deliver(MESSAGE_ID, { bytes: ANSWER, mediaType: XML });
    assert.deepEqual(events, ['sync tmp', 'rename tmp -> final', 'sync in/']);
    assert.deepEqual(await drop.list('in'), [`${MESSAGE_ID}.xml`]);
  });

  it('leaves neither the final file nor the temporary file when writing fails half-way', async () => {
    const diskFull: FileDropFileSystem = {
      ...fsp,
      open: (async (path: string, flags?: string | number, mode?: number) => {
        const handle = await fsp.open(path, flags, mode);
        if (flags === 'wx') {
          handle.writeFile = async (data) => {
            await handle.write(Buffer.from(data as Uint8Array).subarray(0, 10));
            throw Object.assign(new Error('no space left on device'), { code: 'ENOSPC' });
          };
        }
        return handle;
      }) as FileDropFileSystem['open'],
    };
    await assert.rejects(
      drop.transport({ fileSystem: diskFull }).deliver(MESSAGE_ID, { bytes: ANSWER, mediaType: XML }),
      { code: 'ENOSPC' },
    );
    assert.deepEqual(await drop.list('in'), []);
  });

  it('is a no-op when the same message is delivered again with the same bytes', async () => {
    const transport = drop.transport();
    await transport.deliver(MESSAGE_ID, { bytes: ANSWER, mediaType: XML });
    const again = await drop.transport().deliver(MESSAGE_ID, { bytes: Buffer.from(ANSWER), mediaType: XML });
    assert.equal(again.written, false);
    assert.deepEqual(await drop.list('in'), [`${MESSAGE_ID}.xml`]);
  });

  it('gives concurrent deliveries of one message one file', async () => {
    const transport = drop.transport();
    const results = await Promise.all(
      [1, 2, 3].map(() => transport.deliver(MESSAGE_ID, { bytes: ANSWER, mediaType: XML })),
    );
    assert.deepEqual(
      results.map((result) => result.written),
      [true, false, false],
    );
    assert.deepEqual(await drop.list('in'), [`${MESSAGE_ID}.xml`]);
  });

  it('refuses the same message with different bytes and keeps the file there', async () => {
    const transport = drop.transport();
    await transport.deliver(MESSAGE_ID, { bytes: ANSWER, mediaType: XML });
    await assert.rejects(
      transport.deliver(MESSAGE_ID, { bytes: Buffer.from('<answer>other</answer>'), mediaType: XML }),
      (error: unknown) =>
        error instanceof VkhidError &&
        error.code === 'INTAKE_DUPLICATE_ID' &&
        error.field === `in/${MESSAGE_ID}.xml`,
    );
    assert.deepEqual(await readFile(drop.path('in', `${MESSAGE_ID}.xml`)), ANSWER);
    assert.deepEqual(await drop.list('in'), [`${MESSAGE_ID}.xml`]);
  });

  it('names files from the message id and the adapter file name, never outside in/', async () => {
    const transport = drop.transport();
    const cases: [string | undefined, string, string][] = [
      ['letter.xml', XML, `${MESSAGE_ID}-letter.xml`],
      [`${MESSAGE_ID}.json`, 'application/json', `${MESSAGE_ID}.json`],
      ['../../etc/passwd', 'text/plain', `${MESSAGE_ID}-passwd`],
      ['..\\..\\звернення №5.csv', 'text/csv', `${MESSAGE_ID}-звернення _5.csv`],
      [undefined, 'application/json', `${MESSAGE_ID}.json`],
      [undefined, 'application/vnd.sev-ovv+xml', `${MESSAGE_ID}.xml`],
      [undefined, 'application/octet-stream', `${MESSAGE_ID}.bin`],
    ];
    for (const [index, [fileName, mediaType, expected]] of cases.entries()) {
      const id = MESSAGE_ID.replace(/.$/, String(index));
      const result = await transport.deliver(id, {
        bytes: ANSWER,
        mediaType,
        fileName: fileName?.replaceAll(MESSAGE_ID, id),
      });
      assert.equal(result.fileName, expected.replaceAll(MESSAGE_ID, id));
      assert.equal(result.path, join(drop.path('in'), result.fileName));
    }
    assert.equal((await drop.list('in')).length, cases.length);
    await assert.rejects(transport.deliver('../escape', { bytes: ANSWER, mediaType: XML }), RangeError);
    await assert.rejects(transport.deliver('.hidden', { bytes: ANSWER, mediaType: XML }), RangeError);
  });

  it('keeps delivered names within 200 bytes, with their extension', async () => {
    const result = await drop.transport().deliver(MESSAGE_ID, {
      bytes: ANSWER,
      mediaType: XML,
      fileName: `${'Звернення'.repeat(30)}.xml`,
    });
    assert.ok(Buffer.byteLength(result.fileName) <= 200);
    assert.ok(result.fileName.startsWith(`${MESSAGE_ID}-Звернення`));
    assert.ok(result.fileName.endsWith('.xml'));
    assert.deepEqual(await readFile(result.path), ANSWER);
  });

  it('replaces a temporary file left by a crash, and never follows a link planted under its name', async () => {
    const transport = drop.transport();
    await transport.ensureFolders();
    const victim = join(drop.base, 'victim.txt');
    await writeFile(victim, 'must stay');
    await symlink(victim, drop.path('in', `.${MESSAGE_ID}.xml.tmp`));
    await transport.deliver(MESSAGE_ID, { bytes: ANSWER, mediaType: XML });
    assert.equal(await readFile(victim, 'utf8'), 'must stay');
    assert.deepEqual(await drop.list('in'), [`${MESSAGE_ID}.xml`]);
    assert.deepEqual(await readFile(drop.path('in', `${MESSAGE_ID}.xml`)), ANSWER);
  });
});
