import { join } from 'node:path';
import { runCli } from '../gateway/cli/run-cli.js';
import type { LifecycleState } from '../gateway/lifecycle/lifecycle-model.js';
import { LIFECYCLE_STATES } from '../gateway/lifecycle/lifecycle-model.js';
import type { RunningHub } from '../gateway/server/hub-server.js';
import type { Row } from '../gateway/store/store-driver.js';
import { createDeadlineWatch, type DeadlineWatchResult } from '../gateway/tracking/deadline-watch.js';
import { AgencyReader, type AgencyStats } from './agency-adapter.js';
import { startAgencyEndpoint, type AgencyEndpoint, type EndpointAnswer } from './agency-endpoint.js';
import { JsonAgency, FLAKY } from './agency-json.js';
import { Sev1207Agency } from './agency-sev1207.js';
import { XdmsAgency } from './agency-xdms.js';
import { outcomeProblem, stateCounts, trackedAppeals, type TrackedRow } from './appeal-outcomes.js';
import { CanonicalSender } from './canonical-messages.js';
import { sendBatch } from './contact-center.js';
import { ContactCenterInbox } from './contact-center-inbox.js';
import {
  HUB_LOG,
  hubCaPem,
  issueIdentity,
  issueServerIdentity,
  registerParticipants,
  startDemoHub,
} from './demo-hub.js';
import { AGENCIES, CONTACT_CENTER, type AgencyKey } from './demo-participants.js';
import { END_STATE, planBatch, SCENARIOS, type PlannedAppeal, type Scenario } from './demo-plan.js';
import { isoSeconds, sleep } from './demo-time.js';
import { FollowUpRunner } from './follow-up-runner.js';
import { HubClient } from './hub-client.js';
import { SeededRandom } from './seeded-random.js';
import { hasReportCommand, runVkhidChild } from './vkhid-child.js';

export interface DemoOptions {
  readonly dataDir: string;
  readonly appeals: number;
  readonly seed: number;
  /** Where progress lines and the summary go. */
  readonly print: (line: string) => void;
}

/**
 * How long nothing may move (no state changes, the agencies idle) before the demo gives up: long enough for
 * the flaky agency's last retries.
 */
const STALL_MS = 15_000;

/**
 * The whole demo: a hub, the contact center and three agency EDMS in this process; the batch through its
 * lifecycle, and everything the agencies send back pulled from the hub by the contact center; the deadline
 * watch and the report at the simulated instant; `vkhid ledger verify` on the data directory. Resolves with
 * the exit code: 0 only when every appeal reached its end state, the contact center's inbox is empty and the
 * ledger verifies.
 */
