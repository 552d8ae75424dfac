import { randomUUID } from 'node:crypto';
import type { Envelope } from '../envelope/envelope-model.js';
import type { AcceptedMessage } from '../queue/message-store.js';
import type { HubReceiptSigner } from './receipt-signer.js';

/**
 * How the hub knows who a message is from, stored with it: the bytes as received and what vouches for them.
 * For a signed envelope the sender's signature and its TLS client certificate; for a document converted from a
 * participant's own format, or an appeal the hub sends on after a redirect, the hub's signature and the
 * channel or event that brought it (`clientFingerprint` says which).
 */
export interface ProofOfOrigin {
  readonly receivedBytes: Uint8Array;
  /** SHA-256 (hex) of `receivedBytes`. */
  readonly receivedSha256: string;
  /** The exclusive-c14n signed content (without the Signature). */
  readonly signedXml: string;
  readonly signerFingerprint: string;
  readonly clientFingerprint: string;
}

/**
 * The record the message store keeps for an accepted `envelope`, with the hub's signed receipt for it: the one
 * shape every intake (signed envelopes, native documents, the hub's own forwards) stores, so that none of them
 * can forget a field the ledger, the delivery worker or the repeat check relies on.
 */
export function acceptedMessage(
  envelope: Envelope,
  proof: ProofOfOrigin,
  receipts: HubReceiptSigner,
  at: Date,
  receiptId: string = randomUUID(),
): AcceptedMessage {
  const { header, body } = envelope;
  return {
    messageId: header.messageId,
    type: header.type,
    sender: header.sender,
    recipient: header.recipient,
    tracking: header.tracking ?? null,
    inReplyTo: header.inReplyTo ?? null,
    urgency: body.type === 'appeal' ? body.appeal.urgency : null,
    createdAt: header.createdAt,
    ...proof,
    receiptId,
    receiptXml: receipts.sign({
      receiptId,
      messageId: header.messageId,
      sender: header.sender,
      tracking: header.tracking ?? null,
      receivedSha256: proof.receivedSha256,
      at,
    }),
    receivedAt: at.toISOString(),
  };
}
