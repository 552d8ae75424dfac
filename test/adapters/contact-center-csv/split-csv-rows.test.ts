import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { contactCenterCsvAdapter } from '../../../adapters/contact-center-csv/contact-center-csv-adapter.js';
import { REQUIRED_APPEAL_COLUMNS } from '../../../adapters/contact-center-csv/csv-columns.js';
import { csvReplyHeader, joinCsvDocuments } from '../../../adapters/contact-center-csv/join-csv-documents.js';
import { splitCsvRows } from '../../../adapters/contact-center-csv/split-csv-rows.js';
import { AdapterRegistry } from '../../../gateway/adapters/adapter-registry.js';
import { VkhidError } from '../../../gateway/errors/vkhid-error.js';
import { sampleEnvelope } from '../../envelope/fixtures/sample-envelopes.js';
import { suiteContext } from '../conformance/conformance-case.js';
import { CONTACT_CENTER, MINIMAL_HEADER, MINIMAL_ROW, minimal } from './contact-center-csv-case.js';

const SAMPLE = new URL('../../../adapters/contact-center-csv/examples/routed-appeals.csv', import.meta.url);
const runtime = (settings: Record<string, unknown> = {}) =>
  new AdapterRegistry().register(contactCenterCsvAdapter).create('contact-center-csv', settings);
const context = suiteContext(CONTACT_CENTER);

function refusedWith(code: string, action: () => unknown): VkhidError {
  try {
    action();
  } catch (error) {
    assert.ok(error instanceof VkhidError, String(error));
    assert.equal(error.code, code, error.message);
    return error;
  }
  return assert.fail(`expected ${code}`);
}

describe('splitCsvRows: one document per data row', () => {
  it('cuts the sample export into its four rows, each the header and the row byte for byte', async () => {
    const bytes = readFileSync(SAMPLE);
    const split = splitCsvRows(bytes, {}, 'routed-appeals.csv');
    assert.equal(split.encoding, 'utf-8');
    assert.equal(split.delimiter, ';');
    const rows = [...split.rows];
    assert.deepEqual(
      rows.map((r) => [r.row, r.line, r.tracking, r.document.fileName, r.document.mediaType]),
      [1, 2, 3, 4].map((n) => [
        n,
        [2, 4, 5, 6][n - 1],
        `UKC-2026-0302-0010${n}`,
        `routed-appeals.csv#row=${n}`,
        'text/csv; charset=utf-8',
      ]),
    );
    // Without the BOM, the header line and each row are slices of the file.
    const text = bytes.subarray(3).toString('utf8');
    const lines = text.split('\r\n');
    assert.equal(
      Buffer.from(rows[0]!.document.bytes).toString('utf8'),
      `${lines[0]}\r\n${lines[1]}\r\n${lines[2]}\r\n`,
    );
    assert.equal(Buffer.from(rows[3]!.document.bytes).toString('utf8'), `${lines[0]}\r\n${lines[5]}\r\n`);
    const adapter = runtime();
    for (const row of rows) {
      const { envelope } = await adapter.toCanonical(row.document, context);
      assert.equal(envelope.header.tracking, row.tracking);
      assert.equal(envelope.header.sender, CONTACT_CENTER);
    }
  });

  it('detects windows-1251 on the whole file, so a row that alone is valid UTF-8 is still read as windows-1251', async () => {
    // ASCII headings: only the data can tell the encoding. Row 1 has Ukrainian words that are not UTF-8; row 2
    // has only "Ці" (D6 B3), a valid UTF-8 sequence for U+05B3, which row-by-row detection would get wrong.
    const columns = Object.fromEntries(REQUIRED_APPEAL_COLUMNS.map((key) => [key, key]));
    const header = REQUIRED_APPEAL_COLUMNS.join(';');
    const ascii = [
      '',
      '01.03.2026 12:00',
      'hotline',
      'citizen-appeal',
      'normal',
      'false',
      'Melnyk A.',
      'true',
      'true',
      'housing',
      '',
      'No heating.',
      '00022527',
      'Art. 7',
      '2026-03-31',
    ];
    const row = (tracking: string, subject: string) =>
      ascii.map((value, index) => (index === 0 ? tracking : index === 10 ? subject : value)).join(';');
    const text = `${header}\r\n${row('UKC-1', 'Опалення')}\r\n${row('UKC-2', 'Ці')}\r\n`;
    const bytes = Uint8Array.from([...text].map((char) => windows1251Byte(char)));
    const split = splitCsvRows(bytes, { columns });
    assert.equal(split.encoding, 'windows-1251');
    const rows = [...split.rows];
    assert.equal(rows[1]!.document.mediaType, 'text/csv; charset=windows-1251');
    const { envelope } = await runtime({ columns }).toCanonical(rows[1]!.document, context);
    assert.ok(envelope.body.type === 'appeal');
    assert.equal(envelope.body.appeal.subject, 'Ці');
  });

  it('leaves a broken row to the adapter: the rows around it still convert', async () => {
    const good = MINIMAL_ROW.join(';');
    const strayQuote = MINIMAL_ROW.map((v, i) =>
      i === 0 ? 'UKC-2026-0301-00002' : i === 10 ? 'a "b' : v,
    ).join(';');
    const short = MINIMAL_ROW.slice(0, -1)
      .map((v, i) => (i === 0 ? 'UKC-2026-0301-00003' : v))
      .join(';');
    const text = `${MINIMAL_HEADER.join(';')}\n${good}\n${strayQuote}\n\n;;;\n${short}\n${good.replace('00001', '00004')}`;
    const rows = [...splitCsvRows(Buffer.from(text), {}).rows];
    assert.deepEqual(
      rows.map((r) => [r.row, r.line, r.tracking]),
      [
        [1, 2, 'UKC-2026-0301-00001'],
        [2, 3, 'UKC-2026-0301-00002'],
        [4, 6, 'UKC-2026-0301-00003'],
        [5, 7, 'UKC-2026-0301-00004'],
      ],
    );
    const adapter = runtime();
    const outcomes = await Promise.all(
      rows.map((r) =>
        adapter.toCanonical(r.document, context).then(
          (result) => result.envelope.header.tracking,
          (error: VkhidError) => `${error.code} ${error.field}`,
        ),
      ),
    );
    assert.deepEqual(outcomes, [
      'UKC-2026-0301-00001',
      'ADAPTER_MALFORMED row 2',
      'ADAPTER_MALFORMED row 4',
      'UKC-2026-0301-00004',
    ]);
  });

  it('refuses the whole file for what concerns the whole file', () => {
    refusedWith('ADAPTER_MALFORMED', () => splitCsvRows(new Uint8Array(), {}));
    refusedWith('ADAPTER_MALFORMED', () => splitCsvRows(Buffer.from('\r\n\r\n'), {}));
    const missing = refusedWith('ADAPTER_MISSING_FIELD', () =>
      splitCsvRows(Buffer.from(minimal({ header: (h) => (h[1] = 'Дата') })), {}),
    );
    assert.equal(missing.field, 'column Дата надходження');
    const control = refusedWith('ADAPTER_BAD_ENCODING', () =>
      splitCsvRows(Buffer.from(`\u0001${minimal()}`), {}),
    );
    assert.equal(control.field, 'header');
    const utf8 = refusedWith('ADAPTER_BAD_ENCODING', () =>
      splitCsvRows(Buffer.from([...Buffer.from(minimal()), 0xff]), { encoding: 'utf-8' }),
    );
    assert.equal(utf8.code, 'ADAPTER_BAD_ENCODING');
    refusedWith('ADAPTER_SETTINGS_INVALID', () => splitCsvRows(Buffer.from(minimal()), { delimiter: '|' }));
  });
});

