/**
 * One CSV per report section: UTF-8 with a byte-order mark, a header row, CRLF line ends, and the figures of
 * the report, read back with a CSV parser.
 */
import assert from 'node:assert/strict';
import { parse } from 'csv-parse/sync';
import { appealReport, type AppealReport } from '../../gateway/reports/appeal-report.js';
import { reportToCsv } from '../../gateway/reports/report-csv.js';
import { REPORT_SECTIONS } from '../../gateway/reports/report-query.js';
import { A, AT, B, C, NAMES, PERIOD, openReportHub } from './fixtures/report-appeals.js';

const BOM = '\uFEFF';

function rows(csv: string): string[][] {
  assert.ok(csv.startsWith(BOM), 'starts with a byte-order mark');
  const records: unknown = parse(csv.slice(BOM.length), { record_delimiter: '\r\n' });
  assert.ok(Array.isArray(records));
  return records as string[][];
}

describe('reportToCsv', function () {
  this.timeout(60_000);
  let report: AppealReport;

  before(async () => {
    const world = await openReportHub();
    try {
      report = await world.hub.store.read((db) => appealReport(db, { ...PERIOD, at: AT }));
    } finally {
      await world.close();
    }
  });

  it('writes every section with a BOM, a header row and CRLF line ends', () => {
    for (const section of REPORT_SECTIONS) {
      const csv = reportToCsv(report, section);
      assert.ok(csv.startsWith(BOM), section);
      assert.ok(csv.endsWith('\r\n'), section);
      assert.doesNotMatch(csv.replace(/\r\n/g, ''), /\n/, `${section}: only CRLF line ends`);
      const [header] = rows(csv);
      assert.ok(header && header.length >= 2 && header.every((cell) => /^[a-z_0-9]+$/.test(cell)), section);
    }
  });

  it('lists appeals by agency with Cyrillic names intact and formula-like text neutralised', () => {
    assert.deepEqual(rows(reportToCsv(report, 'by-agency')), [
      ['agency', 'name', 'appeals'],
      // The story names agency C "=Водоканал": a spreadsheet would run it as a formula.
      [C, `'${NAMES[C]}`, '5'],
      [A, NAMES[A]!, '3'],
      [B, NAMES[B]!, '2'],
    ]);
    assert.ok(
      Buffer.from(reportToCsv(report, 'by-agency'), 'utf8')
        .subarray(0, 3)
        .equals(Buffer.from([0xef, 0xbb, 0xbf])),
    );
  });

  it('puts both durations, overall and per agency, in the times section', () => {
    assert.deepEqual(rows(reportToCsv(report, 'times')), [
      ['measure', 'unit', 'agency', 'name', 'count', 'median', 'p90'],
      ['registration', 'hours', 'all', '', '6', '3', '8'],
      ['registration', 'hours', A, NAMES[A]!, '4', '4.5', '8'],
      ['registration', 'hours', B, NAMES[B]!, '2', '1', '3'],
      ['answer', 'days', 'all', '', '4', '15', '40'],
      ['answer', 'days', A, NAMES[A]!, '2', '10', '20'],
      ['answer', 'days', B, NAMES[B]!, '2', '15', '40'],
    ]);
  });

  it('writes overdue, redirects and repeats with their totals', () => {
    assert.deepEqual(rows(reportToCsv(report, 'overdue')), [
      ['agency', 'name', 'open_overdue', 'answered_late'],
      ['all', '', '5', '1'],
      [C, `'${NAMES[C]}`, '4', '0'],
      [A, NAMES[A]!, '1', '0'],
      [B, NAMES[B]!, '0', '1'],
    ]);
    assert.deepEqual(rows(reportToCsv(report, 'redirects'))[1], [
      A,
      NAMES[A]!,
      '4',
      '1',
      '1',
      '0.25',
      '0.25',
    ]);
    assert.deepEqual(rows(reportToCsv(report, 'repeats')), [
      ['category', 'repeat_appeals', 'groups'],
      ['all', '2', '2'],
      ['lighting', '1', '1'],
      ['roads', '1', '1'],
    ]);
  });

  it('writes counts by category, channel, state and kind', () => {
    assert.deepEqual(rows(reportToCsv(report, 'by-channel')), [
      ['channel', 'appeals'],
      ['hotline', '7'],
      ['web', '2'],
      ['email', '1'],
    ]);
    assert.equal(rows(reportToCsv(report, 'by-state')).length, 1 + report.byState.length);
    assert.equal(rows(reportToCsv(report, 'by-category')).length, 1 + report.byCategory.length);
    assert.equal(rows(reportToCsv(report, 'by-kind')).length, 1 + report.byKind.length);
  });
});
