import { EnvelopeVerifier } from '../dsig/envelope-verifier.js';
import type { ReceiptOutcome } from '../envelope/envelope-model.js';
import { readEnvelope } from '../envelope/envelope-reader.js';
import { envelopeSchema } from '../envelope/envelope-schema.js';
import { VkhidError } from '../errors/vkhid-error.js';
import type { HubContext } from '../hub/hub-context.js';
import { messageKey } from '../queue/message-store.js';

/** A recipient's receipt that proves it holds a message. */
export interface VerifiedReceipt {
  readonly receiptId: string;
  readonly sha256: string;
  readonly outcome: ReceiptOutcome['kind'];
}

/**
 * Verifies `bytes` as the receipt of `recipient` for message `messageId`: a signed envelope (EnvelopeVerifier
 * with the hub's registry trust store: a signing certificate bound to the sender, not revoked, chaining to the
 * hub CA or an anchor), of type `receipt`, sent by the recipient itself, whose Receipt refers to the message
 * (MessageRef compared case-insensitively, as MessageIds are). Any outcome (delivered, accepted, registered,
 * refused) proves the recipient has the message. The verifier's own codes (SIGNATURE_*, CERT_*, ...) or
 * DELIVERY_RECEIPT_INVALID otherwise.
 */
export async function verifyRecipientReceipt(
  hub: Pick<HubContext, 'trustStore'>,
  bytes: Uint8Array,
  expected: { readonly messageId: string; readonly recipient: string },
  now: () => Date = () => new Date(),
): Promise<VerifiedReceipt> {
  const verifier = new EnvelopeVerifier({ trustStore: hub.trustStore, schema: envelopeSchema(), now });
  const verified = await verifier.verify(bytes);
  const refuse = (why: string): VkhidError => new VkhidError('DELIVERY_RECEIPT_INVALID', { args: [why] });
  if (verified.sender !== expected.recipient) {
    throw refuse(`it is signed for ${verified.sender}, not for the recipient ${expected.recipient}`);
  }
  const envelope = readEnvelope(verified.signedXml);
  if (envelope.body.type !== 'receipt') throw refuse(`it is a ${envelope.body.type}, not a receipt`);
  const ref = envelope.body.receipt.messageRef;
  if (messageKey(ref) !== messageKey(expected.messageId)) {
    throw refuse(`it refers to message ${ref}, not ${expected.messageId}`);
  }
  return {
    receiptId: envelope.header.messageId,
    sha256: verified.receivedSha256,
    outcome: envelope.body.receipt.outcome.kind,
  };
}
