import { CsvError, parse } from 'csv-parse/sync';
import { VkhidError } from '../../gateway/errors/vkhid-error.js';
import type { CsvDelimiter, CsvEncoding, CsvSettings } from './csv-settings.js';

/**
 * The text layer of the contact center's CSV: bytes to text and back in UTF-8 or windows-1251, and text to
 * records. Records are found here, by a scan that only tracks quotes, before csv-parse reads their cells: a
 * broken quote or a wrong cell count then spoils one record, not the whole file, so one bad row is refused
 * while the rest of an import goes through.
 */

const UTF8_BOM = [0xef, 0xbb, 0xbf] as const;

export interface DecodedCsv {
  readonly text: string;
  readonly encoding: CsvEncoding;
}

/**
 * Decodes `bytes` as `declared` (a charset from the media type or the settings) or, with `auto`, as UTF-8 when
 * they are valid UTF-8 and windows-1251 otherwise. A leading UTF-8 BOM is dropped. windows-1251 maps every
 * byte, so a file that is neither is caught by the control-character check on its cells.
 */
export function decodeCsv(bytes: Uint8Array, declared: CsvEncoding | 'auto'): DecodedCsv {
  const hasBom = UTF8_BOM.every((byte, index) => bytes[index] === byte);
  if (declared === 'windows-1251' && !hasBom) {
    return { text: new TextDecoder('windows-1251').decode(bytes), encoding: 'windows-1251' };
  }
  try {
    // ignoreBOM keeps the BOM in the text so it is removed exactly once, here.
    const text = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true }).decode(bytes);
    return { text: hasBom ? text.slice(1) : text, encoding: 'utf-8' };
  } catch (error) {
    if (declared === 'utf-8' || hasBom) {
      throw new VkhidError('ADAPTER_BAD_ENCODING', {
        args: ['UTF-8', 'a byte sequence is not UTF-8'],
        cause: error,
      });
    }
    return { text: new TextDecoder('windows-1251').decode(bytes), encoding: 'windows-1251' };
  }
}

/**
 * windows-1251 as the exact inverse of TextDecoder's table (WHATWG maps all 256 bytes, each to its own
 * character): a row cut out of a decoded file encodes back to the very bytes the file held, which an encoder
 * that substitutes `?` for what it does not know (iconv-lite) would not guarantee.
 */
const WINDOWS_1251 = new Map(
  [...new TextDecoder('windows-1251').decode(Uint8Array.from({ length: 256 }, (_, i) => i))].map(
    (char, byte) => [char, byte] as const,
  ),
);

/** The first character of `value` the encoding cannot write, if any (C1 controls count as unwritable). */
export function unencodable(value: string, encoding: CsvEncoding): string | undefined {
  if (encoding === 'utf-8') return undefined;
  for (const char of value) {
    const byte = WINDOWS_1251.get(char);
    if (byte === undefined || (byte >= 0x80 && byte <= 0x9f && char.charCodeAt(0) <= 0x9f)) return char;
  }
  return undefined;
}

/** Text to bytes; in windows-1251 the text must hold only characters it has (see `unencodable`). */
export function encodeCsv(text: string, encoding: CsvEncoding, bom: boolean): Uint8Array {
  if (encoding === 'windows-1251') {
    const bytes = new Uint8Array(text.length);
    for (let i = 0; i < text.length; i++) {
      const byte = WINDOWS_1251.get(text.charAt(i));
      if (byte === undefined)
        throw new RangeError(`U+${text.charCodeAt(i).toString(16)} is not in windows-1251`);
      bytes[i] = byte;
    }
    return bytes;
  }
  const body = Buffer.from(text, 'utf8');
  return bom ? new Uint8Array(Buffer.concat([Buffer.from(UTF8_BOM), body])) : new Uint8Array(body);
}

/** One record of a CSV text: its text without the line end, the line end, and the line it starts on. */
export interface CsvRecord {
  readonly text: string;
  readonly end: string;
  /** 1-based line number of the record's first line in the file. */
  readonly line: number;
}

/**
 * Splits a CSV text into records at line ends (CRLF, LF or a lone CR) outside quoted cells. As in RFC 4180, a
 * quote opens a quoted cell only at the start of a cell (after one of `delimiters`): a stray quote inside an
 * unquoted cell is left for csv-parse to refuse in that record, instead of swallowing the records after it.
 * A quoted cell left open still runs to the end of the text, as one malformed record. Empty lines are not
 * records. Stops after `limit` records.
 */
