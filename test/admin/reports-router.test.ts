/**
 * The appeals report in the admin API (`/admin/reports/appeals`): every admin role may read it, JSON or one
 * section as CSV; wrong or unknown query parameters are refused with 400 REPORT_QUERY_INVALID naming them.
 */
import assert from 'node:assert/strict';
import type { AddressInfo } from 'node:net';
import express from 'express';
import { AdminUsers } from '../../gateway/admin/admin-users.js';
import { createReportsRouter } from '../../gateway/admin/reports-router.js';
import { appealReport, type AppealReport } from '../../gateway/reports/appeal-report.js';
import { createApp } from '../../gateway/server/hub-server.js';
import {
  A,
  AT,
  B,
  NAMES,
  PERIOD,
  openReportHub,
  type ReportHub,
} from '../reports/fixtures/report-appeals.js';
import { assertProblem, call, type Problem, type Reply, type TestServer } from './admin-test-hub.js';

const NOW = new Date('2026-04-20T12:00:00+03:00');

describe('the admin API: reports', function () {
  this.timeout(60_000);
  let world: ReportHub;
  let server: TestServer;
  const tokens = { admin: '', operator: '', auditor: '', disabled: '' };

  before(async () => {
    world = await openReportHub();
    const users = new AdminUsers(world.hub.store);
    for (const role of ['admin', 'operator', 'auditor'] as const)
      tokens[role] = (await users.add(`${role}-user`, role, 'test:setup')).token;
    tokens.disabled = (await users.add('former-auditor', 'auditor', 'test:setup')).token;
    await users.disable('former-auditor', 'test:setup');

    const app = express();
    app.use('/admin/reports', createReportsRouter(world.hub, { now: () => NOW }));
    const listening = app.listen(0, '127.0.0.1');
    await new Promise<void>((resolve, reject) => {
      listening.once('listening', resolve);
      listening.once('error', reject);
    });
    const { port } = listening.address() as AddressInfo;
    server = {
      baseUrl: `http://127.0.0.1:${port}`,
      close: () =>
        new Promise<void>((resolve, reject) => {
          listening.closeAllConnections();
          listening.close((error) => (error === undefined ? resolve() : reject(error)));
        }),
    };
  });
  after(async () => {
    await server?.close();
    await world?.close();
  });

  /** `token` null: no Authorization header at all. */
  const get = <T = Problem>(query: string, token: string | null = tokens.auditor): Promise<Reply<T>> =>
    call<T>(server.baseUrl, 'GET', `/admin/reports/appeals${query}`, token === null ? {} : { token });
  const march = `?from=${PERIOD.from}&to=${PERIOD.to}`;

  it('refuses a caller without a valid token: 401, nothing of the report', async () => {
    for (const token of [null, 'not-a-token', tokens.disabled]) {
      const reply = await get(march, token);
      assertProblem(reply, 401, 'ADMIN_UNAUTHENTICATED');
      assert.equal(reply.headers.get('www-authenticate'), 'Bearer realm="vkhid-admin"');
      assert.doesNotMatch(reply.body.toString(), /totals|byAgency/);
    }
  });

  it('gives every role (auditor, operator, admin) the report as JSON, judged as of the clock by default', async () => {
    const expected = await world.hub.store.read((db) => appealReport(db, { ...PERIOD, at: NOW }));
    for (const role of ['auditor', 'operator', 'admin'] as const) {
      const reply = await get<AppealReport>(march, tokens[role]);
      assert.equal(reply.status, 200, reply.body.toString());
      assert.match(reply.headers.get('content-type') ?? '', /^application\/json/);
      assert.equal(reply.headers.get('cache-control'), 'no-store');
      assert.deepEqual(reply.json, expected);
    }
  });

  it('takes at, agency and contactCenter from the query', async () => {
    const reply = await get<AppealReport>(`${march}&agency=${B}&at=${encodeURIComponent(AT.toISOString())}`);
    assert.equal(reply.status, 200, reply.body.toString());
    assert.equal(reply.json.at, AT.toISOString());
    assert.equal(reply.json.totals.appeals, 2);
    assert.deepEqual(reply.json.byAgency, [{ agency: B, name: NAMES[B], appeals: 2 }]);
  });

  it('gives one section as a CSV download with format=csv', async () => {
    const reply = await get(`${march}&format=csv&section=by-agency`);
    assert.equal(reply.status, 200, reply.body.toString());
    assert.equal(reply.headers.get('content-type'), 'text/csv; charset=utf-8');
    assert.equal(
      reply.headers.get('content-disposition'),
      'attachment; filename="vkhid-appeals-by-agency-2026-02-28_2026-03-31.csv"',
    );
    assert.ok(reply.body.subarray(0, 3).equals(Buffer.from([0xef, 0xbb, 0xbf])), 'UTF-8 byte-order mark');
    const text = reply.body.subarray(3).toString('utf8');
    assert.ok(text.startsWith('agency,name,appeals\r\n'));
    assert.ok(text.includes(`${A},${NAMES[A]},3\r\n`));
  });

  it('refuses a bad query with 400 REPORT_QUERY_INVALID naming the parameter', async () => {
    const cases: [string, string][] = [
      ['?from=2026-02-30', 'from'],
      ['?to=tomorrow', 'to'],
      ['?from=2026-03-10&to=2026-03-01', 'from'],
      ['?at=2026-03-01T10:00:00', 'at'],
      ['?agency=00022528', 'agency'],
      ['?contactCenter=1', 'contactCenter'],
      ['?format=xlsx', 'format'],
      ['?format=text', 'format'],
      ['?format=csv', 'section'],
      ['?section=times', 'section'],
      ['?format=csv&section=everything', 'section'],
      ['?form=2026-03-01', 'form'],
      ['?from=2026-03-01&from=2026-03-02', 'from'],
    ];
    for (const [query, field] of cases) assertProblem(await get(query), 400, 'REPORT_QUERY_INVALID', field);
  });

  it('is mounted by the hub server at /admin/reports', async () => {
    const listening = createApp(world.hub).listen(0, '127.0.0.1');
    await new Promise<void>((resolve, reject) => {
      listening.once('listening', resolve);
      listening.once('error', reject);
    });
    try {
      const { port } = listening.address() as AddressInfo;
      const reply = await call<AppealReport>(
        `http://127.0.0.1:${port}`,
        'GET',
        `/admin/reports/appeals${march}`,
        {
          token: tokens.auditor,
        },
      );
      assert.equal(reply.status, 200, reply.body.toString());
      assert.equal(reply.json.totals.appeals, 10);
    } finally {
      listening.closeAllConnections();
      await new Promise<void>((resolve) => listening.close(() => resolve()));
    }
  });
});
