import type { Command } from 'commander';
import { VkhidError } from '../errors/vkhid-error.js';
import { appealReport, type AppealReport } from '../reports/appeal-report.js';
import { reportToCsv, sectionTable } from '../reports/report-csv.js';
import {
  parseAsOf,
  parseFormat,
  parseSection,
  REPORT_FORMATS,
  REPORT_SECTIONS,
  resolveReportQuery,
  type AppealReportOptions,
  type ReportSection,
} from '../reports/report-query.js';
import type { CliIo } from './cli-io.js';
import { formatTable, runHubCommand, usageError, withHubOptions, type HubOptions } from './hub-options.js';

interface ReportCommandOptions extends HubOptions {
  from?: string;
  to?: string;
  at?: string;
  agency?: string;
  contactCenter?: string;
  format?: string;
  section?: string;
}

/** What each section is called in the text form. */
const SECTION_TITLES: Record<ReportSection, string> = {
  'by-agency': 'Appeals by agency (holding them now)',
  'by-category': 'Appeals by category',
  'by-channel': 'Appeals by channel',
  'by-state': 'Appeals by state',
  'by-kind': 'Appeals by kind',
  times: 'Time to registration (hours, from routing) and to answer (days, from registration); nearest rank',
  overdue: 'Overdue: open past the answer term, and answered late',
  redirects: 'Redirects by agency (shares of the appeals routed to it)',
  repeats: 'Repeat appeals (same applicant and subject as an earlier appeal)',
};

/**
 * `vkhid report [--from DATE] [--to DATE] [--at INSTANT] [--agency CODE] [--contact-center CODE]
 * [--format text|json|csv] [--section S]`: the appeals report (see docs/reports.md) from the hub's store.
 * `text` (the default) prints every section as a table, or the one `--section` names; `json` prints the whole
 * report; `csv` prints the one section `--section` names. A wrong option is a usage error (exit 2) before the
 * hub is opened.
 */
export function registerReportCommand(program: Command, io: CliIo): void {
  withHubOptions(
    program
      .command('report')
      .description(
        'report on appeals: by agency, category, channel and state; times; overdue; redirects; repeats',
      )
      .option('--from <date>', 'appeals registered from this date (YYYY-MM-DD, Kyiv time) or instant')
      .option('--to <date>', 'appeals registered before this date (exclusive) or instant')
      .option('--at <instant>', 'judge deadlines as of this instant, with its zone (default: now)')
      .option('--agency <code>', 'only appeals routed to this agency')
      .option('--contact-center <code>', 'only appeals registered by this contact center')
      .option('--format <format>', `${REPORT_FORMATS.join(', ')} (default: text)`)
      .option('--section <section>', `one of ${REPORT_SECTIONS.join(', ')} (needed with csv)`),
  ).action((options: ReportCommandOptions) => {
    const { query, format, section } = checkOptions(options);
    return runHubCommand(io, options, async (hub) => {
      const report = await hub.store.read((db) => appealReport(db, query));
      return {
        json: { report },
        text:
          format === 'json'
            ? `${JSON.stringify(report, null, 2)}\n`
            : format === 'csv'
              ? reportToCsv(report, section!)
              : reportText(report, section),
      };
    });
  });
}

/** The options checked up front: a bad date or code is a usage error, not a refusal by the hub. */
function checkOptions(options: ReportCommandOptions): {
  query: AppealReportOptions;
  format: string;
  section: ReportSection | undefined;
} {
  try {
    const format = parseFormat(options.format, '--format') ?? 'text';
    const section = parseSection(options.section, '--section');
    if (format === 'csv' && section === undefined)
      throw usageError(`--format csv needs --section (one of ${REPORT_SECTIONS.join(', ')})`);
    if (format === 'json' && section !== undefined)
      throw usageError('--section applies to the csv and text formats; json is the whole report');
    if (options.json === true && format !== 'text')
      throw usageError('--json prints the report as JSON already; leave out --format');
    const query: AppealReportOptions = {
      at: options.at === undefined ? new Date() : parseAsOf(options.at, '--at'),
      ...(options.from === undefined ? {} : { from: options.from }),
      ...(options.to === undefined ? {} : { to: options.to }),
      ...(options.agency === undefined ? {} : { agency: options.agency }),
      ...(options.contactCenter === undefined ? {} : { contactCenter: options.contactCenter }),
    };
    resolveReportQuery(query);
    return { query, format, section };
  } catch (error) {
    if (error instanceof VkhidError && error.code === 'REPORT_QUERY_INVALID') {
      const option = error.field === undefined ? '' : optionName(error.field);
      throw usageError(`${option}${error.message.replace(/^The report query is invalid: /, '')}`);
    }
    throw error;
  }
}

/** `--contact-center: ` for the field `contactCenter`, so the message names the option the user typed. */
function optionName(field: string): string {
  if (field.startsWith('--')) return '';
  return `--${field.replace(/[A-Z]/g, (letter) => `-${letter.toLowerCase()}`)}: `;
}

/** The readable form: the period and totals, then each section (or the one asked for) as a table. */
export function reportText(report: AppealReport, only?: ReportSection): string {
  const { totals, period, filters } = report;
  const lines = [
    `Appeals registered ${period.from === null ? 'since the first' : `from ${period.from}`} ${
      period.to === null ? 'up to now' : `before ${period.to}`
    }; deadlines as of ${report.at}` +
      (filters.agency === null ? '' : `; agency ${filters.agency}`) +
      (filters.contactCenter === null ? '' : `; contact center ${filters.contactCenter}`),
    `${totals.appeals} appeals: ${totals.open} open, ${totals.answered} answered, ${totals.refused} refused, ${totals.closed} closed; ` +
      `${report.overdue.open} overdue, ${report.overdue.answeredLate} answered late; ` +
      `${report.redirects.total} redirects (${report.redirects.notWithinCompetence} not within competence); ` +
      `${report.repeats.appeals} repeat appeals`,
    '',
  ];
  for (const section of only === undefined ? REPORT_SECTIONS : [only]) {
    const table = sectionTable(report, section);
    lines.push(
      SECTION_TITLES[section],
      formatTable(
        table.headers,
        table.rows.map((row) => row.map((value) => (value === null ? '-' : String(value)))),
        '(none)',
      ),
    );
  }
  return lines.join('\n');
}