export async function runDemo(options: DemoOptions): Promise<number> {
  const { print } = options;
  const started = Date.now();
  const elapsed = () => `${((Date.now() - started) / 1000).toFixed(1).padStart(5)}s`;
  const problems: string[] = [];
  const now = new Date();
  const plans = planBatch(options.appeals, { seed: options.seed, now });
  const byTracking = new Map(plans.map((plan) => [plan.tracking, plan]));

  print(`Vkhid demo: ${plans.length} appeals, seed ${options.seed}`);
  print(`data directory: ${options.dataDir} (hub log: ${join(options.dataDir, HUB_LOG)})`);
  const running = await startDemoHub(options.dataDir);
  const closers: (() => Promise<void> | void)[] = [];
  let hubStopped = false;
  const stopHub = async () => {
    if (hubStopped) return;
    hubStopped = true;
    await running.stop();
  };
  try {
    const caPem = hubCaPem(running);
    const hubCode = running.hub.config.hub.code;
    print(`hub ${hubCode} listening on ${running.url}`);

    // The agencies' endpoints first (their addresses are registered with them), then the participants, then
    // their certificates: the hub issues certificates to registered participants only.
    const receivers: { -readonly [K in 'sev1207' | 'json']?: (body: Buffer) => Promise<EndpointAnswer> } = {};
    const refuse = (): Promise<EndpointAnswer> =>
      Promise.resolve({ status: 503, type: 'text/plain', body: 'not ready' });
    const endpoints: AgencyEndpoint[] = [
      await startAgencyEndpoint(
        await issueServerIdentity(running, AGENCIES.sev1207.code),
        caPem,
        '/sev1207',
        (body) => (receivers.sev1207 ?? refuse)(body),
      ),
      await startAgencyEndpoint(
        await issueServerIdentity(running, AGENCIES.json.code),
        caPem,
        '/api/vkhid',
        (body) => (receivers.json ?? refuse)(body),
      ),
    ];
    closers.push(async () => {
      for (const endpoint of endpoints) await endpoint.close();
    });
    const dropRoot = join(options.dataDir, 'demo-drop', AGENCIES.xdms.code);
    const urls: Record<AgencyKey, string> = {
      sev1207: endpoints[0]?.url ?? '',
      json: endpoints[1]?.url ?? '',
      xdms: `file://${dropRoot}`,
    };
    await registerParticipants(running, urls);

    const runners = {
      sev1207: new FollowUpRunner('agency A'),
      json: new FollowUpRunner('agency C'),
    };
    const clients = {
      center: new HubClient(running.url, caPem, await identity(running, CONTACT_CENTER.code, 'tls')),
      sev1207: new HubClient(running.url, caPem, await identity(running, AGENCIES.sev1207.code, 'tls')),
      json: new HubClient(running.url, caPem, await identity(running, AGENCIES.json.code, 'tls')),
    };
    closers.push(() => Object.values(clients).forEach((client) => client.close()));
    const sev1207 = new Sev1207Agency(
      byTracking,
      new AgencyReader(AGENCIES.sev1207, hubCode),
      new CanonicalSender(AGENCIES.sev1207.code, await identity(running, AGENCIES.sev1207.code, 'sign')),
      clients.sev1207,
      runners.sev1207,
    );
    const json = new JsonAgency(
      byTracking,
      clients.json,
      runners.json,
      new SeededRandom(options.seed ^ 0x5eed),
      AGENCIES.sev1207.code,
    );
    receivers.sev1207 = (body) => sev1207.receive(body);
    receivers.json = (body) => json.receive(body);
    const xdms = new XdmsAgency(dropRoot, byTracking, new AgencyReader(AGENCIES.xdms, hubCode));
    xdms.start();
    closers.push(() => xdms.stop());
    print(
      `contact center ${CONTACT_CENTER.code}: signed canonical envelopes over mutual TLS; ` +
        'pulls what comes back from its inbox and acknowledges each message',
    );
    for (const key of ['sev1207', 'xdms', 'json'] as const) {
      const agency = AGENCIES[key];
      print(`agency ${agency.code} ${agency.name}: ${agency.adapter}, ${agency.transport} (${urls[key]})`);
    }
    print(
      `agency ${AGENCIES.json.code} answers ${FLAKY.unavailable * 100}% of deliveries 503 and leaves ` +
        `${FLAKY.hang * 100}% hanging; the hub retries`,
    );
    await waitForDropFolder(running);

    // The batch.
    const center = new CanonicalSender(
      CONTACT_CENTER.code,
      await identity(running, CONTACT_CENTER.code, 'sign'),
    );
    const inbox = new ContactCenterInbox(clients.center, center);
    closers.push(() => inbox.stop());
    inbox.start();
    let sent = 0;
    const sending = sendBatch(plans, center, clients.center, () => {
      sent += 1;
    });
    const deadline = Date.now() + Math.max(60_000, plans.length * 300);
    let lastLine = 0;
    let lastSignature = '';
    let stillSince = Date.now();
    let tracked = new Map<string, TrackedRow>();
    let sendFailures: string[] | undefined;
    void sending.then((failures) => (sendFailures = failures));
    for (;;) {
      await sleep(200);
      tracked = await running.hub.store.read((db) => trackedAppeals(db));
      const open = plans.filter((plan) => outcomeProblem(plan, tracked.get(plan.tracking)) !== undefined);
      const quiet = runners.sev1207.idle && runners.json.idle && xdms.idle;
      if (Date.now() - lastLine >= 2000 || (open.length === 0 && sendFailures !== undefined)) {
        lastLine = Date.now();
        print(
          `[${elapsed()}] sent ${sent}/${plans.length} | ${describeStates(tracked.values())} | ` +
            `back at the contact center ${inbox.total}`,
        );
      }
      // Every appeal at its end state means everything the agencies send about it is in the hub: the contact
      // center then takes what is still waiting for it.
      if (sendFailures !== undefined && open.length === 0) {
        if (await inbox.drain()) {
          print(`[${elapsed()}] the contact center's inbox is empty: ${inbox.total} messages pulled back`);
        }
        break;
      }
      // Nothing moves any more: every agency has done what it could and the hub has nothing in flight for it.
      const signature = describeStates(tracked.values());
      if (signature !== lastSignature || !quiet || sendFailures === undefined) {
        lastSignature = signature;
        stillSince = Date.now();
      } else if (Date.now() - stillSince > STALL_MS) {
        problems.push(
          `nothing moved for ${STALL_MS / 1000} s with ${open.length} appeal(s) short of their end state`,
        );
        break;
      }
      if (Date.now() > deadline) {
        problems.push(
          `timed out after ${elapsed().trim()} with ${open.length} appeal(s) short of their end state`,
        );
        break;
      }
    }
    problems.push(
      ...(sendFailures ?? ['the contact center had not finished sending']).map((f) => `sent: ${f}`),
    );
    await inbox.stop();
    problems.push(...runners.sev1207.failures, ...runners.json.failures, ...xdms.failures, ...inbox.failures);
    for (const plan of plans) {
      const problem = outcomeProblem(plan, tracked.get(plan.tracking));
      if (problem !== undefined && !problems.some((p) => p.startsWith(plan.tracking))) {
        problems.push(`${plan.tracking} (${plan.scenario}, to ${AGENCIES[plan.agency].code}): ${problem}`);
      }
    }

    // The statutory deadlines, evaluated at the simulated instant.
    const at = new Date();
    print('');
    print(
      `simulated clock: appeals received from ${isoSeconds(earliest(plans))} to ${isoSeconds(latest(plans))}; ` +
        `deadlines and the report evaluated at ${isoSeconds(at)}`,
    );
    const watch = await createDeadlineWatch(
      running.hub,
      { warn: () => undefined, error: () => undefined },
      // The watch's webhook comes from the hub's configuration: a demo never posts alerts anywhere.
      { now: () => at, webhookUrl: null },
    ).run();
    problems.push(...overdueProblems(plans, watch));
    print(
      `deadline watch: ${watch?.open ?? 0} open appeals, ${watch?.overdue ?? 0} overdue, ` +
        `${watch?.dueSoon ?? 0} due soon, ${watch?.registrationLate ?? 0} registration late`,
    );
    for (const alert of (watch?.alerted ?? []).filter((a) => a.flag === 'answer-overdue')) {
      print(
        `  overdue: ${alert.tracking} held by ${alert.holder ?? '-'}, the answer term ran out on ${alert.date}`,
      );
    }

    const summary = await running.hub.store.read(async (db) => ({
      messages: await db.query<Row>(`SELECT type, COUNT(*) AS n FROM messages GROUP BY type ORDER BY type`),
      retries: await db.query<Row>(
        `SELECT COUNT(*) AS jobs, SUM(attempts) AS attempts FROM delivery_jobs WHERE recipient = ?`,
        [AGENCIES.json.code],
      ),
      byHolder: await db.query<Row>(
        `SELECT holder, state, COUNT(*) AS n FROM appeals GROUP BY holder, state ORDER BY holder, state`,
      ),
      unacknowledged: await db.query<Row>(
        `SELECT COUNT(*) AS n FROM delivery_jobs WHERE recipient = ? AND state <> 'acknowledged'`,
        [CONTACT_CENTER.code],
      ),
    }));
    const waiting = Number(summary.unacknowledged[0]?.n ?? 0);
    if (waiting > 0)
      problems.push(`${waiting} message(s) for the contact center left unacknowledged in the hub`);
    await closeAll(closers);
    await stopHub();

    print('');
    print('== what happened ==');
    printScenarios(print, plans, tracked);
    printKindsAndRepeats(print, plans);
    printAgencies(print, { sev1207: sev1207.stats, xdms: xdms.stats, json: json.stats });
    const retry = summary.retries[0];
    print(
      `hub: ${summary.messages.map((r) => `${String(r.n)} ${String(r.type)}`).join(', ')} accepted; ` +
        `deliveries to agency C: ${String(retry?.jobs ?? 0)} jobs in ${String(retry?.attempts ?? 0)} attempts`,
    );
    const early = runners.sev1207.retried + runners.json.retried;
    print(
      `follow-ups accepted: agency A ${runners.sev1207.accepted}, agency C ${runners.json.accepted}` +
        (early > 0 ? ` (${early} sent again: they reached the hub before the registration they follow)` : ''),
    );
    const back = inbox.pulled;
    print(
      `contact center: pulled ${count(inbox.total)} messages back (${count(back.answer)} answers, ` +
        `${count(back.status)} statuses, ${count(back.receipt)} receipts` +
        (back.error > 0 ? `, ${count(back.error)} errors` : '') +
        `), each acknowledged with its signed receipt; ${waiting} left in the hub`,
    );

    // The report in its own process (as an operator runs it), while the ledger is verified here: `vkhid ledger
    // verify` through the same CLI entry, on the data directory the stopped hub left.
    const report = hasReportCommand()
      ? runVkhidChild(['report', '--data', options.dataDir, '--at', at.toISOString()])
      : undefined;
    let verifyOutput = '';
    const verifyCode = await runCli(['ledger', 'verify', '--data', options.dataDir], {
      stdout: (text) => (verifyOutput += text),
      stderr: (text) => (verifyOutput += text),
    });

    print('');
    print(`== vkhid report --data ${options.dataDir} --at ${at.toISOString()} ==`);
    const reported = await report;
    if (reported?.code === 0) {
      print(reported.stdout.trimEnd());
    } else {
      print(
        reported === undefined
          ? '(vkhid report is not in this build: appeals by holder and state, from the appeals table)'
          : `(vkhid report failed with exit ${reported.code}: ${reported.stderr.trim()}; appeals by holder and state instead)`,
      );
      for (const row of summary.byHolder) {
        print(`  ${String(row.holder ?? '-').padEnd(10)} ${String(row.state).padEnd(22)} ${String(row.n)}`);
      }
    }

    print('');
    print(`== vkhid ledger verify --data ${options.dataDir} ==`);
    print(verifyOutput.trimEnd());
    if (verifyCode !== 0) problems.push(`vkhid ledger verify exited ${verifyCode}`);

    print('');
    if (problems.length === 0) {
      print(
        `demo ok in ${elapsed().trim()}: every appeal reached its end state, the contact center took back ` +
          'everything sent to it, and the ledger verifies',
      );
      const cli = 'npx tsx gateway/cli/vkhid.ts';
      const redirected = plans.find((p) => p.scenario === 'redirected')?.tracking ?? 'TRACKING';
      print(`inspect it: ${cli} ledger verify --data ${options.dataDir}`);
      print(`            ${cli} ledger proof ${redirected} --data ${options.dataDir} --out proof.json`);
      print(
        `            ${cli} ledger verify-proof proof.json --ca ${join(options.dataDir, 'pki', 'ca.pem')}`,
      );
      return 0;
    }
    print(`demo FAILED in ${elapsed().trim()}: ${problems.length} problem(s)`);
    for (const problem of problems.slice(0, 30)) print(`  - ${problem}`);
    if (problems.length > 30) print(`  ... and ${problems.length - 30} more`);
    return 1;
  } finally {
    await closeAll(closers);
    await stopHub();
  }
}

