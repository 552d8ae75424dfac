/**
 * RegistryTrustStore end to end: envelopes signed with test-pki identities, verified by EnvelopeVerifier with
 * the registry as its trust store. Each refusal names its exact code and leaves the store as it was; each has
 * an accepting twin so the refusal is not an accident of the setup.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { EnvelopeSigner } from '../../gateway/dsig/envelope-signer.js';
import { EnvelopeVerifier, type VerifiedEnvelope } from '../../gateway/dsig/envelope-verifier.js';
import { envelopeSchema } from '../../gateway/envelope/envelope-schema.js';
import type { ErrorCode } from '../../gateway/errors/error-catalogue.js';
import { schemasDirectory } from '../../gateway/package-paths.js';
import type { CertificateRecord } from '../../gateway/registry/registry-model.js';
import { RegistryTrustStore } from '../../gateway/registry/registry-trust-store.js';
import { forgeSignature } from '../dsig/fixtures/forge-signature.js';
import { createCa, issueCertificate, type TestIdentity } from '../support/test-pki.js';
import {
  activeParticipant,
  certificateRecord,
  DAY_MS,
  openRegistry,
  RECIPIENT,
  rejectsWith,
  SENDER,
  snapshot,
  THIRD,
  type RegistryHarness,
} from './fixtures/registry-harness.js';

const ADMIN = 'admin:olena';
const appeal = readFileSync(join(schemasDirectory, 'examples', 'appeal.xml'), 'utf8');

/** The example appeal with another sender (and the example sender as recipient). */
function appealFrom(sender: string): string {
  return appeal
    .replace('<Sender>00015622</Sender>', `<Sender>${sender}</Sender>`)
    .replace(
      '<Recipient>00022527</Recipient>',
      `<Recipient>${sender === SENDER ? RECIPIENT : SENDER}</Recipient>`,
    );
}

function signWith(identity: TestIdentity, xml = appeal): Buffer {
  return Buffer.from(
    new EnvelopeSigner({ privateKey: identity.privateKey, certificate: identity.certificate }).sign(xml),
    'utf8',
  );
}

/** Signed in the profile but without KeyInfo: the trust store must find the key from the sender alone. */
function signWithoutKeyInfo(identity: TestIdentity, xml = appeal): Buffer {
  return Buffer.from(forgeSignature({ xml, key: identity.privateKey }), 'utf8');
}

