import type { AppealKind } from '../envelope/envelope-model.js';

/**
 * The statutory terms, each with the provision it comes from. Terms are law, not configuration: they change
 * with a new law and a new release, while the calendar they are counted on is edited in config/calendar.json.
 * docs/deadlines.md explains each rule and how it is read.
 */

export type TermUnit = 'calendar-days' | 'working-days' | 'months' | 'hours';

export interface Term {
  readonly count: number;
  readonly unit: TermUnit;
}

/** The two legal regimes: the Law on citizens' appeals, and the Law on access to public information. */
export type DeadlineRegime = 'citizen-appeal' | 'public-information';

export interface TermRule {
  readonly term: Term;
  readonly basis: string;
}

export interface RegimeTerms {
  /** Sending the appeal on to the competent body. */
  readonly forward: TermRule;
  readonly answer: TermRule;
  /** The shorter answer term: "no additional study" appeals, or urgent information requests. */
  readonly answerShort: TermRule;
  /** The longest the answer term may be extended to, counted from registration. */
  readonly maximum: TermRule;
}

export type StatutoryTerms = Readonly<Record<DeadlineRegime, RegimeTerms>>;

const APPEALS_LAW = 'Закон «Про звернення громадян» № 393/96-ВР';
const INFORMATION_LAW = 'Закон «Про доступ до публічної інформації» № 2939-VI';

export const STATUTORY_TERMS: StatutoryTerms = {
  'citizen-appeal': {
    forward: { term: { count: 5, unit: 'calendar-days' }, basis: `${APPEALS_LAW}, ст. 7 ч. 3` },
    // Art. 20 says "not more than one month"; the hub counts 30 days as issue #6 and common practice do.
    answer: { term: { count: 30, unit: 'calendar-days' }, basis: `${APPEALS_LAW}, ст. 20 ч. 1` },
    answerShort: { term: { count: 15, unit: 'calendar-days' }, basis: `${APPEALS_LAW}, ст. 20 ч. 1` },
    maximum: { term: { count: 45, unit: 'calendar-days' }, basis: `${APPEALS_LAW}, ст. 20 ч. 1` },
  },
  'public-information': {
    // The law sets no separate term for sending a request on (art. 22 ч. 3): it is the holder's response to
    // the request, so it is due within the response term.
    forward: {
      term: { count: 5, unit: 'working-days' },
      basis: `${INFORMATION_LAW}, ст. 22 ч. 3, ст. 20 ч. 1`,
    },
    answer: { term: { count: 5, unit: 'working-days' }, basis: `${INFORMATION_LAW}, ст. 20 ч. 1` },
    answerShort: { term: { count: 48, unit: 'hours' }, basis: `${INFORMATION_LAW}, ст. 20 ч. 2` },
    maximum: { term: { count: 20, unit: 'working-days' }, basis: `${INFORMATION_LAW}, ст. 20 ч. 4` },
  },
};

/**
 * Which law governs an appeal kind. A sensitive report (e.g. about domestic violence) reaches the body as a
 * citizen's appeal; no special law sets other terms for it, so the Law on citizens' appeals applies.
 */
export function regimeOf(kind: AppealKind): DeadlineRegime {
  switch (kind) {
    case 'public-info-request':
      return 'public-information';
    case 'citizen-appeal':
    case 'sensitive-report':
      return 'citizen-appeal';
  }
}