async function identity(running: RunningHub, code: string, usage: 'sign' | 'tls') {
  return issueIdentity(running, code, usage);
}

async function closeAll(closers: (() => Promise<void> | void)[]): Promise<void> {
  while (closers.length > 0) await closers.pop()?.();
}

/** The pollers pick a drop folder registered while the hub runs up on their next refresh. */
async function waitForDropFolder(running: RunningHub): Promise<void> {
  const until = Date.now() + 10_000;
  while (!(running.fileDrops?.folders().some((f) => f.participantCode === AGENCIES.xdms.code) ?? false)) {
    if (Date.now() > until) throw new Error("the hub did not start polling agency B's drop folder");
    await sleep(50);
  }
}

function describeStates(rows: Iterable<TrackedRow>): string {
  const counts = stateCounts(rows);
  const parts = LIFECYCLE_STATES.filter((state) => (counts.get(state) ?? 0) > 0).map(
    (state: LifecycleState) => `${state} ${counts.get(state) ?? 0}`,
  );
  return parts.length === 0 ? 'no appeal tracked yet' : parts.join(', ');
}

function earliest(plans: readonly PlannedAppeal[]): Date {
  return new Date(Math.min(...plans.map((p) => p.receivedAt.getTime())));
}

function latest(plans: readonly PlannedAppeal[]): Date {
  return new Date(Math.max(...plans.map((p) => p.receivedAt.getTime())));
}

