import { createPrivateKey, X509Certificate } from 'node:crypto';
import { EnvelopeSigner } from '../dsig/envelope-signer.js';
import { buildEnvelope } from '../envelope/envelope-builder.js';
import { SCHEMA_VERSION, type Envelope } from '../envelope/envelope-model.js';
import { envelopeSchema } from '../envelope/envelope-schema.js';
import { VkhidError } from '../errors/vkhid-error.js';
import type { HubContext } from '../hub/hub-context.js';

/** What a receipt for an accepted message says. */
export interface ReceiptRequest {
  /** MessageId of the receipt itself (a new UUID). */
  readonly receiptId: string;
  /** The accepted message's MessageId, as its sender wrote it. */
  readonly messageId: string;
  /** The accepted message's sender: the receipt's recipient. */
  readonly sender: string;
  readonly tracking: string | null;
  /** SHA-256 (hex) of the accepted message as received. */
  readonly receivedSha256: string;
  /** When the message was accepted. */
  readonly at: Date;
}

/**
 * Builds and signs the hub's `receipt` envelopes: header sender the hub's own code (`hub.code`), recipient
 * the message's sender, tracking and in-reply-to of the message; body Receipt { MessageRef, MessageDigest,
 * At, Accepted }. Signed with the hub's signing key and certificate (`<data>/pki/hub-sign.*`, decrypted with
 * VKHID_CA_PASSPHRASE when `vkhid init` encrypted them), so a participant verifies it with the hub CA as
 * anchor and the hub signing certificate pinned. The key is read on first use.
 */
export class HubReceiptSigner {
  private signer: EnvelopeSigner | undefined;

  constructor(private readonly hub: Pick<HubContext, 'config' | 'home'>) {}

  sign(request: ReceiptRequest): string {
    const at = request.at.toISOString();
    const envelope: Envelope = {
      header: {
        messageId: request.receiptId,
        type: 'receipt',
        createdAt: at,
        sender: this.hub.config.hub.code,
        recipient: request.sender,
        ...(request.tracking === null ? {} : { tracking: request.tracking }),
        inReplyTo: request.messageId,
        schemaVersion: SCHEMA_VERSION,
      },
      body: {
        type: 'receipt',
        receipt: {
          messageRef: request.messageId,
          messageDigest: request.receivedSha256,
          at,
          outcome: { kind: 'accepted' },
        },
      },
    };
    try {
      const xml = buildEnvelope(envelope);
      // The hub signs only what it would accept itself.
      envelopeSchema().validate(xml);
      return this.envelopeSigner().sign(xml);
    } catch (error) {
      // Everything here is the hub's own doing (its key, its certificate, its builder): never the client's
      // fault, so never a 4xx. The cause goes to the log.
      throw new VkhidError('INTERNAL', { cause: error });
    }
  }

  /**
   * Signs a canonical envelope (builder output) with the hub's key: documents the hub converted from a
   * participant's own format (see NativeIntake), which carry no signature of their sender.
   */
  signOnBehalf(xml: string): string {
    return this.envelopeSigner().sign(xml);
  }

  /** SHA-256 fingerprint of the hub signing certificate, as the registry keys certificates. */
  get fingerprint(): string {
    return new X509Certificate(this.hub.home.read('hub-sign.pem')).fingerprint256;
  }

  private envelopeSigner(): EnvelopeSigner {
    if (this.signer === undefined) {
      const passphrase = process.env.VKHID_CA_PASSPHRASE;
      const privateKey = createPrivateKey({
        key: this.hub.home.read('hub-sign.key'),
        ...(passphrase === undefined || passphrase === '' ? {} : { passphrase }),
      });
      this.signer = new EnvelopeSigner({
        privateKey,
        certificate: new X509Certificate(this.hub.home.read('hub-sign.pem')),
      });
    }
    return this.signer;
  }
}
