import type { NativeDocument } from '../../gateway/adapters/adapter.js';
import { VkhidError } from '../../gateway/errors/vkhid-error.js';
import { CSV_MEDIA_TYPE, readHeaderRecord, readRecords } from './contact-center-csv-adapter.js';
import { parseCsvSettings, type CsvDelimiter, type CsvEncoding } from './csv-settings.js';
import { encodeCsv, isBlank, parseCsvRecord } from './csv-text.js';

/** One data row of a contact-center export, as a document the adapter converts on its own. */
export interface CsvRow {
  /** The row's number: the N-th record after the header (empty lines are not records). */
  readonly row: number;
  /** The line of the file the row starts on (a quoted cell may span lines). */
  readonly line: number;
  /** The tracking number as written in the row, when the row can be read at all (for the report). */
  readonly tracking?: string;
  /**
   * The header line and this row, byte for byte as in the file (without a BOM), with media type
   * `text/csv; charset=<the file's encoding>` and file name `<fileName>#row=<row>`, which the adapter uses to
   * name the row in its refusals.
   */
  readonly document: NativeDocument;
}

export interface CsvRows {
  readonly encoding: CsvEncoding;
  readonly delimiter: CsvDelimiter;
  /** The data rows; blank rows (`;;;;`) are left out. */
  readonly rows: Generator<CsvRow>;
}

/**
 * Cuts a contact-center export into one-row documents for `vkhid import`. What concerns the whole file is
 * checked here, once, and refuses the whole file: its encoding (UTF-8 or windows-1251, detected on the whole
 * file, since a short windows-1251 row can happen to be valid UTF-8), its delimiter and its header (every
 * required column present). What concerns one row (quoting, cell count, values) is left to the adapter, so a
 * bad row is refused alone and the rows around it still go through.
 */
export function splitCsvRows(
  bytes: Uint8Array,
  settings: Readonly<Record<string, unknown>>,
  fileName = 'rows.csv',
): CsvRows {
  const parsed = parseCsvSettings(settings);
  const { encoding, delimiter, records } = readRecords({ bytes, mediaType: CSV_MEDIA_TYPE }, parsed);
  const [headerRecord, ...dataRecords] = records;
  if (headerRecord === undefined) {
    throw new VkhidError('ADAPTER_MALFORMED', { args: ['CSV', 'the file is empty'], field: 'header' });
  }
  const { header } = readHeaderRecord(headerRecord, delimiter, parsed, encoding);
  const trackingIndex = header.get('tracking');
  const headerText = headerRecord.text + (headerRecord.end === '' ? '\r\n' : headerRecord.end);
  function* rows(): Generator<CsvRow> {
    let row = 0;
    for (const record of dataRecords) {
      row++;
      let cells: string[] | undefined;
      try {
        cells = parseCsvRecord(record, delimiter, `row ${row}`);
      } catch {
        // The adapter refuses this row, in its place in the report; a relaxed reading may still find the
        // tracking number the report names it by.
        try {
          cells = parseCsvRecord(record, delimiter, `row ${row}`, true);
        } catch {
          cells = undefined;
        }
      }
      if (cells !== undefined && isBlank(cells)) continue;
      const tracking =
        trackingIndex === undefined ? undefined : cells?.[trackingIndex]?.trim().slice(0, 60) || undefined;
      yield {
        row,
        line: record.line,
        ...(tracking === undefined ? {} : { tracking }),
        document: {
          bytes: encodeCsv(headerText + record.text + record.end, encoding, false),
          mediaType: `${CSV_MEDIA_TYPE}; charset=${encoding}`,
          fileName: `${fileName}#row=${row}`,
        },
      };
    }
  }
  return { encoding, delimiter, rows: rows() };
}
