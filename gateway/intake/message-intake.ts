import type { ActorRole } from '../lifecycle/lifecycle-model.js';
import type { ParticipantKind } from '../registry/registry-model.js';
import { createHash } from 'node:crypto';
import { VkhidError } from '../errors/vkhid-error.js';
import type { HubContext } from '../hub/hub-context.js';
import { deliveryPriority } from '../queue/delivery-job.js';
import type { StoredMessage } from '../queue/message-store.js';
import type { IntakeLimits } from '../xml/xml-intake.js';
import type { ClientIdentity } from './client-certificate.js';
import { verifyExchange } from './exchange-verification.js';
import { acceptedMessage } from './accepted-message.js';
import { HubReceiptSigner } from './receipt-signer.js';

export interface MessageIntakeOptions {
  /** Intake limits (default: the hub's `config.intake`). */
  readonly limits?: IntakeLimits;
  readonly now?: () => Date;
}

/** What the intake answers an acceptable post with: the signed receipt, new or the one given before. */
export interface IntakeOutcome {
  /** `accepted`: stored now; `repeated`: the identical message was accepted before and nothing was stored. */
  readonly outcome: 'accepted' | 'repeated';
  /** The stored key of the message (its MessageId in lower case). */
  readonly messageId: string;
  readonly type: string;
  readonly sender: string;
  readonly recipient: string;
  readonly receivedSha256: string;
  /** The signed receipt envelope, byte for byte the same for every repeat. */
  readonly receiptXml: string;
}

/**
 * Takes one signed envelope from an authenticated participant and either stores it with its delivery job and
 * answers with a signed receipt, or refuses it with a coded error and stores nothing. Independent of HTTP: the
 * messages router (and later other intakes, such as adapters) call it.
 *
 * Idempotency, keyed by MessageId (case-insensitively) and the SHA-256 of the bytes as received:
 * - the identical document again: the stored receipt again, nothing new stored. This is decided before the
 *   document is verified again, so a sender retrying after a lost answer gets the answer it missed even if,
 *   since, a certificate expired or a memorandum lapsed: the message was accepted and will be delivered;
 * - the same MessageId with a different document: INTAKE_DUPLICATE_ID, nothing stored;
 * - concurrent posts of one message: the primary key lets exactly one transaction store it; the others answer
 *   with the winner's receipt.
 */
export class MessageIntake {
  private readonly limits: IntakeLimits;
  private readonly now: () => Date;
  private readonly receipts: HubReceiptSigner;

  constructor(
    private readonly hub: HubContext,
    options: MessageIntakeOptions = {},
  ) {
    this.limits = options.limits ?? hub.config.intake;
    this.now = options.now ?? (() => new Date());
    this.receipts = new HubReceiptSigner(hub);
  }

  async accept(bytes: Uint8Array, client: ClientIdentity): Promise<IntakeOutcome> {
    const receivedSha256 = createHash('sha256').update(bytes).digest('hex');

    // The identical bytes were verified and accepted before: answer as then (the client must still be the sender).
    const identical = await this.hub.messages.findBySha256(receivedSha256);
    if (identical !== undefined) return this.repeat(identical, client);

    const { verified, envelope } = await verifyExchange(this.hub, bytes, {
      limits: this.limits,
      now: this.now,
      beforeAuthorization: (signed) => {
        if (signed.sender !== client.participantCode) {
          throw new VkhidError('INTAKE_SENDER_MISMATCH', { args: [client.participantCode, signed.sender] });
        }
      },
    });

    // Refuse a reused MessageId before signing a receipt for it (the transaction below decides races).
    const sameId = await this.hub.messages.findByMessageId(verified.messageId);
    if (sameId !== undefined) return this.settle(sameId, receivedSha256, client);

    const receivedAt = this.now();
    const senderRole = roleOf((await this.hub.registry.getParticipant(envelope.header.sender)).kind);
    const stored = await this.hub.messages.storeAccepted(
      acceptedMessage(
        envelope,
        {
          receivedBytes: bytes,
          receivedSha256,
          signedXml: verified.signedXml,
          signerFingerprint: verified.signer.fingerprint,
          clientFingerprint: client.fingerprint,
        },
        this.receipts,
        receivedAt,
      ),
      deliveryPriority(envelope),
      (tx) => this.hub.tracker.onAccepted(tx, envelope, { senderRole, acceptedAt: receivedAt.toISOString() }),
    );
    if (stored.kind === 'existing') return this.settle(stored.message, receivedSha256, client);
    return intakeOutcome('accepted', stored.message);
  }

  /** A message with this MessageId is stored: the same document is a repeat, another one a duplicate id. */
  private settle(stored: StoredMessage, receivedSha256: string, client: ClientIdentity): IntakeOutcome {
    if (stored.receivedSha256 !== receivedSha256) {
      throw new VkhidError('INTAKE_DUPLICATE_ID', { args: [stored.messageId] });
    }
    return this.repeat(stored, client);
  }

  private repeat(stored: StoredMessage, client: ClientIdentity): IntakeOutcome {
    if (stored.sender !== client.participantCode) {
      throw new VkhidError('INTAKE_SENDER_MISMATCH', { args: [client.participantCode, stored.sender] });
    }
    return intakeOutcome('repeated', stored);
  }
}

/** The answer to an accepted or repeated message, from its stored row. */
export function intakeOutcome(kind: IntakeOutcome['outcome'], message: StoredMessage): IntakeOutcome {
  return {
    outcome: kind,
    messageId: message.messageId,
    type: message.type,
    sender: message.sender,
    recipient: message.recipient,
    receivedSha256: message.receivedSha256,
    receiptXml: message.receiptXml,
  };
}

/** The lifecycle role of a participant of this registry kind. */
export function roleOf(kind: ParticipantKind): ActorRole {
  return kind === 'contact-center' ? 'contact-center' : 'agency';
}
