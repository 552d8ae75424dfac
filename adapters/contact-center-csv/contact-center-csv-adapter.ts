import { stringify } from 'csv-stringify/sync';
import type {
  Adapter,
  AdapterContext,
  AdapterModule,
  NativeDocument,
} from '../../gateway/adapters/adapter.js';
import type { Envelope } from '../../gateway/envelope/envelope-model.js';
import { VkhidError } from '../../gateway/errors/vkhid-error.js';
import { appealFromRow, appealToRow, readAppealHeader, type OutputCell } from './appeal-row.js';
import { APPEAL_COLUMNS, REPLY_COLUMNS, type ColumnKey } from './csv-columns.js';
import {
  ADAPTER_NAME,
  parseCsvSettings,
  type CsvDelimiter,
  type CsvEncoding,
  type CsvSettings,
} from './csv-settings.js';
import {
  checkCellText,
  decodeCsv,
  detectDelimiter,
  encodeCsv,
  isBlank,
  parseCsvRecord,
  splitCsvRecords,
  unencodable,
  type CsvRecord,
} from './csv-text.js';
import { replyToRow } from './reply-row.js';

export const CSV_MEDIA_TYPE = 'text/csv';

/**
 * The Government Contact Center's CSV (issue #5): its bulk export of routed appeals in, receipts, statuses,
 * answers and errors back out. One document is a header line and one data row; `splitCsvRows` cuts a whole
 * export into such documents and `vkhid import` feeds them through here one by one, so a bad row is refused
 * alone. The column set, encodings and words are in docs/adapters/contact-center-csv.md.
 */
export class ContactCenterCsvAdapter implements Adapter {
  constructor(readonly settings: CsvSettings) {}

  toCanonical(document: NativeDocument, context: AdapterContext): Envelope {
    const row = rowNumberOf(document.fileName);
    const { cells, header } = readOneRow(document, this.settings, row);
    return appealFromRow(cells, header, row, this.settings, context);
  }

  fromCanonical(envelope: Envelope): NativeDocument {
    const { body } = envelope;
    if (body.type === 'appeal') {
      return this.write(APPEAL_COLUMNS, appealToRow(envelope, body.appeal));
    }
    return this.write(REPLY_COLUMNS, replyToRow(envelope));
  }

  /** The header line alone, in the settings' encoding: an export with no rows. */
  replyHeader(): NativeDocument {
    return this.write(REPLY_COLUMNS, undefined);
  }

  private write<K extends ColumnKey>(
    columns: readonly K[],
    row: Partial<Record<K, OutputCell>> | undefined,
  ): NativeDocument {
    const encoding = outputEncoding(this.settings);
    const delimiter = outputDelimiter(this.settings);
    const headings = columns.map((key) => this.settings.columns[key]);
    const records: string[][] = [headings];
    if (row !== undefined) {
      records.push(columns.map((key) => encodable(row[key], encoding)));
    }
    const text = stringify(records, {
      delimiter,
      record_delimiter: '\r\n',
      // csv-stringify quotes a line end only when it is the record delimiter; a lone CR or LF in a cell
      // must be quoted too, or a reader splitting on any line end cuts the record there.
      quoted_match: /[\r\n]/,
    });
    return {
      bytes: encodeCsv(text, encoding, this.settings.bom),
      mediaType: `${CSV_MEDIA_TYPE}; charset=${encoding}`,
    };
  }
}

function outputEncoding(settings: CsvSettings): CsvEncoding {
  return settings.encoding === 'auto' ? 'utf-8' : settings.encoding;
}

function outputDelimiter(settings: CsvSettings): CsvDelimiter {
  return settings.delimiter === 'auto' ? ';' : settings.delimiter;
}

/** A cell's text, refused (ADAPTER_INVALID_FIELD at its model path) if the encoding cannot write it. */
function encodable(cell: OutputCell | undefined, encoding: CsvEncoding): string {
  if (cell === undefined) return '';
  const char = unencodable(cell.value, encoding);
  if (char === undefined) return cell.value;
  if (cell.informative === true) {
    return [...cell.value].map((c) => (unencodable(c, encoding) === undefined ? c : '?')).join('');
  }
  const code = char.codePointAt(0)?.toString(16).toUpperCase().padStart(4, '0') ?? '?';
  throw new VkhidError('ADAPTER_INVALID_FIELD', {
    args: [cell.path, `the character U+${code} cannot be written in ${encoding}`],
    field: cell.path,
  });
}

/**
 * The data row number a document stands for: `splitCsvRows` names each row document `FILE#row=N`, so a
 * refusal says `row 17`, the row of the file the contact center knows, rather than the only row of the piece.
 */
export function rowNumberOf(fileName: string | undefined): number {
  const match = fileName === undefined ? null : /#row=(\d{1,9})$/.exec(fileName);
  return match ? Number(match[1]) : 1;
}

