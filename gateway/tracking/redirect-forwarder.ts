import { createHash } from 'node:crypto';
import { derivedUuid } from '../derived-uuid.js';
import { XML_DECLARATION, buildEnvelope } from '../envelope/envelope-builder.js';
import { SCHEMA_VERSION, type Envelope } from '../envelope/envelope-model.js';
import { readEnvelope } from '../envelope/envelope-reader.js';
import { envelopeSchema } from '../envelope/envelope-schema.js';
import { VkhidError } from '../errors/vkhid-error.js';
import { acceptedMessage } from '../intake/accepted-message.js';
import type { HubReceiptSigner } from '../intake/receipt-signer.js';
import type { AppealLifecycle, RedirectEvent, RouteEvent } from '../lifecycle/lifecycle-model.js';
import { deliveryPriority } from '../queue/delivery-job.js';
import { insertAccepted } from '../queue/message-store.js';
import type { Registry } from '../registry/registry.js';
import { scopeOfAppealKind } from '../registry/registry-model.js';
import type { Row, StoreConnection } from '../store/store-driver.js';

/** Why the hub did not send a redirected appeal on: the contact center decides instead (re-route or close). */
export type NotForwarded =
  'not-a-participant' | 'not-an-agency' | 'not-active' | 'no-memorandum' | 'no-appeal-message';

export type ForwardOutcome =
  | { readonly forwarded: true; readonly route: RouteEvent; readonly messageId: string }
  | { readonly forwarded: false; readonly why: NotForwarded };

/** Prefix of `client_fingerprint` for appeals the hub sent on itself: the proof of origin is the redirect. */
export const FORWARD_ORIGIN = 'hub-redirect:';

/**
 * Sends a redirected appeal on to the body the holder named (issue #6, item 2: "a redirect sends the appeal on
 * to the new agency if it is a participant in scope"), inside the transaction that accepts the redirect:
 * the redirect, the appeal sent on, its delivery job, its ledger entry and the lifecycle's `route` are stored
 * together or not at all, so a crash can neither lose the forward nor send it twice.
 *
 * The appeal sent on is the contact center's last appeal message for the tracking number, with a new header:
 * sender the contact center (the appeal stays the contact center's: the new agency's receipts, statuses and
 * answer go to it, as for any appeal it routed), recipient the named body, InReplyTo the redirect, routing
 * target the named body and basis the redirect's reason. Its sender's signature no longer covers the new
 * header, so the hub signs it, as it signs documents converted from a participant's own format; the stored
 * origin (`hub-redirect:<redirect MessageId>`) says why.
 *
 * The hub forwards only within what the registry allows the contact center itself: the named body must be an
 * active agency and both must have memoranda in force for the appeal's kind and channel. Otherwise nothing is
 * forwarded, the appeal stays `redirected`, and the contact center (which received the redirect) decides.
 */
export class RedirectForwarder {
  constructor(
    private readonly registry: Registry,
    private readonly signer: HubReceiptSigner,
    private readonly hubCode: string,
  ) {}

