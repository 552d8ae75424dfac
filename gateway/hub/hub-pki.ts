import { X509Certificate } from 'node:crypto';
import { VkhidError } from '../errors/vkhid-error.js';
import { createCrl, parseRevocationReason } from '../pki/crl-publisher.js';
import { createHubCa, issueHubCertificates, type HubCa } from '../pki/hub-ca.js';
import {
  issueFromCsr,
  issueWithGeneratedKey,
  participantCodeOf,
  type CertificateUsage,
  type KeyType,
} from '../pki/certificate-issuer.js';
import { checkUsage } from '../pki/leaf-profile.js';
import type { CertificateRecord } from '../registry/registry-model.js';
import { CertificatePathValidator } from '../trust/certificate-path-validator.js';
import { certificateRecord, type HubContext } from './hub-context.js';

/** The passphrase of the CA key, when the operator encrypts it (production); none for a development hub. */
function caPassphrase(): string | undefined {
  const value = process.env.VKHID_CA_PASSPHRASE;
  return value === undefined || value === '' ? undefined : value;
}

function loadCa(hub: HubContext): HubCa {
  const passphrase = caPassphrase();
  return {
    certificatePem: hub.home.read('ca.pem'),
    privateKeyPem: hub.home.read('ca.key'),
    ...(passphrase === undefined ? {} : { passphrase }),
  };
}

export interface InitResult {
  ca: CertificateRecord;
  signing: CertificateRecord;
  tls: CertificateRecord;
}

/**
 * `vkhid init`: creates the hub CA (RSA-3072) and the hub's signing and TLS certificates, writes them to the
 * data directory and registers them. Refuses to run twice on the same data directory.
 */
export async function initialiseHub(hub: HubContext, actor: string): Promise<InitResult> {
  if (hub.home.initialised) throw new VkhidError('HUB_ALREADY_INITIALISED', { args: [hub.config.dataDir] });
  const passphrase = caPassphrase();
  const ca = await createHubCa({
    commonName: `${hub.config.hub.name} CA`.slice(0, 64),
    organization: hub.config.hub.name.slice(0, 64),
    validityYears: hub.config.pki.caValidityYears,
    ...(passphrase === undefined ? {} : { passphrase }),
  });
  const own = await issueHubCertificates(ca, {
    hubCode: hub.config.hub.code,
    hostnames: hub.config.hub.hostnames.filter((name) => name !== 'localhost'),
    validityDays: Math.min(hub.config.pki.certificateValidityDays, 3650),
    keyType: hub.config.pki.hubKeyType,
    ...(passphrase === undefined ? {} : { passphrase }),
  });
  const createdAt = new Date().toISOString();
  const records = {
    ca: certificateRecord(ca.certificatePem, {
      role: 'hub-ca',
      participantCode: null,
      issuedByHub: true,
      createdAt,
    }),
    signing: certificateRecord(own.signing.certificatePem, {
      role: 'hub-sign',
      participantCode: null,
      issuedByHub: true,
      createdAt,
    }),
    tls: certificateRecord(own.tls.certificatePem, {
      role: 'hub-tls',
      participantCode: null,
      issuedByHub: true,
      createdAt,
    }),
  };
  // Keys first (0600, never overwritten), then the registry: a crash in between leaves files `init` refuses
  // to overwrite, which an operator notices, rather than registered certificates without keys.
  hub.home.write('ca.key', ca.privateKeyPem);
  hub.home.write('hub-sign.key', own.signing.privateKeyPem);
  hub.home.write('hub-tls.key', own.tls.privateKeyPem);
  hub.home.write('hub-sign.pem', own.signing.certificatePem);
  hub.home.write('hub-tls.pem', own.tls.certificatePem);
  for (const record of Object.values(records)) await hub.registry.addCertificate(record, actor);
  hub.home.write('ca.pem', ca.certificatePem);
  return records;
}

export interface IssueRequest {
  participantCode: string;
  usage: CertificateUsage;
  validityDays?: number;
  /** Supersede the participant's current certificate of this usage, keeping it valid for the overlap. */
  rotate?: boolean;
  overlapDays?: number;
}

/** Issues a certificate for a participant from its CSR (the participant keeps its key) and registers it. */
export async function issueParticipantCertificate(
  hub: HubContext,
  csr: Uint8Array | string,
  request: IssueRequest,
  actor: string,
): Promise<CertificateRecord> {
  await activeOrPending(hub, request.participantCode);
  const issued = await issueFromCsr(loadCa(hub), csr, {
    participantCode: request.participantCode,
    usage: request.usage,
    validityDays: request.validityDays ?? hub.config.pki.certificateValidityDays,
  });
  return register(hub, issued.certificatePem, request, actor);
}

/** Generates the key pair for a participant and returns it in a password-protected PKCS#12 bundle. */
export async function issueParticipantBundle(
  hub: HubContext,
  request: IssueRequest & { commonName: string; password: string; keyType?: KeyType },
  actor: string,
): Promise<{ record: CertificateRecord; pkcs12: Buffer }> {
  await activeOrPending(hub, request.participantCode);
  const issued = await issueWithGeneratedKey(loadCa(hub), {
    participantCode: request.participantCode,
    commonName: request.commonName,
    usage: request.usage,
    validityDays: request.validityDays ?? hub.config.pki.certificateValidityDays,
    password: request.password,
    keyType: request.keyType ?? 'rsa',
  });
  const record = await register(hub, issued.certificate.certificatePem, request, actor);
  return { record, pkcs12: issued.pkcs12 };
}