/** Every overdue appeal must be flagged by the watch, and no other. */
function overdueProblems(plans: readonly PlannedAppeal[], watch: DeadlineWatchResult | undefined): string[] {
  if (watch === undefined) return ['the deadline watch did not run'];
  const flagged = new Set(watch.alerted.filter((a) => a.flag === 'answer-overdue').map((a) => a.tracking));
  const problems: string[] = [];
  for (const plan of plans) {
    const overdue = plan.scenario === 'overdue';
    if (overdue && !flagged.has(plan.tracking)) problems.push(`${plan.tracking}: not flagged overdue`);
    if (!overdue && flagged.has(plan.tracking))
      problems.push(`${plan.tracking}: flagged overdue unexpectedly`);
  }
  return problems;
}

function printScenarios(
  print: (line: string) => void,
  plans: readonly PlannedAppeal[],
  tracked: ReadonlyMap<string, TrackedRow>,
): void {
  for (const scenario of SCENARIOS) {
    const of = plans.filter((plan) => plan.scenario === scenario);
    const reached = of.filter(
      (plan) => outcomeProblem(plan, tracked.get(plan.tracking)) === undefined,
    ).length;
    print(
      `${scenario.padEnd(11)} ${String(reached).padStart(4)}/${String(of.length).padEnd(4)} ` +
        `→ ${END_STATE[scenario]}${describeScenario(scenario, of)}`,
    );
  }
}

