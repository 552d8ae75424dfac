import express from 'express';
import type { HubContext } from '../hub/hub-context.js';
import { appealReport } from '../reports/appeal-report.js';
import { reportToCsv } from '../reports/report-csv.js';
import {
  parseAsOf,
  parseFormat,
  parseSection,
  reportQueryError,
  resolveReportQuery,
  type AppealReportOptions,
} from '../reports/report-query.js';
import { allow, authenticateAdmins, problemHandler, READERS } from './admin-router.js';
import { AdminUsers } from './admin-users.js';
import { queryParameter } from './request-body.js';

export interface ReportsRouterOptions {
  /** The clock for the default `at` (tests fix it). */
  readonly now?: () => Date;
}

const QUERY_PARAMETERS = ['from', 'to', 'at', 'agency', 'contactCenter', 'format', 'section'] as const;

/**
 * Reports in the admin API, mounted by the server at `/admin/reports` (see docs/reports.md):
 *
 *   GET /appeals[?from=&to=&at=&agency=&contactCenter=&format=json|csv&section=]   auditor
 *
 * JSON (the default) is the whole report; `format=csv` is one section (`section` required) as
 * `text/csv; charset=utf-8` with a byte-order mark, offered as a download named after the section and period.
 * Any other query parameter, a bad date, code, format or section is refused with 400 REPORT_QUERY_INVALID
 * naming it: a misspelt `form=` must not silently give the report of every appeal ever.
 */
export function createReportsRouter(hub: HubContext, options: ReportsRouterOptions = {}): express.Router {
  const now = options.now ?? (() => new Date());
  const users = new AdminUsers(hub.store);
  const router = express.Router();

  router.use(authenticateAdmins(users));

  router.get('/appeals', allow(READERS, 'read reports'), async (req, res) => {
    for (const name of Object.keys(req.query)) {
      if (!(QUERY_PARAMETERS as readonly string[]).includes(name))
        throw reportQueryError(
          `${name} is not a parameter of this report (${QUERY_PARAMETERS.join(', ')})`,
          name,
        );
    }
    const value = (name: (typeof QUERY_PARAMETERS)[number]): string | undefined => {
      try {
        return queryParameter(req.query, name);
      } catch {
        throw reportQueryError(`${name} must be given once`, name);
      }
    };
    const format = parseFormat(value('format')) ?? 'json';
    const section = parseSection(value('section'));
    if (format === 'text') throw reportQueryError('format must be json or csv', 'format');
    if (format === 'csv' && section === undefined)
      throw reportQueryError('format=csv needs a section', 'section');
    if (format === 'json' && section !== undefined)
      throw reportQueryError('section applies to format=csv; json is the whole report', 'section');
    const at = value('at');
    const query: AppealReportOptions = {
      at: at === undefined ? now() : parseAsOf(at),
      ...optional('from', value('from')),
      ...optional('to', value('to')),
      ...optional('agency', value('agency')),
      ...optional('contactCenter', value('contactCenter')),
    };
    resolveReportQuery(query);
    const report = await hub.store.read((db) => appealReport(db, query));
    if (format === 'json' || section === undefined) {
      res.json(report);
      return;
    }
    const period = `${(report.period.from ?? 'start').slice(0, 10)}_${(report.period.to ?? report.at).slice(0, 10)}`;
    res
      .status(200)
      .set('Content-Type', 'text/csv; charset=utf-8')
      .set('Content-Disposition', `attachment; filename="vkhid-appeals-${section}-${period}.csv"`)
      .send(Buffer.from(reportToCsv(report, section), 'utf8'));
  });

  router.use(problemHandler);
  return router;
}

function optional<K extends string>(name: K, value: string | undefined): Partial<Record<K, string>> {
  return value === undefined ? {} : ({ [name]: value } as Record<K, string>);
}
