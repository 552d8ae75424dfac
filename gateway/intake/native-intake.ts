import { createHash } from 'node:crypto';
import { derivedUuid } from '../derived-uuid.js';
import type { AdapterRegistry } from '../adapters/adapter-registry.js';
import type { NativeDocument } from '../adapters/adapter.js';
import { XML_DECLARATION, buildEnvelope } from '../envelope/envelope-builder.js';
import type { Envelope } from '../envelope/envelope-model.js';
import { envelopeSchema } from '../envelope/envelope-schema.js';
import { VkhidError } from '../errors/vkhid-error.js';
import type { HubContext } from '../hub/hub-context.js';
import { deliveryPriority } from '../queue/delivery-job.js';
import type { StoredMessage } from '../queue/message-store.js';
import { scopeOfAppealKind } from '../registry/registry-model.js';
import { intakeOutcome, roleOf, type IntakeOutcome } from './message-intake.js';
import { acceptedMessage } from './accepted-message.js';
import { HubReceiptSigner } from './receipt-signer.js';

/** Where a converted document came from: who, by which channel, and the hash of the native bytes. */
export interface NativeOrigin {
  /** The participant the document is from: authenticated by the channel (mutual TLS, its drop folder, an operator's import). */
  readonly participantCode: string;
  /** The channel: `http`, `file-drop`, `cli-import`. */
  readonly via: string;
  /** SHA-256 (hex) of the native document as received. */
  readonly nativeSha256: string;
}

/**
 * The intake for documents in a participant's own format (issue #5). The participant's adapter converts the
 * document to a canonical message (validated by the runtime), the registry authorises the exchange exactly as
 * for a signed envelope (sender and recipient active, memoranda in force and in scope), and the hub signs the
 * canonical envelope on the participant's behalf: such documents carry no signature the hub could check, so
 * the proof of origin is the authenticated channel, recorded with the message (`client_fingerprint` holds
 * `<via>:<sha256 of the native bytes>`). Stored with its delivery job in one transaction and answered with the
 * hub's signed receipt, as any accepted message.
 *
 * Idempotent by MessageId: the same canonical content again is a repeat (the stored receipt, nothing new);
 * other content under a used MessageId is INTAKE_DUPLICATE_ID. Adapters derive MessageIds from the document
 * (its own id, or a hash of its content), so a file handed over twice (a crash between intake and moving the
 * file, an import run again) is stored once.
 */
export class NativeIntake {
  private readonly receipts: HubReceiptSigner;

  constructor(
    private readonly hub: HubContext,
    private readonly adapters: AdapterRegistry,
    private readonly now: () => Date = () => new Date(),
  ) {
    this.receipts = new HubReceiptSigner(hub);
  }

  /** Converts `document` with the participant's adapter, then `acceptCanonical`. */
  async accept(document: NativeDocument, origin: Omit<NativeOrigin, 'nativeSha256'>): Promise<IntakeOutcome> {
    const participant = await this.hub.registry.getParticipant(origin.participantCode);
    const adapter = this.adapters.create(participant.adapter, participant.adapterSettings);
    const nativeSha256 = createHash('sha256').update(document.bytes).digest('hex');
    const { envelope } = await adapter.toCanonical(document, {
      hubCode: this.hub.config.hub.code,
      participantCode: participant.code,
      now: this.now,
      newId: contentDerivedIds(participant.code, nativeSha256),
    });
    return this.acceptCanonical(envelope, { ...origin, nativeSha256 });
  }

  async acceptCanonical(envelope: Envelope, origin: NativeOrigin): Promise<IntakeOutcome> {
    const { header } = envelope;
    if (header.sender !== origin.participantCode) {
      throw new VkhidError('INTAKE_SENDER_MISMATCH', { args: [origin.participantCode, header.sender] });
    }
    const xml = buildEnvelope(envelope);
    envelopeSchema().validate(xml);
    // The builder writes exclusive-c14n form: without the declaration it is exactly what the signature covers.
    const signedXml = xml.slice(XML_DECLARATION.length);

    const sameId = await this.hub.messages.findByMessageId(header.messageId);
    if (sameId !== undefined) return this.settle(sameId, signedXml, origin);

    const at = this.now();
    const appeal = envelope.body.type === 'appeal' ? envelope.body.appeal : undefined;
    await this.hub.registry.authorizeExchange({
      sender: header.sender,
      recipient: header.recipient,
      scope: appeal === undefined ? null : scopeOfAppealKind(appeal.kind),
      channel: appeal?.channel ?? null,
      at,
      messageId: header.messageId,
      messageType: header.type,
    });
    const senderRole = roleOf((await this.hub.registry.getParticipant(header.sender)).kind);
    const signed = Buffer.from(this.receipts.signOnBehalf(xml), 'utf8');
    const receivedSha256 = createHash('sha256').update(signed).digest('hex');
    const stored = await this.hub.messages.storeAccepted(
      acceptedMessage(
        envelope,
        {
          receivedBytes: signed,
          receivedSha256,
          signedXml,
          signerFingerprint: this.receipts.fingerprint,
          clientFingerprint: `${origin.via}:${origin.nativeSha256}`,
        },
        this.receipts,
        at,
      ),
      deliveryPriority(envelope),
      (tx) => this.hub.tracker.onAccepted(tx, envelope, { senderRole, acceptedAt: at.toISOString() }),
    );
    if (stored.kind === 'existing') return this.settle(stored.message, signedXml, origin);
    return intakeOutcome('accepted', stored.message);
  }

  private settle(stored: StoredMessage, signedXml: string, origin: NativeOrigin): IntakeOutcome {
    // The same native bytes again are a repeat even when the conversion differs (a format without a creation
    // time takes the clock's): a file handed over twice after a crash must not be refused as a new document.
    const sameNative = stored.clientFingerprint.endsWith(`:${origin.nativeSha256}`);
    if (stored.signedXml !== signedXml && !sameNative) {
      throw new VkhidError('INTAKE_DUPLICATE_ID', { args: [stored.messageId] });
    }
    if (stored.sender !== origin.participantCode) {
      throw new VkhidError('INTAKE_SENDER_MISMATCH', { args: [origin.participantCode, stored.sender] });
    }
    return intakeOutcome('repeated', stored);
  }
}

/**
 * `newId()` for a native document without ids of its own: UUIDs (version 8 layout) derived from the
 * participant and the document's hash, the first call giving the first id and so on, so the same document
 * converts to the same MessageId every time.
 */
export function contentDerivedIds(participantCode: string, nativeSha256: string): () => string {
  let counter = 0;
  return () => derivedUuid(`${participantCode}:${nativeSha256}:${counter++}`);
}