async function register(
  hub: HubContext,
  pem: string,
  request: IssueRequest,
  actor: string,
  issuedByHub = true,
): Promise<CertificateRecord> {
  const record = certificateRecord(pem, {
    role: request.usage === 'sign' ? 'participant-sign' : 'participant-tls',
    participantCode: request.participantCode,
    // Only what the hub CA signed belongs in the hub CA's CRL.
    issuedByHub,
    createdAt: new Date().toISOString(),
  });
  return hub.registry.addCertificate(
    record,
    actor,
    request.rotate === true
      ? { overlapDays: request.overlapDays ?? hub.config.pki.rotationOverlapDays }
      : undefined,
  );
}

/** Imports an external CA (a qualified trust-service provider, say) as a trust anchor. */
export async function importAnchor(hub: HubContext, pem: string, actor: string): Promise<CertificateRecord> {
  const certificate = parseCertificate(pem);
  if (!certificate.ca)
    throw new VkhidError('CERT_USAGE', {
      args: [certificate.subject.replace(/\n/g, ', '), 'a trust anchor (it is not a CA)'],
    });
  const record = certificateRecord(pem, {
    role: 'anchor',
    participantCode: null,
    issuedByHub: false,
    createdAt: new Date().toISOString(),
  });
  const saved = await hub.registry.addCertificate(record, actor);
  hub.trustStore.invalidate();
  return saved;
}

/**
 * Binds a certificate issued elsewhere to a participant. It must chain to a registered anchor and may not
 * name another participant: a certificate signs only for the participant it is bound to.
 */
export async function importParticipantCertificate(
  hub: HubContext,
  pem: string,
  request: { participantCode: string; usage: CertificateUsage; rotate?: boolean; overlapDays?: number },
  actor: string,
): Promise<CertificateRecord> {
  checkUsage(request.usage);
  await activeOrPending(hub, request.participantCode);
  const certificate = parseCertificate(pem);
  const named = participantCodeOf(certificate);
  if (named !== undefined && named !== request.participantCode) {
    throw new VkhidError('CERT_PARTICIPANT_MISMATCH', {
      args: [certificate.serialNumber, named, request.participantCode],
    });
  }
  const anchors = await hub.registry.anchorCertificates();
  const validator = new CertificatePathValidator(anchors.map((anchor) => new X509Certificate(anchor.pem)));
  await validator.validate(certificate, new Date());
  const issuedByHub =
    hub.home.initialised && certificate.checkIssued(new X509Certificate(hub.home.read('ca.pem')));
  return register(hub, certificate.toString(), request, actor, issuedByHub);
}

/** Revokes a certificate; the reason is one of RFC 5280's, so it can be published in the CRL. */
export async function revokeCertificate(
  hub: HubContext,
  reference: string,
  reason: string,
  actor: string,
): Promise<CertificateRecord> {
  const revoked = await hub.registry.revokeCertificate(reference, parseRevocationReason(reason), actor);
  hub.trustStore.invalidate();
  return revoked;
}

/**
 * The current CRL (DER) of the hub CA: every revoked certificate the hub issued. Each call publishes a new
 * CRL number; the counter lives in the store so numbers only grow, across restarts and processes.
 */
export async function currentCrl(hub: HubContext, now = new Date()): Promise<Buffer> {
  const revoked = (await hub.registry.listCertificates()).filter(
    (record) => record.status === 'revoked' && record.issuedByHub,
  );
  const crlNumber = await hub.store.transaction(async (tx) => {
    await tx.execute(
      `INSERT INTO hub_counters (name, value) VALUES ('crl-number', 1) ON CONFLICT (name) DO UPDATE SET value = hub_counters.value + 1`,
    );
    const [row] = await tx.query<{ value: number }>(
      `SELECT value FROM hub_counters WHERE name = 'crl-number'`,
    );
    return Number(row?.value ?? 1);
  });
  return createCrl(
    loadCa(hub),
    revoked.map((record) => ({
      serialNumber: record.serialNumber,
      revokedAt: new Date(record.revokedAt ?? now.toISOString()),
      reason: parseRevocationReason(record.revocationReason ?? 'unspecified'),
    })),
    {
      thisUpdate: now,
      nextUpdate: new Date(now.getTime() + hub.config.pki.crlValidityHours * 3_600_000),
      crlNumber,
    },
  );
}

/** Certificates are issued to participants being set up or working, never to one that has withdrawn. */
async function activeOrPending(hub: HubContext, code: string): Promise<void> {
  const participant = await hub.registry.getParticipant(code);
  if (participant.status === 'withdrawn')
    throw new VkhidError('PARTICIPANT_NOT_ACTIVE', { args: [code, participant.status] });
}

function parseCertificate(pem: string): X509Certificate {
  try {
    return new X509Certificate(pem);
  } catch (error) {
    throw new VkhidError('CERT_INVALID', { args: [(error as Error).message], cause: error });
  }
}