/** The charset a media type declares (`text/csv; charset=windows-1251`), if any. */
export function declaredCharset(mediaType: string): CsvEncoding | undefined {
  const match = /;\s*charset\s*=\s*"?([^";\s]+)"?/i.exec(mediaType);
  if (match === null) return undefined;
  const charset = (match[1] ?? '').toLowerCase();
  if (charset === 'utf-8' || charset === 'utf8') return 'utf-8';
  if (['windows-1251', 'cp1251', 'win1251', 'x-cp1251'].includes(charset)) return 'windows-1251';
  throw new VkhidError('ADAPTER_UNSUPPORTED', {
    args: [ADAPTER_NAME, `the charset ${charset} (UTF-8 and windows-1251 are read)`],
  });
}

/**
 * A document's text, encoding, delimiter (detected on the header line) and records, the header first. The
 * header is found before the delimiter is known, taking either `;` or `,` as a cell boundary.
 */
export function readRecords(
  document: NativeDocument,
  settings: CsvSettings,
): { encoding: CsvEncoding; delimiter: CsvDelimiter; records: CsvRecord[] } {
  const { text, encoding } = decodeCsv(
    document.bytes,
    declaredCharset(document.mediaType) ?? settings.encoding,
  );
  const [header] = splitCsvRecords(text, ';,', 1);
  if (header === undefined) {
    throw new VkhidError('ADAPTER_MALFORMED', { args: ['CSV', 'the document is empty'], field: 'header' });
  }
  const delimiter = detectDelimiter(header.text, settings.delimiter);
  return { encoding, delimiter, records: splitCsvRecords(text, delimiter) };
}

/** Reads the header record: its cells (checked for control characters) and where the appeal columns are. */
export function readHeaderRecord(
  record: CsvRecord,
  delimiter: CsvDelimiter,
  settings: CsvSettings,
  encoding: CsvEncoding,
) {
  const cells = parseCsvRecord(record, delimiter, 'header');
  cells.forEach((cell) => checkCellText(cell, encoding, 'header'));
  return { cells, header: readAppealHeader(cells, settings) };
}

/**
 * Reads a data record: as many cells as the header, none holding a control character; undefined for a blank
 * record (`;;;;`, which spreadsheets write for empty rows, whatever its cell count).
 */
export function readDataRecord(
  record: CsvRecord,
  delimiter: CsvDelimiter,
  headerCells: readonly string[],
  encoding: CsvEncoding,
  row: number,
): string[] | undefined {
  const cells = parseCsvRecord(record, delimiter, `row ${row}`);
  if (isBlank(cells)) return undefined;
  if (cells.length !== headerCells.length) {
    throw new VkhidError('ADAPTER_MALFORMED', {
      args: ['CSV', `row ${row} has ${cells.length} cells but the header has ${headerCells.length}`],
      field: `row ${row}`,
    });
  }
  cells.forEach((cell, index) => checkCellText(cell, encoding, `row ${row}, column ${headerCells[index]}`));
  return cells;
}

function readOneRow(document: NativeDocument, settings: CsvSettings, row: number) {
  const { encoding, delimiter, records } = readRecords(document, settings);
  const [first, ...rest] = records as [CsvRecord, ...CsvRecord[]];
  const { cells: headerCells, header } = readHeaderRecord(first, delimiter, settings, encoding);
  const rows = rest
    .map((record) => readDataRecord(record, delimiter, headerCells, encoding, row))
    .filter((cells) => cells !== undefined);
  if (rows.length !== 1) {
    throw new VkhidError('ADAPTER_MALFORMED', {
      args: [
        'CSV',
        rows.length === 0
          ? 'the document has a header but no data row'
          : `the document has ${rows.length} data rows; one document is one row (split a file with vkhid import)`,
      ],
    });
  }
  return { cells: rows[0] as string[], header };
}

export const contactCenterCsvAdapter: AdapterModule = {
  manifest: {
    name: ADAPTER_NAME,
    version: '1.0.0',
    description:
      "The Government Contact Center's CSV: routed appeals in (one row each), receipts, statuses and answers out",
    reads: [CSV_MEDIA_TYPE],
    writes: [CSV_MEDIA_TYPE],
    directions: ['toCanonical', 'fromCanonical'],
    messageTypes: {
      toCanonical: ['appeal'],
      fromCanonical: ['appeal', 'receipt', 'status', 'answer', 'error'],
    },
    // One row: a 200,000-character appeal text in UTF-8 plus the other cells, with room for quoting.
    maxInputBytes: 2 * 1024 * 1024,
  },
  createAdapter(settings) {
    return new ContactCenterCsvAdapter(parseCsvSettings(settings));
  },
};