export function splitCsvRecords(text: string, delimiters: string, limit = Infinity): CsvRecord[] {
  const records: CsvRecord[] = [];
  let start = 0;
  let line = 1;
  let startLine = 1;
  let quoted = false;
  let cellStart = true;
  for (let i = 0; i < text.length && records.length < limit; i++) {
    const char = text.charAt(i);
    const lineEnd = char === '\n' || char === '\r';
    const crlf = char === '\r' && text.charAt(i + 1) === '\n';
    if (quoted) {
      if (char === '"') {
        if (text.charAt(i + 1) === '"') i++;
        else quoted = false;
      } else if (lineEnd) {
        if (crlf) i++;
        line++;
      }
      continue;
    }
    if (lineEnd) {
      if (i > start) records.push({ text: text.slice(start, i), end: crlf ? '\r\n' : char, line: startLine });
      if (crlf) i++;
      line++;
      start = i + 1;
      startLine = line;
      cellStart = true;
    } else if (char === '"' && cellStart) {
      quoted = true;
      cellStart = false;
    } else {
      cellStart = delimiters.includes(char);
    }
  }
  if (records.length < limit && text.length > start) {
    records.push({ text: text.slice(start), end: '', line: startLine });
  }
  return records;
}

/**
 * The delimiter of a header record: the setting, or whichever of `;` and `,` occurs more often outside quotes
 * (`;` on a tie). A header with neither has a single column, which no contact-center file has.
 */
export function detectDelimiter(header: string, setting: CsvSettings['delimiter']): CsvDelimiter {
  if (setting !== 'auto') return setting;
  let semicolons = 0;
  let commas = 0;
  let quoted = false;
  for (const char of header) {
    if (char === '"') quoted = !quoted;
    else if (!quoted && char === ';') semicolons++;
    else if (!quoted && char === ',') commas++;
  }
  if (semicolons === 0 && commas === 0) {
    throw new VkhidError('ADAPTER_MALFORMED', {
      args: ['CSV', 'the header line holds neither ; nor , so the delimiter cannot be told'],
      field: 'header',
    });
  }
  return semicolons >= commas ? ';' : ',';
}

/**
 * The cells of one record (RFC 4180 quoting, strict: a stray quote is an error, not data). `relaxed` takes a
 * stray quote as data: only for finding a refused row's tracking number for the import report.
 */
export function parseCsvRecord(
  record: CsvRecord,
  delimiter: CsvDelimiter,
  field: string,
  relaxed = false,
): string[] {
  try {
    const rows = parse(record.text, {
      delimiter,
      relax_column_count: true,
      relax_quotes: relaxed,
      skip_empty_lines: false,
    });
    if (rows.length !== 1) throw new Error(`${rows.length} records where one was expected`);
    return rows[0] as string[];
  } catch (error) {
    const why = error instanceof CsvError ? error.message : String(error);
    throw new VkhidError('ADAPTER_MALFORMED', {
      args: ['CSV', `${field} (line ${record.line}): ${why}`],
      field,
      cause: error,
    });
  }
}

/**
 * Characters a CSV cell may not hold: controls other than tab and line ends, and the two non-characters. They
 * are what binary data or a wrong encoding leave in a text, and the canonical XML could not carry them.
 */
// eslint-disable-next-line no-control-regex -- matching control characters is the point
const FORBIDDEN_CHARACTER = /[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ufffe\uffff]/;

/** Refuses a cell holding a forbidden character with ADAPTER_BAD_ENCODING about `field`. */
export function checkCellText(value: string, encoding: CsvEncoding, field: string): void {
  const match = FORBIDDEN_CHARACTER.exec(value);
  if (match === null) return;
  const code = match[0].charCodeAt(0).toString(16).toUpperCase().padStart(4, '0');
  throw new VkhidError('ADAPTER_BAD_ENCODING', {
    args: [encoding === 'utf-8' ? 'UTF-8' : 'windows-1251', `${field} holds the control character U+${code}`],
    field,
  });
}

/** A blank record: all its cells empty (spreadsheets write `;;;;` for an empty row). */
export function isBlank(cells: readonly string[]): boolean {
  return cells.every((cell) => cell.trim() === '');
}