function describeScenario(scenario: Scenario, plans: readonly PlannedAppeal[]): string {
  const list = plans.map((p) => p.tracking).join(', ');
  switch (scenario) {
    case 'answered':
      return '';
    case 'refused':
      return ` (${list}: 1207 ack_type 4, xdms «Отказано в регистрации», JSON ВІДХИЛЕНО)`;
    case 'redirected':
      return ` (${list}: agency C → agency A, not within competence; the hub sent it on)`;
    case 'extended':
      return ` (${list}: the term extended, then answered)`;
    case 'overdue':
      return ` (${list}: received 40 days back, never answered)`;
  }
}

function printKindsAndRepeats(print: (line: string) => void, plans: readonly PlannedAppeal[]): void {
  const requests = plans.filter((p) => p.kind === 'public-info-request').length;
  print(
    `kinds: ${plans.length - requests} citizens' appeals (answer within 30 days), ${requests} requests for ` +
      'public information (within 5 working days)',
  );
  const repeats = plans.filter((p) => p.repeatOf !== undefined);
  print(
    `repeats: ${repeats
      .map((p) => `${p.tracking} repeats ${plans[p.repeatOf ?? -1]?.tracking ?? '?'}`)
      .join(', ')} (same applicant, category and subject; the report counts them by a pseudonymous key)`,
  );
}

function count(n: number): string {
  return n.toLocaleString('en-US');
}

function printAgencies(print: (line: string) => void, stats: Record<AgencyKey, AgencyStats>): void {
  for (const key of ['sev1207', 'xdms', 'json'] as const) {
    const s = stats[key];
    const flaky =
      s.failedOnPurpose > 0 ? `, ${s.failedOnPurpose} deliveries failed on purpose (503 or hung)` : '';
    const repeats = s.repeats > 0 ? `, ${s.repeats} delivered again` : '';
    print(
      `agency ${AGENCIES[key].code} (${AGENCIES[key].adapter}): received ${s.received}, registered ${s.registered}, ` +
        `refused ${s.refused}${flaky}${repeats}`,
    );
  }
}