describe('joinCsvDocuments: an export under one header', () => {
  it('puts each reply row under the one header, in order', async () => {
    const adapter = runtime();
    const documents = await Promise.all(
      (['receipt', 'status', 'answer'] as const).map((type) =>
        adapter.fromCanonical(sampleEnvelope(type), context),
      ),
    );
    const header = csvReplyHeader({});
    const joined = joinCsvDocuments(header, documents);
    const text = Buffer.from(joined.bytes).toString('utf8');
    assert.ok(text.startsWith(`\ufeff${Buffer.from(header.bytes).toString('utf8').slice(1)}`));
    assert.equal(text.split('\ufeff').length, 2, 'one BOM, at the start');
    const rows = text.slice(1).split(/\r\n(?=[0-9a-f]{8}-)/);
    assert.deepEqual(
      rows.slice(1).map((row) => row.split(';')[1]),
      ['квитанція', 'статус', 'відповідь'],
    );
    assert.equal(joinCsvDocuments(header, []).bytes.length, header.bytes.length);
  });

  it('refuses a row written under another header', async () => {
    const appealRow = await runtime().fromCanonical(sampleEnvelope('appeal'), context);
    refusedWith('ADAPTER_FAILED', () => joinCsvDocuments(csvReplyHeader({}), [appealRow]));
    const semicolons = await runtime().fromCanonical(sampleEnvelope('status'), context);
    refusedWith('ADAPTER_FAILED', () => joinCsvDocuments(csvReplyHeader({ delimiter: ',' }), [semicolons]));
  });
});

/** windows-1251 by TextDecoder's own table, independent of the adapter's encoder. */
function windows1251Byte(char: string): number {
  const table = new TextDecoder('windows-1251').decode(Uint8Array.from({ length: 256 }, (_, i) => i));
  const byte = table.indexOf(char);
  assert.ok(byte >= 0, `no windows-1251 byte for ${char}`);
  return byte;
}
