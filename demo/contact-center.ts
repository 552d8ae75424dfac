import { problemCode, type HubClient } from './hub-client.js';
import type { CanonicalSender } from './canonical-messages.js';
import { AGENCIES } from './demo-participants.js';
import type { PlannedAppeal } from './demo-plan.js';
import { DAY_MS, isoSeconds, kyivDay } from './demo-time.js';
import type { Appeal } from '../gateway/envelope/envelope-model.js';

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

/** The appeal as the contact center registered it, routed to the agency the plan names. */
export function appealOf(plan: PlannedAppeal): Appeal {
  const agency = AGENCIES[plan.agency];
  const subject = SUBJECTS[plan.category] ?? 'Звернення';
  return {
    kind: 'citizen-appeal',
    channel: plan.channel,
    receivedAt: isoSeconds(plan.receivedAt),
    urgency: plan.urgent ? 'urgent' : 'normal',
    restrictedAccess: false,
    applicant: {
      fullName: `${FAMILY[plan.index % FAMILY.length]} ${GIVEN[plan.index % GIVEN.length]}`,
      contacts: { phones: [`+38050${String(1_000_000 + plan.index).slice(-7)}`], emails: [] },
      consent: { disclosure: false, personalData: true },
    },
    category: plan.category,
    subject: `${subject} (демо ${plan.index + 1})`,
    text: `${subject}. Прошу розглянути та вжити заходів. Звернення згенероване демонстрацією Vkhid.`,
    routing: { target: agency.code, basis: 'Закон України «Про звернення громадян», ст. 7' },
    deadline: kyivDay(new Date(plan.receivedAt.getTime() + 30 * DAY_MS)),
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