describe('RegistryTrustStore with EnvelopeVerifier', function () {
  this.timeout(60_000);

  let ca: TestIdentity;
  let senderSign: TestIdentity;
  let senderSign2: TestIdentity;
  let senderTls: TestIdentity;
  let recipientSign: TestIdentity;
  let unregistered: TestIdentity;
  let rogueCa: TestIdentity;
  let rogueSigner: TestIdentity;

  let h: RegistryHarness;
  let trustStore: RegistryTrustStore;
  let verifier: EnvelopeVerifier;
  let t0: Date;

  before(async () => {
    ca = await createCa('Vkhid Registry Test CA');
    rogueCa = await createCa('Rogue CA', 'ec');
    [senderSign, senderSign2, senderTls, recipientSign, unregistered] = await Promise.all([
      issueCertificate(ca, 'Contact center signer'),
      issueCertificate(ca, 'Contact center signer 2025'),
      issueCertificate(ca, 'Contact center TLS', { kind: 'ec' }),
      issueCertificate(ca, 'Ministry signer', { kind: 'ec' }),
      issueCertificate(ca, 'Unregistered signer', { kind: 'ec' }),
    ]);
    rogueSigner = await issueCertificate(rogueCa, 'Rogue signer', { kind: 'ec' });
  });

  const record = (
    identity: TestIdentity,
    participantCode: string | null,
    role?: CertificateRecord['role'],
  ): CertificateRecord =>
    certificateRecord(identity, participantCode, {
      createdAt: h.clock.now.toISOString(),
      ...(role === undefined ? {} : { role }),
    });

  beforeEach(async () => {
    t0 = new Date();
    h = await openRegistry(t0);
    await activeParticipant(h, SENDER);
    await activeParticipant(h, RECIPIENT);
    await activeParticipant(h, THIRD);
    await h.registry.addCertificate(record(ca, null), ADMIN);
    await h.registry.addCertificate(record(senderSign, SENDER), ADMIN);
    await h.registry.addCertificate(record(recipientSign, RECIPIENT), ADMIN);
    trustStore = new RegistryTrustStore(h.registry);
    verifier = new EnvelopeVerifier({ trustStore, schema: envelopeSchema(), now: h.clock.fn });
  });

  afterEach(async () => {
    await h.close();
  });

  async function verifies(document: Buffer, signer: TestIdentity): Promise<VerifiedEnvelope> {
    const verified = await verifier.verify(document);
    assert.equal(verified.signer.fingerprint, signer.certificate.fingerprint256);
    return verified;
  }

  /** Refused with exactly `code`; verification never writes to the store. */
  async function refused(document: Buffer, code: ErrorCode): Promise<void> {
    const before = await snapshot(h.store);
    await rejectsWith(verifier.verify(document), code);
    assert.deepEqual(await snapshot(h.store), before);
  }

  it("verifies an envelope signed with the sender's registered certificate", async () => {
    const verified = await verifies(signWith(senderSign), senderSign);
    assert.equal(verified.sender, SENDER);
    assert.equal(verified.recipient, RECIPIENT);
    // Without KeyInfo the registry supplies the key by the sender's code alone.
    await verifies(signWithoutKeyInfo(senderSign), senderSign);
  });

  it('refuses it with CERT_REVOKED right after revokeCertificate (no cache delay)', async () => {
    const document = signWith(senderSign);
    await verifies(document, senderSign); // warms every cache on the way
    await h.registry.revokeCertificate(senderSign.certificate.serialNumber, 'key compromise', ADMIN);
    await refused(document, 'CERT_REVOKED');
    // Without KeyInfo there is nothing left to verify with.
    await refused(signWithoutKeyInfo(senderSign), 'CERT_UNKNOWN_SIGNER');
  });

  it('refuses a certificate registered for another participant with CERT_PARTICIPANT_MISMATCH', async () => {
    await verifies(signWith(recipientSign, appealFrom(RECIPIENT)), recipientSign);
    await refused(signWith(recipientSign), 'CERT_PARTICIPANT_MISMATCH');
  });

  it('refuses an unregistered certificate from the trusted CA with SIGNATURE_KEYINFO_MISMATCH', async () => {
    await refused(signWith(unregistered), 'SIGNATURE_KEYINFO_MISMATCH');
    await h.registry.addCertificate(record(unregistered, SENDER), ADMIN);
    await verifies(signWith(unregistered), unregistered);
  });

  it("refuses the sender's TLS certificate used to sign with SIGNATURE_KEYINFO_MISMATCH", async () => {
    await h.registry.addCertificate(record(senderTls, SENDER, 'participant-tls'), ADMIN);
    await refused(signWith(senderTls), 'SIGNATURE_KEYINFO_MISMATCH');
  });

  it('refuses a sender without any certificate with CERT_UNKNOWN_SIGNER (no KeyInfo)', async () => {
    await verifies(signWithoutKeyInfo(senderSign), senderSign);
    await refused(signWithoutKeyInfo(unregistered, appealFrom(THIRD)), 'CERT_UNKNOWN_SIGNER');
  });

  it('refuses a sender without any certificate with CERT_UNKNOWN_SIGNER (KeyInfo with an unregistered certificate)', async () => {
    // The sender THIRD is active but has no certificate at all: "no trusted certificate is known for the sender".
    await refused(signWith(unregistered, appealFrom(THIRD)), 'CERT_UNKNOWN_SIGNER');
  });

  it('verifies the old certificate after rotation inside the overlap window and refuses it after', async () => {
    const rotatedAt = h.clock.advance(DAY_MS);
    await h.registry.addCertificate(record(senderSign2, SENDER), ADMIN, { overlapDays: 7 });
    const overlapEnd = rotatedAt.getTime() + 7 * DAY_MS;
    const oldDocument = signWith(senderSign);
    const newDocument = signWith(senderSign2);

    h.clock.set(new Date(rotatedAt.getTime() + 3 * DAY_MS));
    await verifies(oldDocument, senderSign);
    await verifies(newDocument, senderSign2);

    h.clock.set(new Date(overlapEnd));
    await verifies(oldDocument, senderSign);

    h.clock.set(new Date(overlapEnd + 1));
    await refused(oldDocument, 'SIGNATURE_KEYINFO_MISMATCH');
    await verifies(newDocument, senderSign2);
    // Without KeyInfo only the new key is offered: the old signature does not verify with it.
    await refused(signWithoutKeyInfo(senderSign), 'SIGNATURE_INVALID');
  });

  it('refuses a certificate from a CA not registered as an anchor with CERT_UNTRUSTED', async () => {
    await h.registry.addCertificate(record(rogueSigner, SENDER), ADMIN);
    await refused(signWith(rogueSigner), 'CERT_UNTRUSTED');
    await h.registry.addCertificate(record(rogueCa, null), ADMIN);
    trustStore.invalidate();
    await verifies(signWith(rogueSigner), rogueSigner);
  });

  it('refuses every signer of a revoked anchor with CERT_UNTRUSTED once the anchors are reloaded', async () => {
    const document = signWith(senderSign);
    await verifies(document, senderSign);
    await h.registry.revokeCertificate(ca.certificate.fingerprint256, 'CA retired', ADMIN);
    trustStore.invalidate();
    await refused(document, 'CERT_UNTRUSTED');
  });
});
