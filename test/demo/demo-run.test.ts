/**
 * `npm run demo` end to end with a small batch: the demo's own process (tsx demo/run.ts), a fresh data
 * directory through VKHID_DATA, then the hub's database read afterwards as an auditor would.
 */
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { runCli } from '../../gateway/cli/run-cli.js';
import type { AppealDeadlines } from '../../gateway/deadlines/appeal-deadlines.js';
import { openHub } from '../../gateway/hub/hub-context.js';
import type { AppealLifecycle } from '../../gateway/lifecycle/lifecycle-model.js';
import type { AppealReport } from '../../gateway/reports/appeal-report.js';
import type { Row } from '../../gateway/store/store-driver.js';
import { AGENCIES, CONTACT_CENTER } from '../../demo/demo-participants.js';
import { runTsChild, type ChildRun } from '../../demo/vkhid-child.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));

function runDemo(args: string[], env: NodeJS.ProcessEnv): Promise<ChildRun> {
  return runTsChild(join(ROOT, 'demo', 'run.ts'), args, { ...process.env, VKHID_CONFIG: '', ...env });
}

describe('npm run demo', function () {
  this.timeout(240_000);
  let base: string;

  before(() => {
    base = mkdtempSync(join(tmpdir(), 'vkhid-demo-test-'));
  });
  after(() => rmSync(base, { recursive: true, force: true }));

  it('takes 24 appeals through every end state; its ledger verifies, proves an appeal offline, and names a row changed by hand', async () => {
    const dataDir = join(base, 'data');
    const run = await runDemo(['--appeals', '24', '--seed', '11'], { VKHID_DATA: dataDir });
    const output = `${run.stdout}\n${run.stderr}`;
    assert.equal(run.code, 0, output);
    assert.match(run.stdout, /^demo ok in /m, output);
    assert.match(run.stdout, /^ledger ok: \d+ entries/m, output);
    assert.match(run.stdout, new RegExp(`data directory: ${dataDir}`));
    assert.match(
      run.stdout,
      /^contact center: pulled \d+ messages back \(\d+ answers, \d+ statuses, \d+ receipts\), each acknowledged .*; 0 left in the hub$/m,
      output,
    );

    let redirectedTracking: string | undefined;
    const hub = await openHub({ dataDir });
    try {
      const appeals = await hub.store.read((db) =>
        db.query<Row>(`SELECT tracking, state, holder, lifecycle, deadlines FROM appeals`),
      );
      assert.equal(appeals.length, 24);
      const inState = (state: string) => appeals.filter((row) => row.state === state);
      assert.equal(inState('refused').length, 3, 'one refusal per agency');
      assert.deepEqual(
        inState('under-consideration')
          .map((row) => row.holder)
          .sort(),
        [AGENCIES.sev1207.code, AGENCIES.xdms.code, AGENCIES.json.code].sort(),
        'one overdue appeal per agency, still under consideration',
      );
      assert.equal(inState('answered').length, 18);

      const waiting = await hub.store.read((db) =>
        db.query<Row>(`SELECT state, COUNT(*) AS n FROM delivery_jobs WHERE recipient = ? GROUP BY state`, [
          CONTACT_CENTER.code,
        ]),
      );
      assert.deepEqual(
        waiting.map((row) => row.state),
        ['acknowledged'],
        `every message for the contact center was pulled and acknowledged: ${JSON.stringify(waiting)}`,
      );
      const pulledBack = await hub.store.read((db) =>
        db.query<Row>(
          `SELECT COUNT(*) AS n FROM delivery_receipts r JOIN delivery_jobs j ON j.id = r.job_id
           WHERE j.recipient = ? AND r.via = 'pull'`,
          [CONTACT_CENTER.code],
        ),
      );
      assert.equal(Number(pulledBack[0]?.n), Number(waiting[0]?.n), 'each with its own receipt');

      const requests = appeals
        .map((row) => JSON.parse(String(row.deadlines)) as AppealDeadlines)
        .filter((deadlines) => deadlines.kind === 'public-info-request');
      assert.equal(requests.length, 2, 'a tenth of the batch asks for public information');
      for (const deadlines of requests) {
        assert.deepEqual(deadlines.answerBy.term, { count: 5, unit: 'working-days' });
      }

      const lifecycles = appeals.map((row) => JSON.parse(String(row.lifecycle)) as AppealLifecycle);
      const redirected = lifecycles.filter((l) => l.redirect !== undefined);
      assert.equal(redirected.length, 1);
      assert.equal(redirected[0]?.redirect?.from, AGENCIES.json.code);
      assert.equal(redirected[0]?.redirect?.to, AGENCIES.sev1207.code);
      assert.equal(
        redirected[0]?.holder,
        AGENCIES.sev1207.code,
        'the hub sent it on to the competent agency',
      );
      assert.equal(redirected[0]?.state, 'answered');
      redirectedTracking = redirected[0]?.tracking;
      const extended = appeals.filter(
        (row) => (JSON.parse(String(row.deadlines)) as { extended: boolean }).extended,
      );
      assert.equal(extended.length, 2);

      const overdue = await hub.store.read((db) =>
        db.query<Row>(`SELECT tracking FROM deadline_alerts WHERE flag = 'answer-overdue'`),
      );
      assert.equal(overdue.length, 3, 'the watch at the simulated instant flagged the three overdue appeals');
      const ledgerEvents = await hub.store.read((db) =>
        db.query<Row>(`SELECT DISTINCT event FROM ledger_entries ORDER BY event`),
      );
      for (const event of ['accepted', 'redirected', 'refused', 'extended', 'answered']) {
        assert.ok(
          ledgerEvents.some((row) => row.event === event),
          `${event} in ${JSON.stringify(ledgerEvents)}`,
        );
      }
    } finally {
      await hub.close();
    }

    let verified = '';
    const code = await runCli(['ledger', 'verify', '--data', dataDir], {
      stdout: (text) => (verified += text),
      stderr: (text) => (verified += text),
    });
    assert.equal(code, 0, verified);

    let printed = '';
    const reported = await runCli(['report', '--data', dataDir, '--format', 'json'], {
      stdout: (text) => (printed += text),
      stderr: (text) => (printed += text),
    });
    assert.equal(reported, 0, printed);
    const report = JSON.parse(printed) as AppealReport;
    assert.equal(report.repeats.appeals, 2, JSON.stringify(report.repeats));
    assert.equal(report.repeats.groups, 2);
    assert.deepEqual(
      [...report.byKind].sort((a, b) => a.kind.localeCompare(b.kind)),
      [
        { kind: 'citizen-appeal', appeals: 22 },
        { kind: 'public-info-request', appeals: 2 },
      ],
    );

    // What issue #6 is done by: the redirected appeal's chain of custody verifies offline, and one ledger row
    // changed by hand in the demo's database (its append-only trigger dropped first) breaks the ledger, named.
    const cli = async (...argv: string[]) => {
      let out = '';
      const exit = await runCli(argv, { stdout: (text) => (out += text), stderr: (text) => (out += text) });
      return { exit, out };
    };
    const proofFile = join(base, 'redirected-proof.json');
    const tracking = redirectedTracking ?? '';
    const exported = await cli('ledger', 'proof', tracking, '--data', dataDir, '--out', proofFile);
    assert.equal(exported.exit, 0, exported.out);
    const offline = await cli('ledger', 'verify-proof', proofFile, '--ca', join(dataDir, 'pki', 'ca.pem'));
    assert.equal(offline.exit, 0, offline.out);
    const tamperedHub = await openHub({ dataDir });
    let seq: number;
    try {
      seq = await tamperedHub.store.transaction(async (tx) => {
        const [row] = await tx.query<Row>(`SELECT seq FROM ledger_entries WHERE event = 'redirected'`);
        await tx.execute('DROP TRIGGER ledger_entries_no_update');
        await tx.execute(`UPDATE ledger_entries SET to_participant = ? WHERE seq = ?`, [
          AGENCIES.xdms.code,
          Number(row?.seq),
        ]);
        return Number(row?.seq);
      });
    } finally {
      await tamperedHub.close();
    }
    const broken = await cli('ledger', 'verify', '--data', dataDir);
    assert.equal(broken.exit, 1, broken.out);
    assert.match(broken.out, new RegExp(`LEDGER_BROKEN: The ledger is broken at entry ${seq}: edited`));
  });

  it('refuses a VKHID_DATA that already holds data, and touches nothing in it', async () => {
    const used = join(base, 'used');
    mkdirSync(used);
    writeFileSync(join(used, 'vkhid.sqlite'), 'not ours');
    const run = await runDemo(['--appeals', '24'], { VKHID_DATA: used });
    assert.equal(run.code, 2, run.stdout + run.stderr);
    assert.match(run.stderr, /is not empty/);
    assert.equal(run.stdout, '');
  });
});
