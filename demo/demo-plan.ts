import type { AppealKind, Channel } from '../gateway/envelope/envelope-model.js';
import type { LifecycleState } from '../gateway/lifecycle/lifecycle-model.js';
import { AGENCY_KEYS, type AgencyKey } from './demo-participants.js';
import { SeededRandom } from './seeded-random.js';

/**
 * What happens to each appeal of the batch:
 * - `answered`: the agency registers it, considers it and answers;
 * - `refused`: the agency refuses to register it (1207 ack_type 4, xdms «Отказано в регистрации», a JSON
 *   callback ВІДХИЛЕНО);
 * - `redirected`: the JSON agency registers it, then says it is not within its competence and names the 1207
 *   agency; the hub sends it on, and the 1207 agency registers, considers and answers it;
 * - `extended`: the agency registers and considers it, extends the term (art. 20), then answers;
 * - `overdue`: received 40 days back; the agency registers and considers it and never answers, so the
 *   deadline watch finds the 30-day term ran out.
 */
export type Scenario = 'answered' | 'refused' | 'redirected' | 'extended' | 'overdue';

export const SCENARIOS: readonly Scenario[] = ['answered', 'refused', 'redirected', 'extended', 'overdue'];

/** The state each scenario ends in. */
export const END_STATE: Readonly<Record<Scenario, LifecycleState>> = {
  answered: 'answered',
  refused: 'refused',
  redirected: 'answered',
  extended: 'answered',
  overdue: 'under-consideration',
};

/** What an agency does after it has registered an appeal, in order. */
export type FollowUp = 'consider' | 'extend' | 'redirect' | 'answer';

export interface PlannedAppeal {
  readonly index: number;
  readonly tracking: string;
  /** The agency the contact center routes it to. */
  readonly agency: AgencyKey;
  readonly scenario: Scenario;
  readonly receivedAt: Date;
  readonly channel: Channel;
  readonly category: string;
  readonly urgent: boolean;
  /** A citizen's appeal, or (about one in ten, all `answered`) a request for public information. */
  readonly kind: AppealKind;
  /**
   * The index of an earlier appeal of the batch this one repeats: the same applicant writes again on the same
   * category and subject (a "repeat appeal" in the report), to the same agency.
   */
  readonly repeatOf?: number;
}

/**
 * The fewest appeals that fit every scenario on every agency, the repeats (two answered pairs, each at one
 * agency) and at least one public-information request.
 */
export const MIN_APPEALS = 15;

/** How many appeals of the batch repeat an earlier one. */
export const REPEATS = 2;

/** The share of the batch that are requests for public information. */
export const PUBLIC_INFO_SHARE = 0.1;

const DAY = 86_400_000;
const CHANNELS: readonly Channel[] = ['hotline', 'hotline', 'hotline', 'web', 'web', 'email', 'post'];
const CATEGORIES = ['roads', 'utilities', 'social-benefits', 'healthcare', 'education', 'transport'];

/**
 * The batch: `count` appeals round-robin over the three agencies, with one refusal and one overdue appeal per
 * agency, one redirect (JSON agency → 1207 agency) and two extensions (JSON and 1207), spread by the seed.
 * Received within the last three days, except the overdue ones (40 days back). Among the answered ones, two
 * repeat an earlier answered appeal at the same agency, and about a tenth are requests for public information.
 */
