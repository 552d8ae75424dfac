import { EnvelopeVerifier, type VerifiedEnvelope } from '../dsig/envelope-verifier.js';
import type { Envelope } from '../envelope/envelope-model.js';
import { readEnvelope } from '../envelope/envelope-reader.js';
import { envelopeSchema } from '../envelope/envelope-schema.js';
import { scopeOfAppealKind } from '../registry/registry-model.js';
import type { Registry } from '../registry/registry.js';
import type { TrustStore } from '../trust/trust-store.js';
import { defaultIntakeLimits, type IntakeLimits } from '../xml/xml-intake.js';

/** What the registry's decision needs from the hub: its trust store and its registry. */
export interface ExchangeAuthority {
  readonly trustStore: TrustStore;
  readonly registry: Registry;
}

export interface ExchangeVerificationOptions {
  readonly limits?: IntakeLimits;
  /** The moment certificates and memoranda are judged at (default: now). */
  readonly now?: () => Date;
  /**
   * Runs once the signature is verified and before the registry is asked: the HTTP intake checks here that
   * the authenticated client is the (now authenticated) sender, so a participant posting someone else's
   * envelope learns nothing about that sender's memoranda and no refusal is recorded in the sender's name.
   */
  readonly beforeAuthorization?: (verified: VerifiedEnvelope, envelope: Envelope) => void | Promise<void>;
}

/** A signed envelope the hub may carry: the verification result and the model read from the signed bytes. */
export interface VerifiedExchange {
  readonly verified: VerifiedEnvelope;
  readonly envelope: Envelope;
}

/**
 * The hub's decision on a signed envelope, shared by the HTTP intake (`POST /v1/messages`) and
 * `vkhid envelope verify` without `--ca`:
 *
 * 1. `EnvelopeVerifier` with the registry's trust store: intake limits, the signature profile, a signing
 *    certificate bound to the sender (active, or superseded inside its overlap; not revoked) chaining to the
 *    hub CA or an imported anchor, the cryptography, the envelope schema;
 * 2. the model is read from the canonical signed bytes only;
 * 3. `Registry.authorizeExchange`: sender and recipient registered and active, each with a memorandum in force
 *    that day covering the appeal's kind and channel (any memorandum in force for messages other than
 *    appeals). A refusal there is recorded by the registry.
 *
 * Throws the coded refusal (a VkhidError) of the first check that fails.
 */
export async function verifyExchange(
  authority: ExchangeAuthority,
  bytes: Uint8Array,
  options: ExchangeVerificationOptions = {},
): Promise<VerifiedExchange> {
  const verifier = new EnvelopeVerifier({
    trustStore: authority.trustStore,
    schema: envelopeSchema(),
    limits: options.limits ?? defaultIntakeLimits,
    ...(options.now === undefined ? {} : { now: options.now }),
  });
  const verified = await verifier.verify(bytes);
  const envelope = readEnvelope(verified.signedXml);
  await options.beforeAuthorization?.(verified, envelope);
  const appeal = envelope.body.type === 'appeal' ? envelope.body.appeal : undefined;
  await authority.registry.authorizeExchange({
    sender: verified.sender,
    recipient: verified.recipient,
    scope: appeal === undefined ? null : scopeOfAppealKind(appeal.kind),
    channel: appeal?.channel ?? null,
    at: options.now?.() ?? new Date(),
    messageId: verified.messageId,
    messageType: verified.type,
  });
  return { verified, envelope };
}
