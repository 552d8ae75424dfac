import { randomUUID } from 'node:crypto';
import { JSON_MEDIA_TYPE } from '../adapters/json-rest/json-rest-adapter.js';
import type { EndpointAnswer } from './agency-endpoint.js';
import { newStats } from './agency-adapter.js';
import { AGENCIES, CONTACT_CENTER } from './demo-participants.js';
import { followUps, type FollowUp, type PlannedAppeal } from './demo-plan.js';
import { isoSeconds, kyivDay } from './demo-time.js';
import type { FollowUpRunner, Step } from './follow-up-runner.js';
import type { HubClient } from './hub-client.js';
import type { SeededRandom } from './seeded-random.js';

const AGENCY = AGENCIES.json;

/** What share of deliveries the flaky agency answers 503, and leaves hanging. */
export const FLAKY = { unavailable: 0.2, hang: 0.1 } as const;

/**
 * Agency C's JSON API behind HTTPS, the flaky one: about one delivery in five is answered 503 and one in ten
 * is left hanging (drawn from the seeded generator), so the hub's retries and timeouts show. A delivery it
 * takes is answered with its callback (ЗАРЕЄСТРОВАНО with its number, or ВІДХИЛЕНО); its statuses
 * (НА_РОЗГЛЯДІ, ТЕРМІН_ПРОДОВЖЕНО, ПЕРЕНАПРАВЛЕНО) and answers are JSON documents it posts to the hub, which
 * converts them with the participant's mapping (adapters/json-rest/example-settings.json).
 */
export class JsonAgency {
  readonly stats = newStats();
  private readonly registeredIds = new Map<string, string>();

  constructor(
    private readonly plans: ReadonlyMap<string, PlannedAppeal>,
    private readonly hub: HubClient,
    private readonly runner: FollowUpRunner,
    private readonly random: SeededRandom,
    /** The agency the redirect names: the competent one. */
    private readonly competent: string,
  ) {}

  receive(body: Buffer): Promise<EndpointAnswer> {
    const draw = this.random.next();
    if (draw < FLAKY.unavailable) {
      this.stats.failedOnPurpose += 1;
      return Promise.resolve({ status: 503, type: 'text/plain', body: 'service unavailable (demo)' });
    }
    if (draw < FLAKY.unavailable + FLAKY.hang) {
      this.stats.failedOnPurpose += 1;
      return Promise.resolve('hang');
    }
    const appeal = JSON.parse(body.toString('utf8')) as { id: string; regNumber: string };
    this.stats.received += 1;
    const plan = this.plans.get(appeal.regNumber);
    if (plan === undefined) {
      return Promise.resolve({ status: 400, type: 'text/plain', body: `unknown appeal ${appeal.regNumber}` });
    }
    const callback: Record<string, unknown> = {
      docType: 'callback',
      from: AGENCY.code,
      regNumber: appeal.regNumber,
      messageId: appeal.id,
      at: isoSeconds(new Date()),
    };
    if (plan.scenario === 'refused') {
      this.stats.refused += 1;
      Object.assign(callback, {
        status: 'ВІДХИЛЕНО',
        refusal: { code: 'NOT-REGISTRABLE', reason: 'Звернення не містить суті питання' },
      });
    } else {
      let number = this.registeredIds.get(appeal.id);
      if (number === undefined) {
        number = `В-${this.registeredIds.size + 1}/вх`;
        this.registeredIds.set(appeal.id, number);
        this.stats.registered += 1;
        this.runner.schedule(
          appeal.regNumber,
          followUps(plan.scenario, false).map((step) => this.step(step, appeal.regNumber, appeal.id, plan)),
        );
      } else {
        this.stats.repeats += 1;
      }
      Object.assign(callback, { status: 'ЗАРЕЄСТРОВАНО', number, date: kyivDay(new Date()) });
    }
    return Promise.resolve({ status: 200, type: JSON_MEDIA_TYPE, body: JSON.stringify(callback) });
  }

  private step(step: FollowUp, tracking: string, appealId: string, plan: PlannedAppeal): Step {
    const post = (document: Record<string, unknown>) =>
      this.hub.post(JSON.stringify(document), JSON_MEDIA_TYPE);
    const callback =
      (status: string, extra: Record<string, unknown> = {}) =>
      () =>
        post({
          docType: 'callback',
          from: AGENCY.code,
          regNumber: tracking,
          messageId: appealId,
          status,
          at: isoSeconds(new Date()),
          ...extra,
        });
    switch (step) {
      case 'consider':
        return callback('НА_РОЗГЛЯДІ');
      case 'extend':
        return callback('ТЕРМІН_ПРОДОВЖЕНО', {
          newDeadline: kyivDay(new Date(plan.receivedAt.getTime() + 40 * 86_400_000)),
          reason: 'Потрібне додаткове вивчення (ст. 20 Закону «Про звернення громадян»)',
        });
      case 'redirect':
        return callback('ПЕРЕНАПРАВЛЕНО', {
          redirect: { to: this.competent, reasonCode: 'НЕ_ЗА_КОМПЕТЕНЦІЄЮ' },
          reason: 'Питання належить до компетенції Агентства А',
        });
      case 'answer':
        return () =>
          post({
            docType: 'answer',
            id: randomUUID(),
            created: isoSeconds(new Date()),
            from: AGENCY.code,
            to: CONTACT_CENTER.code,
            regNumber: tracking,
            replyTo: appealId,
            answer: {
              answeredAt: isoSeconds(new Date()),
              registration: { number: `В-ВИХ-${plan.index + 1}`, date: kyivDay(new Date()) },
              result: 'ЗАДОВОЛЕНО',
              signedBy: 'Керівник Служби В (демо)',
              text: 'Питання вирішено.',
            },
          });
    }
  }
}