export function planBatch(count: number, options: { seed: number; now: Date }): PlannedAppeal[] {
  if (!Number.isInteger(count) || count < MIN_APPEALS) {
    throw new RangeError(`the demo needs at least ${MIN_APPEALS} appeals (got ${count})`);
  }
  const random = new SeededRandom(options.seed);
  const agencyOf = (index: number): AgencyKey => AGENCY_KEYS[index % AGENCY_KEYS.length] as AgencyKey;
  const scenarios: Scenario[] = Array.from({ length: count }, () => 'answered');
  const special: [AgencyKey, Scenario][] = [
    ['sev1207', 'refused'],
    ['xdms', 'refused'],
    ['json', 'refused'],
    ['sev1207', 'overdue'],
    ['xdms', 'overdue'],
    ['json', 'overdue'],
    ['json', 'redirected'],
    ['json', 'extended'],
    ['sev1207', 'extended'],
  ];
  // Places are drawn among each agency's own indexes, so the round-robin assignment is kept.
  const free = new Map<AgencyKey, number[]>(
    AGENCY_KEYS.map((key) => [
      key,
      random.shuffle(scenarios.map((_, index) => index).filter((index) => agencyOf(index) === key)),
    ]),
  );
  for (const [agency, scenario] of special) {
    const index = free.get(agency)?.pop();
    if (index === undefined) throw new RangeError(`not enough appeals for ${agency}`);
    scenarios[index] = scenario;
  }
  const year = options.now.getUTCFullYear();
  const drawn: PlannedAppeal[] = scenarios.map((scenario, index) => ({
    index,
    tracking: `UKC-${year}-DEMO-${String(index + 1).padStart(5, '0')}`,
    agency: agencyOf(index),
    scenario,
    receivedAt: new Date(
      options.now.getTime() - (scenario === 'overdue' ? 40 * DAY : random.below(72 * 60) * 60_000 + 60_000),
    ),
    channel: random.pick(CHANNELS),
    category: random.pick(CATEGORIES),
    urgent: random.next() < 0.05,
    kind: 'citizen-appeal',
  }));
  return withPublicInfo(withRepeats(drawn, random), count, random);
}

/**
 * Pairs of answered appeals at one agency, taken one agency after another: the later received of each pair
 * (the later tracking number on a tie, as the report breaks ties) repeats the earlier one.
 */
function withRepeats(plans: PlannedAppeal[], random: SeededRandom): PlannedAppeal[] {
  const answered = new Map<AgencyKey, number[]>(
    AGENCY_KEYS.map((key) => [
      key,
      random.shuffle(plans.filter((p) => p.agency === key && p.scenario === 'answered').map((p) => p.index)),
    ]),
  );
  const result = [...plans];
  let pairs = 0;
  while (pairs < REPEATS) {
    const before = pairs;
    for (const key of random.shuffle(AGENCY_KEYS)) {
      const free = answered.get(key) ?? [];
      if (pairs === REPEATS || free.length < 2) continue;
      const a = plans[free.pop() as number] as PlannedAppeal;
      const b = plans[free.pop() as number] as PlannedAppeal;
      const [first, repeat] = earlier(a, b) ? [a, b] : [b, a];
      result[repeat.index] = { ...repeat, category: first.category, repeatOf: first.index };
      pairs += 1;
    }
    if (pairs === before) throw new RangeError(`not enough answered appeals for ${REPEATS} repeats`);
  }
  return result;
}

function earlier(a: PlannedAppeal, b: PlannedAppeal): boolean {
  const diff = a.receivedAt.getTime() - b.receivedAt.getTime();
  return diff < 0 || (diff === 0 && a.index < b.index);
}

/**
 * About a tenth of the batch (at least one) become requests for public information, drawn among the answered
 * appeals outside the repeat pairs. They are never urgent: an urgent request has 48 hours, and the batch is
 * received up to three days back, so it would be answered late by construction.
 */
function withPublicInfo(plans: PlannedAppeal[], count: number, random: SeededRandom): PlannedAppeal[] {
  const wanted = Math.max(1, Math.round(count * PUBLIC_INFO_SHARE));
  const paired = new Set(plans.flatMap((p) => (p.repeatOf === undefined ? [] : [p.index, p.repeatOf])));
  const candidates = random
    .shuffle(plans.filter((p) => p.scenario === 'answered' && !paired.has(p.index)))
    .slice(0, wanted);
  if (candidates.length < wanted)
    throw new RangeError('not enough answered appeals for the information requests');
  const result = [...plans];
  for (const plan of candidates) result[plan.index] = { ...plan, kind: 'public-info-request', urgent: false };
  return result;
}

/**
 * What the agency holding an appeal does once it has registered it. `forwarded`: it came by the hub's forward
 * after another agency's redirect, and this agency answers it.
 */
export function followUps(scenario: Scenario, forwarded: boolean): FollowUp[] {
  if (forwarded) return ['consider', 'answer'];
  switch (scenario) {
    case 'answered':
      return ['consider', 'answer'];
    case 'refused':
      return [];
    case 'redirected':
      return ['redirect'];
    case 'extended':
      return ['consider', 'extend', 'answer'];
    case 'overdue':
      return ['consider'];
  }
}
