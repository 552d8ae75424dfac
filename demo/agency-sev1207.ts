import { randomUUID } from 'node:crypto';
import { SEV1207_MEDIA_TYPE } from '../adapters/sev-ovv-1207/sev1207-adapter.js';
import type { EndpointAnswer } from './agency-endpoint.js';
import { newStats, type AgencyReader } from './agency-adapter.js';
import type { CanonicalSender } from './canonical-messages.js';
import { AGENCIES, CONTACT_CENTER } from './demo-participants.js';
import { followUps, type FollowUp, type PlannedAppeal } from './demo-plan.js';
import { isoSeconds, kyivDay } from './demo-time.js';
import type { FollowUpRunner, Step } from './follow-up-runner.js';
import type { HubClient } from './hub-client.js';

const AGENCY = AGENCIES.sev1207;

/** A СЕВ ОВВ «1207» acknowledgement (ДС15 registered, ДС16 refused), as IT-Enterprise writes one. */
function acknowledgement(fields: {
  appealId: string;
  to: string;
  registered?: { number: string; date: string };
  refusal?: string;
}): string {
  const result =
    fields.registered === undefined
      ? `<AckResult errorcode="0" errortext="${fields.refusal ?? ''}" />`
      : `<RegNumber regdate="${fields.registered.date}">${fields.registered.number}</RegNumber>\n    <AckResult errorcode="0" errortext="" />`;
  return (
    `<?xml version="1.0" encoding="utf-8"?>\n` +
    `<Header standart="1207" version="1.5" charset="UTF-8" time="${isoSeconds(new Date())}" msg_type="0" ` +
    `msg_id="${randomUUID()}" msg_acknow="0" from_org_id="${AGENCY.code}" from_organization="Агентство А" ` +
    `from_sys_id="052dfd86-34c4-4053-993e-21d9888465f6" from_system="IT-Enterprise" ` +
    `from_system_details="2015.10.00.06" to_org_id="${fields.to}" to_organization="Урядовий контактний центр" ` +
    `to_sys_id="8d0f3c52-9a61-4f0e-b7a4-1207a0b0c0de" to_system="Vkhid">\n` +
    `  <Acknowledgement msg_id="${fields.appealId}" ack_type="${fields.registered === undefined ? 4 : 3}">\n` +
    `    ${result}\n  </Acknowledgement>\n</Header>\n`
  );
}

/**
 * Agency A's СЕВ ОВВ «1207» system behind HTTPS. It answers each push with its acknowledgement (ack_type 3
 * with its registration number, or 4 when it refuses the document): the hub converts it to a canonical
 * receipt. 1207 has no message for "under consideration" or an extension, so those statuses and its answers
 * go to the hub as canonical envelopes signed with its own certificate.
 */
export class Sev1207Agency {
  readonly stats = newStats();
  private readonly registeredIds = new Map<string, string>();
  private numbers = 0;

  constructor(
    private readonly plans: ReadonlyMap<string, PlannedAppeal>,
    private readonly reader: AgencyReader,
    private readonly sender: CanonicalSender,
    private readonly hub: HubClient,
    private readonly runner: FollowUpRunner,
  ) {}

  async receive(body: Buffer): Promise<EndpointAnswer> {
    const envelope = await this.reader.read({ bytes: body, mediaType: SEV1207_MEDIA_TYPE });
    const { messageId, tracking } = envelope.header;
    this.stats.received += 1;
    const plan = tracking === undefined ? undefined : this.plans.get(tracking);
    if (plan === undefined || tracking === undefined) {
      return { status: 400, type: 'text/plain', body: `unknown appeal ${tracking ?? '(no tracking)'}` };
    }
    const to = envelope.header.sender;
    const forwarded = plan.agency !== 'sev1207';
    if (plan.scenario === 'refused' && !forwarded) {
      this.stats.refused += 1;
      const refusal = 'Документ відхилено: звернення не підписане заявником';
      return {
        status: 200,
        type: SEV1207_MEDIA_TYPE,
        body: acknowledgement({ appealId: messageId, to, refusal }),
      };
    }
    let number = this.registeredIds.get(messageId);
    if (number === undefined) {
      this.numbers += 1;
      number = `А-${this.numbers}/${kyivDay(new Date()).slice(2, 4)}-вх`;
      this.registeredIds.set(messageId, number);
      this.stats.registered += 1;
      this.runner.schedule(
        tracking,
        followUps(plan.scenario, forwarded).map((step) => this.step(step, tracking, messageId, plan)),
      );
    } else {
      this.stats.repeats += 1;
    }
    const registered = { number, date: kyivDay(new Date()) };
    return {
      status: 200,
      type: SEV1207_MEDIA_TYPE,
      body: acknowledgement({ appealId: messageId, to, registered }),
    };
  }

  private step(step: FollowUp, tracking: string, inReplyTo: string, plan: PlannedAppeal): Step {
    const about = { tracking, inReplyTo };
    const post = (xml: string) => this.hub.post(xml, 'application/xml');
    switch (step) {
      case 'consider':
        return () => post(this.sender.status({ kind: 'under-consideration' }, CONTACT_CENTER.code, about));
      case 'extend':
        return () =>
          post(
            this.sender.status(
              {
                kind: 'deadline-extended',
                newDeadline: kyivDay(new Date(plan.receivedAt.getTime() + 40 * 86_400_000)),
                reason: 'Потрібна перевірка на місці (ст. 20 Закону «Про звернення громадян»)',
              },
              CONTACT_CENTER.code,
              about,
            ),
          );
      case 'answer':
        return () =>
          post(
            this.sender.answer(
              {
                answeredAt: isoSeconds(new Date()),
                registration: { number: `А-ВИХ-${plan.index + 1}`, date: kyivDay(new Date()) },
                result: 'explained',
                signatory: 'Голова Агентства А (демо)',
                text: 'Надано роз’яснення щодо порушеного питання.',
              },
              CONTACT_CENTER.code,
              about,
            ),
          );
      case 'redirect':
        throw new Error('agency A does not redirect in the demo');
    }
  }
}
