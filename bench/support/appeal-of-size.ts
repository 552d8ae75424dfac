import { randomBytes } from 'node:crypto';
import { attachmentFromBytes, buildEnvelope } from '../../gateway/envelope/envelope-builder.js';
import type { Envelope } from '../../gateway/envelope/envelope-model.js';

/**
 * An unsigned canonical appeal of about `targetBytes` once signed: text up to 8 KB, a random attachment above.
 * `change` adjusts the header (ids, codes) before it is built.
 */
export function appealOfSize(
  targetBytes: number,
  change: (envelope: Envelope) => void = () => undefined,
): string {
  const base: Envelope = {
    header: {
      messageId: '3f1c2a9e-8b7d-4c55-9e01-2b6f0d4a7c11',
      type: 'appeal',
      createdAt: '2026-11-25T09:30:00+02:00',
      sender: '00015622',
      recipient: '37471933',
      tracking: 'CC-2026-000123',
      schemaVersion: '1.0',
    },
    body: {
      type: 'appeal',
      appeal: {
        kind: 'citizen-appeal',
        channel: 'hotline',
        receivedAt: '2026-11-25T09:12:00+02:00',
        urgency: 'normal',
        restrictedAccess: false,
        applicant: {
          fullName: 'Шевченко Олена Петрівна',
          contacts: { phones: ['+380441234567'], emails: ['olena@example.com'] },
          address: 'м. Київ, вул. Хрещатик, 1',
          consent: { disclosure: true, personalData: true },
        },
        category: 'ROADS.REPAIR',
        subject: 'Ремонт дорожнього покриття',
        text: 'x',
        routing: { target: '37471933', basis: 'Компетенція щодо автомобільних доріг' },
        deadline: '2026-12-25',
      },
    },
  };
  const text = 'Прошу відремонтувати вибоїни на дорозі біля будинку. ';
  const skeleton = Buffer.byteLength(buildEnvelope(base));
  if (base.body.type !== 'appeal') throw new Error('unreachable');
  if (targetBytes <= 8192) {
    const need = Math.max(1, targetBytes - skeleton - 1800); // leave room for the signature
    base.body.appeal.text = text
      .repeat(Math.ceil(need / Buffer.byteLength(text)))
      .slice(0, Math.floor(need / 2));
  } else {
    base.body.appeal.text = text;
    const attachmentBytes = Math.floor(((targetBytes - skeleton - 2000) * 3) / 4);
    base.body.appeal.attachments = [
      attachmentFromBytes('photo.jpg', 'image/jpeg', randomBytes(attachmentBytes)),
    ];
  }
  change(base);
  return buildEnvelope(base);
}
