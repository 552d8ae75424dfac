import { createPrivateKey, randomUUID, X509Certificate } from 'node:crypto';
import { EnvelopeSigner } from '../gateway/dsig/envelope-signer.js';
import { buildEnvelope } from '../gateway/envelope/envelope-builder.js';
import {
  SCHEMA_VERSION,
  type Answer,
  type Envelope,
  type EnvelopeBody,
  type StatusOutcome,
} from '../gateway/envelope/envelope-model.js';
import type { KeyAndCertificate } from './demo-hub.js';
import { isoSeconds } from './demo-time.js';

/** Builds and signs canonical envelopes for one participant with the signing certificate the hub issued it. */
export class CanonicalSender {
  private readonly signer: EnvelopeSigner;

  constructor(
    readonly code: string,
    signing: KeyAndCertificate,
  ) {
    this.signer = new EnvelopeSigner({
      privateKey: createPrivateKey(signing.privateKeyPem),
      certificate: new X509Certificate(signing.certificatePem),
    });
  }

  /** The signed XML of a message from this participant. */
  sign(
    body: EnvelopeBody,
    to: string,
    about: { readonly tracking?: string; readonly inReplyTo?: string },
    at = new Date(),
  ): string {
    const envelope: Envelope = {
      header: {
        messageId: randomUUID(),
        type: body.type,
        createdAt: isoSeconds(at),
        sender: this.code,
        recipient: to,
        ...(about.tracking === undefined ? {} : { tracking: about.tracking }),
        ...(about.inReplyTo === undefined ? {} : { inReplyTo: about.inReplyTo }),
        schemaVersion: SCHEMA_VERSION,
      },
      body,
    };
    return this.signer.sign(buildEnvelope(envelope));
  }

  status(outcome: StatusOutcome, to: string, about: { tracking: string; inReplyTo: string }): string {
    return this.sign({ type: 'status', status: { at: isoSeconds(new Date()), outcome } }, to, about);
  }

  /**
   * The `delivered` receipt for a message this participant took from its inbox: addressed to the message's
   * sender, about the same appeal, naming the message and the SHA-256 of its signed bytes as received.
   */
  delivered(message: { messageId: string; sender: string; tracking?: string; sha256: string }): string {
    return this.sign(
      {
        type: 'receipt',
        receipt: {
          messageRef: message.messageId,
          messageDigest: message.sha256,
          at: isoSeconds(new Date()),
          outcome: { kind: 'delivered' },
        },
      },
      message.sender,
      {
        ...(message.tracking === undefined ? {} : { tracking: message.tracking }),
        inReplyTo: message.messageId,
      },
    );
  }

  answer(answer: Answer, to: string, about: { tracking: string; inReplyTo: string }): string {
    return this.sign({ type: 'answer', answer }, to, about);
  }
}
