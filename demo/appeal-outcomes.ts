import type { AppealDeadlines } from '../gateway/deadlines/appeal-deadlines.js';
import type { AppealLifecycle, LifecycleState } from '../gateway/lifecycle/lifecycle-model.js';
import type { Row, StoreConnection } from '../gateway/store/store-driver.js';
import { AGENCIES } from './demo-participants.js';
import { END_STATE, type PlannedAppeal } from './demo-plan.js';

/** An appeal as the hub tracks it, read from its `appeals` table. */
export interface TrackedRow {
  readonly tracking: string;
  readonly state: LifecycleState;
  readonly holder: string | null;
  readonly lifecycle: AppealLifecycle;
  readonly deadlines: AppealDeadlines;
}

export async function trackedAppeals(db: StoreConnection): Promise<Map<string, TrackedRow>> {
  const rows = await db.query<Row>(`SELECT tracking, state, holder, lifecycle, deadlines FROM appeals`);
  return new Map(
    rows.map((row) => [
      String(row.tracking),
      {
        tracking: String(row.tracking),
        state: String(row.state) as LifecycleState,
        holder: typeof row.holder === 'string' ? row.holder : null,
        lifecycle: JSON.parse(String(row.lifecycle)) as AppealLifecycle,
        deadlines: JSON.parse(String(row.deadlines)) as AppealDeadlines,
      },
    ]),
  );
}

/**
 * Why `plan`'s appeal is not (yet) where its scenario ends, or undefined when it is: the end state, held by
 * the right agency, with the redirect and the extension on record where the scenario has them.
 */
export function outcomeProblem(plan: PlannedAppeal, tracked: TrackedRow | undefined): string | undefined {
  if (tracked === undefined) return 'the hub does not track it';
  const expected = END_STATE[plan.scenario];
  if (tracked.state !== expected) return `state ${tracked.state}, expected ${expected}`;
  const holder = plan.scenario === 'redirected' ? AGENCIES.sev1207.code : AGENCIES[plan.agency].code;
  if (tracked.holder !== holder) return `held by ${tracked.holder ?? 'nobody'}, expected ${holder}`;
  if (plan.scenario === 'redirected') {
    const redirect = tracked.lifecycle.redirect;
    if (redirect?.from !== AGENCIES.json.code || redirect.to !== holder) return 'no redirect on record';
    if (tracked.lifecycle.routings < 2) return 'not routed again after the redirect';
  }
  if (plan.scenario === 'extended' && tracked.deadlines.extended !== true) return 'the term was not extended';
  return undefined;
}

/** Counts per lifecycle state, in the lifecycle's order, for progress lines. */
export function stateCounts(tracked: Iterable<TrackedRow>): Map<LifecycleState, number> {
  const counts = new Map<LifecycleState, number>();
  for (const row of tracked) counts.set(row.state, (counts.get(row.state) ?? 0) + 1);
  return counts;
}
