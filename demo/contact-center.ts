import { problemCode, type HubClient } from './hub-client.js';
import type { CanonicalSender } from './canonical-messages.js';
import { AGENCIES } from './demo-participants.js';
import type { PlannedAppeal } from './demo-plan.js';
import { isoSeconds } from './demo-time.js';
import { computeDeadlines } from '../gateway/deadlines/appeal-deadlines.js';
import { WorkingCalendar } from '../gateway/deadlines/working-calendar.js';
import type { Appeal, AppealKind } from '../gateway/envelope/envelope-model.js';

/** Synthetic applicants: the demo carries no real person's data. */
const GIVEN = ['Олена', 'Тарас', 'Ірина', 'Богдан', 'Оксана', 'Андрій', 'Марія', 'Петро'];
const FAMILY = ['Демо-Коваленко', 'Демо-Шевчук', 'Демо-Бондар', 'Демо-Мельник', 'Демо-Ткаченко'];

const SUBJECTS: Record<string, string> = {
  roads: 'Вибоїни на дорозі',
  utilities: 'Відсутнє гаряче водопостачання',
  'social-benefits': 'Затримка виплати допомоги',
  healthcare: 'Запис до лікаря',
  education: 'Місця в дитячому садку',
  transport: 'Графік руху автобуса',
};

/** What each kind asks for, and the law the contact center routes it under. */
const KINDS = {
  'citizen-appeal': {
    subject: (topic: string) => topic,
    text: (topic: string) => `${topic}. Прошу розглянути та вжити заходів.`,
    basis: 'Закон України «Про звернення громадян», ст. 7',
  },
  'public-info-request': {
    subject: (topic: string) => `Запит на інформацію: ${topic.toLocaleLowerCase('uk')}`,
    text: (topic: string) =>
      `Прошу надати публічну інформацію щодо питання «${topic}»: плани робіт, строки та відповідальних.`,
    basis: 'Закон України «Про доступ до публічної інформації», ст. 19',
  },
} as const satisfies Partial<Record<AppealKind, unknown>>;

let calendar: WorkingCalendar | undefined;

/**
 * The appeal as the contact center registered it, routed to the agency the plan names. A repeat carries the
 * applicant and the subject of the appeal it repeats; the deadline it states is the statutory one for its kind
 * (30 days, or 5 working days for an information request, on config/calendar.json).
 */
export function appealOf(plan: PlannedAppeal): Appeal {
  const agency = AGENCIES[plan.agency];
  const person = plan.repeatOf ?? plan.index;
  const kind = plan.kind === 'public-info-request' ? KINDS['public-info-request'] : KINDS['citizen-appeal'];
  const topic = SUBJECTS[plan.category] ?? 'Звернення';
  const deadlines = computeDeadlines(
    { kind: plan.kind, registeredAt: plan.receivedAt, urgent: plan.urgent },
    (calendar ??= WorkingCalendar.load()),
  );
  return {
    kind: plan.kind,
    channel: plan.channel,
    receivedAt: isoSeconds(plan.receivedAt),
    urgency: plan.urgent ? 'urgent' : 'normal',
    restrictedAccess: false,
    applicant: {
      fullName: `${FAMILY[person % FAMILY.length]} ${GIVEN[person % GIVEN.length]}`,
      contacts: { phones: [`+38050${String(1_000_000 + person).slice(-7)}`], emails: [] },
      consent: { disclosure: false, personalData: true },
    },
    category: plan.category,
    subject: `${kind.subject(topic)} (демо ${person + 1})`,
    text: `${kind.text(topic)} Звернення згенероване демонстрацією Vkhid.`,
    routing: { target: agency.code, basis: kind.basis },
    deadline: deadlines.answerBy.date,
  };
}

/**
 * The Government Contact Center: signs each appeal with its own certificate and posts it to the hub over
 * mutual TLS, a few at a time. Resolves with the refusals (none expected).
 */
export async function sendBatch(
  plans: readonly PlannedAppeal[],
  sender: CanonicalSender,
  client: HubClient,
  onSent: () => void,
  concurrency = 12,
): Promise<string[]> {
  const failures: string[] = [];
  let next = 0;
  const worker = async (): Promise<void> => {
    for (;;) {
      const plan = plans[next];
      next += 1;
      if (plan === undefined) return;
      const xml = sender.sign({ type: 'appeal', appeal: appealOf(plan) }, AGENCIES[plan.agency].code, {
        tracking: plan.tracking,
      });
      const reply = await client.post(xml, 'application/xml');
      if (reply.status !== 202) {
        failures.push(
          `${plan.tracking}: HTTP ${reply.status} ${problemCode(reply) ?? reply.body.slice(0, 200)}`,
        );
      }
      onSent();
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  return failures;
}
