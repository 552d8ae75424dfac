/**
 * `npm run demo` end to end with a small batch: the demo's own process (tsx demo/run.ts), a fresh data
 * directory through VKHID_DATA, then the hub's database read afterwards as an auditor would.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { runCli } from '../../gateway/cli/run-cli.js';
import { openHub } from '../../gateway/hub/hub-context.js';
import type { AppealLifecycle } from '../../gateway/lifecycle/lifecycle-model.js';
import type { Row } from '../../gateway/store/store-driver.js';
import { AGENCIES } from '../../demo/demo-participants.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));

function runDemo(
  args: string[],
  env: NodeJS.ProcessEnv,
): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', join(ROOT, 'demo', 'run.ts'), ...args], {
      cwd: ROOT,
      env: { ...process.env, VKHID_CONFIG: '', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString('utf8')));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code: code ?? -1, stdout, stderr }));
  });
}

describe('npm run demo', function () {
  this.timeout(240_000);
  let base: string;

  before(() => {
    base = mkdtempSync(join(tmpdir(), 'vkhid-demo-test-'));
  });
  after(() => rmSync(base, { recursive: true, force: true }));

  it('takes 24 appeals through every end state, and the ledger it leaves verifies', async () => {
    const dataDir = join(base, 'data');
    const run = await runDemo(['--appeals', '24', '--seed', '11'], { VKHID_DATA: dataDir });
    const output = `${run.stdout}\n${run.stderr}`;
    assert.equal(run.code, 0, output);
    assert.match(run.stdout, /^demo ok in /m, output);
    assert.match(run.stdout, /^ledger ok: \d+ entries/m, output);
    assert.match(run.stdout, new RegExp(`data directory: ${dataDir}`));

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