  /** `at`: when the hub accepted the redirect; the forward is sent and routed at that instant. */
  async forward(
    tx: StoreConnection,
    lifecycle: AppealLifecycle,
    redirect: RedirectEvent,
    at: string,
  ): Promise<ForwardOutcome> {
    const refusal = await this.whyNot(tx, lifecycle, redirect, new Date(Date.parse(at)));
    if (refusal !== undefined) return { forwarded: false, why: refusal };
    const original = await lastAppealMessage(tx, lifecycle.tracking, lifecycle.contactCenter);
    if (original === undefined) return { forwarded: false, why: 'no-appeal-message' };

    const messageId = derivedUuid(
      `vkhid forward\n${lifecycle.tracking}\n${redirect.messageId ?? redirect.at}`,
    );
    const envelope: Envelope = {
      header: {
        messageId,
        type: 'appeal',
        createdAt: at,
        sender: lifecycle.contactCenter,
        recipient: redirect.to,
        tracking: lifecycle.tracking,
        ...(redirect.messageId === undefined ? {} : { inReplyTo: redirect.messageId }),
        schemaVersion: SCHEMA_VERSION,
      },
      body: original.body,
    };
    if (envelope.body.type !== 'appeal') return { forwarded: false, why: 'no-appeal-message' };
    envelope.body = {
      type: 'appeal',
      appeal: {
        ...envelope.body.appeal,
        routing: { target: redirect.to, basis: basisOf(redirect) },
      },
    };

    let signed: Buffer;
    let signedXml: string;
    try {
      const xml = buildEnvelope(envelope);
      // The hub signs only what it would accept itself.
      envelopeSchema().validate(xml);
      signedXml = xml.slice(XML_DECLARATION.length);
      signed = Buffer.from(this.signer.signOnBehalf(xml), 'utf8');
    } catch (error) {
      // The content passed the schema when the contact center sent it; a failure here is the hub's own.
      throw new VkhidError('INTERNAL', { cause: error });
    }
    const receivedSha256 = createHash('sha256').update(signed).digest('hex');
    const stored = await insertAccepted(
      tx,
      acceptedMessage(
        envelope,
        {
          receivedBytes: signed,
          receivedSha256,
          signedXml,
          signerFingerprint: this.signer.fingerprint,
          clientFingerprint: `${FORWARD_ORIGIN}${redirect.messageId ?? ''}`,
        },
        this.signer,
        new Date(Date.parse(at)),
        derivedUuid(`vkhid forward receipt\n${messageId}`),
      ),
      deliveryPriority(envelope),
    );
    // The id is derived from the redirect, which is itself accepted once: a stored one means a bug upstream.
    if (stored.kind === 'existing') {
      throw new VkhidError('INTERNAL', {
        cause: new Error(`forward ${messageId} of ${lifecycle.tracking} exists`),
      });
    }
    return {
      forwarded: true,
      messageId,
      route: {
        type: 'route',
        tracking: lifecycle.tracking,
        at,
        by: { role: 'hub', participant: this.hubCode },
        messageId,
        to: redirect.to,
      },
    };
  }

  private async whyNot(
    tx: StoreConnection,
    lifecycle: AppealLifecycle,
    redirect: RedirectEvent,
    at: Date,
  ): Promise<NotForwarded | undefined> {
    let kind: string;
    try {
      kind = (await this.registry.getParticipant(redirect.to, tx)).kind;
    } catch (error) {
      if (error instanceof VkhidError && error.code === 'PARTICIPANT_NOT_FOUND') return 'not-a-participant';
      throw error;
    }
    if (kind !== 'agency') return 'not-an-agency';
    try {
      await this.registry.checkExchange(
        {
          sender: lifecycle.contactCenter,
          recipient: redirect.to,
          scope: scopeOfAppealKind(lifecycle.appeal.kind),
          channel: lifecycle.appeal.channel,
          at,
          messageType: 'appeal',
        },
        tx,
      );
    } catch (error) {
      if (error instanceof VkhidError) {
        if (error.code === 'PARTICIPANT_NOT_ACTIVE') return 'not-active';
        if (error.code === 'MEMORANDUM_NOT_IN_FORCE') return 'no-memorandum';
      }
      throw error;
    }
    return undefined;
  }
}

/** The contact center's latest appeal message about `tracking` (its original, or its own latest re-route). */
async function lastAppealMessage(
  tx: StoreConnection,
  tracking: string,
  contactCenter: string,
): Promise<Envelope | undefined> {
  const [row] = await tx.query<Row>(
    `SELECT signed_xml FROM messages WHERE tracking = ? AND type = 'appeal' AND sender = ?
     ORDER BY received_at DESC, message_id DESC LIMIT 1`,
    [tracking, contactCenter],
  );
  if (row === undefined) return undefined;
  const { header, body } = readEnvelope(String(row.signed_xml));
  return { header, body };
}

/** Routing/Basis is at most 500 characters (ShortText): the redirect's own reason may already be 500. */
function basisOf(redirect: RedirectEvent): string {
  // Counted and cut in code points, as the schema counts: cutting UTF-16 units could split a surrogate pair
  // and leave a character XML cannot carry, failing the whole redirect.
  const basis = [...`redirected by ${redirect.by.participant} (${redirect.reasonCode}): ${redirect.reason}`];
  return basis.length <= 500 ? basis.join('') : `${basis.slice(0, 499).join('')}…`;
}
