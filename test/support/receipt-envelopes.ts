import { randomUUID } from 'node:crypto';
import { SCHEMA_VERSION, type Envelope } from '../../gateway/envelope/envelope-model.js';

/** The `delivered` receipt an agency endpoint answers a delivery with (unsigned; the caller signs it). */
export function receiptFor(from: string, messageRef: string, to = '00015622'): Envelope {
  const at = new Date().toISOString();
  return {
    header: {
      messageId: randomUUID(),
      type: 'receipt',
      createdAt: at,
      sender: from,
      recipient: to,
      inReplyTo: messageRef,
      schemaVersion: SCHEMA_VERSION,
    },
    body: { type: 'receipt', receipt: { messageRef, at, outcome: { kind: 'delivered' } } },
  };
}
