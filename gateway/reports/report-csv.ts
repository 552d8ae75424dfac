import { stringify } from 'csv-stringify/sync';
import type { AgencyDurations, AppealReport, DurationStats } from './appeal-report.js';
import type { ReportSection } from './report-query.js';

/** A section as a table: its header and rows of cells. Shared by the CSV and the text form. */
export interface SectionTable {
  readonly headers: readonly string[];
  readonly rows: readonly (readonly (string | number | null)[])[];
}

/** The row label for figures over all agencies (agency codes are 8 digits, so it cannot clash). */
export const ALL_AGENCIES = 'all';

/** One section of the report as a table (the CSV columns are these headers). */
export function sectionTable(report: AppealReport, section: ReportSection): SectionTable {
  switch (section) {
    case 'by-agency':
      return {
        headers: ['agency', 'name', 'appeals'],
        rows: report.byAgency.map((row) => [row.agency, row.name, row.appeals]),
      };
    case 'by-category':
      return {
        headers: ['category', 'appeals'],
        rows: report.byCategory.map((row) => [row.category, row.appeals]),
      };
    case 'by-channel':
      return {
        headers: ['channel', 'appeals'],
        rows: report.byChannel.map((row) => [row.channel, row.appeals]),
      };
    case 'by-state':
      return { headers: ['state', 'appeals'], rows: report.byState.map((row) => [row.state, row.appeals]) };
    case 'by-kind':
      return { headers: ['kind', 'appeals'], rows: report.byKind.map((row) => [row.kind, row.appeals]) };
    case 'times': {
      const rows = (
        measure: string,
        unit: string,
        overall: DurationStats,
        byAgency: readonly AgencyDurations[],
      ): (string | number | null)[][] => [
        [measure, unit, ALL_AGENCIES, null, overall.count, overall.median, overall.p90],
        ...byAgency.map((row) => [measure, unit, row.agency, row.name, row.count, row.median, row.p90]),
      ];
      return {
        headers: ['measure', 'unit', 'agency', 'name', 'count', 'median', 'p90'],
        rows: [
          ...rows(
            'registration',
            report.timeToRegistration.unit,
            report.timeToRegistration.overall,
            report.timeToRegistration.byAgency,
          ),
          ...rows(
            'answer',
            report.timeToAnswer.unit,
            report.timeToAnswer.overall,
            report.timeToAnswer.byAgency,
          ),
        ],
      };
    }
    case 'overdue':
      return {
        headers: ['agency', 'name', 'open_overdue', 'answered_late'],
        rows: [
          [ALL_AGENCIES, null, report.overdue.open, report.overdue.answeredLate],
          ...report.overdue.byAgency.map((row) => [row.agency, row.name, row.open, row.answeredLate]),
        ],
      };
    case 'redirects':
      return {
        headers: [
          'agency',
          'name',
          'appeals',
          'redirects',
          'not_within_competence',
          'redirect_share',
          'not_within_competence_share',
        ],
        rows: report.redirects.byAgency.map((row) => [
          row.agency,
          row.name,
          row.appeals,
          row.redirects,
          row.notWithinCompetence,
          row.redirectShare,
          row.notWithinCompetenceShare,
        ]),
      };
    case 'repeats':
      return {
        headers: ['category', 'repeat_appeals', 'groups'],
        rows: [
          [ALL_AGENCIES, report.repeats.appeals, report.repeats.groups],
          ...report.repeats.byCategory.map((row) => [row.category, row.appeals, row.groups]),
        ],
      };
  }
}

/**
 * A spreadsheet program runs a cell that starts with one of these as a formula ("CSV injection"). Names and
 * categories come from participants and contact centers, not from the hub, so a text cell starting with one
 * is prefixed with an apostrophe, which spreadsheets show as text. Numbers are written as they are.
 */
const FORMULA_START = /^[=+\-@\t\r]/;

function cell(value: string | number | null): string | number {
  if (value === null) return '';
  if (typeof value === 'number') return value;
  return FORMULA_START.test(value) ? `'${value}` : value;
}

/**
 * One section as CSV: a header row, then the rows; comma-separated, RFC 4180 quoting, CRLF line ends, UTF-8
 * with a byte-order mark (without it, Excel as configured in Ukraine reads the file as windows-1251 and the
 * Cyrillic names come out garbled). Decimals use a point. Empty cells are unknown names or open ends.
 */
export function reportToCsv(report: AppealReport, section: ReportSection): string {
  const table = sectionTable(report, section);
  return stringify([table.headers, ...table.rows.map((row) => row.map(cell))], {
    bom: true,
    record_delimiter: 'windows',
  });
}
