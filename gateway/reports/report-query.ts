import { isLocalDate, parseInstant, startOfLocalDay } from '../deadlines/civil-dates.js';
import { DEFAULT_TIME_ZONE } from '../deadlines/working-calendar.js';
import { VkhidError } from '../errors/vkhid-error.js';
import { isValidEdrpou } from '../registry/edrpou.js';

/** What a report is asked for: shared by `appealReport`, `vkhid report` and `GET /admin/reports/appeals`. */
export interface AppealReportOptions {
  /**
   * Appeals registered at the contact center from here on: `YYYY-MM-DD` (the start of that day in `timeZone`)
   * or an instant with a zone. Absent: since the first appeal.
   */
  readonly from?: string;
  /** Appeals registered before this (exclusive), in the same forms as `from`. Absent: up to now. */
  readonly to?: string;
  /** The instant deadlines are judged against (overdue, answered late). */
  readonly at: Date;
  /** Only appeals routed to this agency at some time (ЄДРПОУ code), and only its rows in per-agency sections. */
  readonly agency?: string;
  /** Only appeals registered by this contact center. */
  readonly contactCenter?: string;
  /** The zone a bare date is read in (default Europe/Kyiv, the calendar statutory terms count in). */
  readonly timeZone?: string;
}

/** The period and filters of a report, checked and resolved to instants. */
export interface ResolvedReportQuery {
  /** Epoch milliseconds, or undefined for an open end. */
  readonly fromMs: number | undefined;
  readonly toMs: number | undefined;
  readonly atMs: number;
  readonly agency: string | undefined;
  readonly contactCenter: string | undefined;
}

export const REPORT_FORMATS = ['text', 'json', 'csv'] as const;
export type ReportFormat = (typeof REPORT_FORMATS)[number];

/** The sections a report can be cut into: one CSV (or one text table) each. */
export const REPORT_SECTIONS = [
  'by-agency',
  'by-category',
  'by-channel',
  'by-state',
  'by-kind',
  'times',
  'overdue',
  'redirects',
  'repeats',
] as const;
export type ReportSection = (typeof REPORT_SECTIONS)[number];

export function reportQueryError(why: string, field: string): VkhidError {
  return new VkhidError('REPORT_QUERY_INVALID', { args: [why], field });
}

/** A period bound: a bare date is the start of that day in `zone`; an instant must carry its zone. */
export function parsePeriodBound(value: string, field: string, zone = DEFAULT_TIME_ZONE): number {
  if (isLocalDate(value)) return startOfLocalDay(value, zone);
  const ms = parseInstant(value);
  if (ms === undefined) {
    throw reportQueryError(
      `${field} must be a date (YYYY-MM-DD) or an instant with a zone (2026-03-01T09:00:00+02:00), not ${JSON.stringify(value)}`,
      field,
    );
  }
  return ms;
}

/** The "as of" instant: an instant with a zone (a bare date would be ambiguous between its start and end). */
export function parseAsOf(value: string, field = 'at'): Date {
  const ms = parseInstant(value);
  if (ms === undefined) {
    throw reportQueryError(
      `${field} must be an instant with a zone (2026-03-01T09:00:00+02:00), not ${JSON.stringify(value)}`,
      field,
    );
  }
  return new Date(ms);
}

export function parseFormat(value: string | undefined, field = 'format'): ReportFormat | undefined {
  if (value === undefined) return undefined;
  if (!(REPORT_FORMATS as readonly string[]).includes(value))
    throw reportQueryError(
      `${field} must be one of ${REPORT_FORMATS.join(', ')}, not ${JSON.stringify(value)}`,
      field,
    );
  return value as ReportFormat;
}

export function parseSection(value: string | undefined, field = 'section'): ReportSection | undefined {
  if (value === undefined) return undefined;
  if (!(REPORT_SECTIONS as readonly string[]).includes(value))
    throw reportQueryError(
      `${field} must be one of ${REPORT_SECTIONS.join(', ')}, not ${JSON.stringify(value)}`,
      field,
    );
  return value as ReportSection;
}

/**
 * Checks the options and resolves the period (REPORT_QUERY_INVALID naming the field otherwise): a mistyped
 * date or code must not quietly produce a report of everything, or of nothing.
 */
export function resolveReportQuery(options: AppealReportOptions): ResolvedReportQuery {
  const zone = options.timeZone ?? DEFAULT_TIME_ZONE;
  const fromMs = options.from === undefined ? undefined : parsePeriodBound(options.from, 'from', zone);
  const toMs = options.to === undefined ? undefined : parsePeriodBound(options.to, 'to', zone);
  if (fromMs !== undefined && toMs !== undefined && fromMs >= toMs)
    throw reportQueryError(`from (${options.from}) must be before to (${options.to})`, 'from');
  if (!(options.at instanceof Date) || Number.isNaN(options.at.getTime()))
    throw reportQueryError('at must be a valid instant', 'at');
  for (const field of ['agency', 'contactCenter'] as const) {
    const code = options[field];
    if (code !== undefined && !isValidEdrpou(code))
      throw reportQueryError(
        `${field} must be a participant's ЄДРПОУ code, not ${JSON.stringify(code)}`,
        field,
      );
  }
  return {
    fromMs,
    toMs,
    atMs: options.at.getTime(),
    agency: options.agency,
    contactCenter: options.contactCenter,
  };
}
