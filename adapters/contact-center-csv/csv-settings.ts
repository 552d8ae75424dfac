import { VkhidError } from '../../gateway/errors/vkhid-error.js';
import {
  ALL_COLUMN_KEYS,
  APPEAL_COLUMNS,
  DEFAULT_COLUMN_NAMES,
  REPLY_COLUMNS,
  type ColumnKey,
} from './csv-columns.js';

export const ADAPTER_NAME = 'contact-center-csv';

export const ENCODINGS = ['utf-8', 'windows-1251'] as const;
export type CsvEncoding = (typeof ENCODINGS)[number];
export const DELIMITERS = [';', ','] as const;
export type CsvDelimiter = (typeof DELIMITERS)[number];

/** A participant's settings for the adapter, validated, with the defaults filled in. */
export interface CsvSettings {
  /** `auto`: read valid UTF-8 (with or without BOM) as UTF-8, anything else as windows-1251; write UTF-8. */
  readonly encoding: CsvEncoding | 'auto';
  /** `auto`: read the one of `;` and `,` the header line uses; write `;`. */
  readonly delimiter: CsvDelimiter | 'auto';
  /** Write a byte-order mark before UTF-8 output (spreadsheets need it to recognise UTF-8). */
  readonly bom: boolean;
  /** The IANA zone of date-times written without an offset (`14.03.2025 10:25`). */
  readonly timeZone: string;
  /** Heading of every column, defaults overridden by the `columns` setting. */
  readonly columns: Readonly<Record<ColumnKey, string>>;
}

const SETTING_KEYS = ['encoding', 'delimiter', 'bom', 'timeZone', 'columns'] as const;

/**
 * Validates a participant's `adapterSettings` (untrusted JSON from the registry). Every refusal is
 * ADAPTER_SETTINGS_INVALID naming the setting, e.g. `adapterSettings.columns.subject`.
 */
export function parseCsvSettings(raw: Readonly<Record<string, unknown>>): CsvSettings {
  for (const key of Object.keys(raw)) {
    if (!(SETTING_KEYS as readonly string[]).includes(key)) {
      throw invalidSetting(key, `unknown setting ${key} (known: ${SETTING_KEYS.join(', ')})`);
    }
  }
  const encoding = oneOf(raw, 'encoding', ['auto', ...ENCODINGS], 'auto');
  const delimiter = oneOf(raw, 'delimiter', ['auto', ...DELIMITERS], 'auto');
  const bom = raw.bom ?? true;
  if (typeof bom !== 'boolean') throw invalidSetting('bom', 'bom must be true or false');
  const timeZone = raw.timeZone ?? 'Europe/Kyiv';
  if (typeof timeZone !== 'string' || !isTimeZone(timeZone)) {
    throw invalidSetting('timeZone', `${JSON.stringify(timeZone)} is not an IANA time zone`);
  }
  return { encoding, delimiter, bom, timeZone, columns: parseColumns(raw.columns) };
}

function parseColumns(raw: unknown): Record<ColumnKey, string> {
  const columns: Record<ColumnKey, string> = { ...DEFAULT_COLUMN_NAMES };
  if (raw === undefined) return columns;
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
    throw invalidSetting('columns', 'columns must be an object of column headings');
  }
  for (const [key, name] of Object.entries(raw)) {
    if (!(ALL_COLUMN_KEYS as string[]).includes(key)) {
      throw invalidSetting(`columns.${key}`, `unknown column ${key} (known: ${ALL_COLUMN_KEYS.join(', ')})`);
    }
    // Headings are matched trimmed and case-insensitively; delimiters and quotes in them would make the
    // delimiter detection and the header match ambiguous.
    if (typeof name !== 'string' || name.trim() === '' || /[;,"\r\n\t]/.test(name) || name.length > 200) {
      throw invalidSetting(
        `columns.${key}`,
        `the heading of ${key} must be 1 to 200 characters without ; , " tabs or line breaks`,
      );
    }
    columns[key as ColumnKey] = name.trim();
  }
  for (const set of [APPEAL_COLUMNS, REPLY_COLUMNS] as const) {
    const seen = new Map<string, ColumnKey>();
    for (const key of set) {
      const heading = headingKey(columns[key]);
      const other = seen.get(heading);
      if (other !== undefined) {
        throw invalidSetting(`columns.${key}`, `columns ${other} and ${key} have the same heading`);
      }
      seen.set(heading, key);
    }
  }
  return columns;
}

/** How headings compare: trimmed, case-folded, in one Unicode normal form. */
export function headingKey(heading: string): string {
  return heading.trim().normalize('NFC').toLocaleLowerCase('uk');
}

function oneOf<T extends string>(
  raw: Readonly<Record<string, unknown>>,
  key: string,
  allowed: readonly T[],
  fallback: T,
): T {
  const value = raw[key] ?? fallback;
  if (typeof value !== 'string' || !(allowed as readonly string[]).includes(value)) {
    throw invalidSetting(key, `${key} must be one of ${allowed.join(', ')}, not ${JSON.stringify(value)}`);
  }
  return value as T;
}

function isTimeZone(zone: string): boolean {
  try {
    new Intl.DateTimeFormat('en', { timeZone: zone });
    return true;
  } catch {
    return false;
  }
}

function invalidSetting(path: string, why: string): VkhidError {
  return new VkhidError('ADAPTER_SETTINGS_INVALID', {
    args: [ADAPTER_NAME, why],
    field: `adapterSettings.${path}`,
  });
}
