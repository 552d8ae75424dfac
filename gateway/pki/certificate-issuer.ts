/**
 * Issuing participant certificates: from a participant's CSR (the key never leaves the participant), or with
 * a key the hub generates and hands over only inside a password-protected PKCS#12 file.
 *
 * The subject is written by the hub (see leaf-profile.ts): the CN is taken from the CSR, the participant code
 * goes into `serialNumber`, and everything else the CSR asks for (other name attributes, requested
 * extensions, CA flags) is ignored.
 */
// @peculiar/x509 resolves its ASN.1 codecs through tsyringe, which needs the Reflect metadata API loaded first.
import 'reflect-metadata';
import { createPublicKey, type KeyObject, webcrypto, type X509Certificate } from 'node:crypto';
import { Pkcs10CertificateRequest, X509Certificate as PeculiarCertificate } from '@peculiar/x509';
import forge from 'node-forge';
import { VkhidError } from '../errors/vkhid-error.js';
import { isValidEdrpou } from '../registry/edrpou.js';
import { loadCa, type HubCa } from './ca-material.js';
import { nameValueProblem, OID, type IssuedCertificate } from './certificate-builder.js';
import { childrenOf, decodePem, readSingle } from './der.js';
import { checkAcceptedKey, generateKeyPair, KEY_TYPES, type KeyType } from './key-material.js';
import {
  checkDate,
  checkParticipantCode,
  checkUsage,
  issueLeaf,
  MAX_COMMON_NAME,
  type CertificateUsage,
} from './leaf-profile.js';
import { buildPkcs12, checkPkcs12Password } from './pkcs12.js';

export type { IssuedCertificate } from './certificate-builder.js';
export type { CertificateUsage } from './leaf-profile.js';
export type { KeyType } from './key-material.js';

/** Larger requests are refused before any parser sees them. */
export const MAX_CSR_BYTES = 64 * 1024;

const CSR_LABELS = ['CERTIFICATE REQUEST', 'NEW CERTIFICATE REQUEST'];
const ACCEPTED_SIGNATURES = new Set(['RSASSA-PKCS1-v1_5', 'ECDSA']);
const ACCEPTED_HASHES = new Set(['SHA-256', 'SHA-384', 'SHA-512']);

export interface IssueFromCsrOptions {
  readonly participantCode: string;
  readonly usage: CertificateUsage;
  readonly validityDays: number;
  readonly now?: Date;
  /** Usage `tls` only: DNS names / IP addresses for subjectAltName, chosen by the hub, never by the CSR. */
  readonly hostnames?: readonly string[];
}

/**
 * Issues a certificate for the key in `csr` (PEM, or DER bytes). Refuses with PKI_CSR_INVALID (malformed,
 * oversized, broken self-signature, no usable CN), PKI_WEAK_KEY, PARTICIPANT_CODE_INVALID,
 * PKI_REQUEST_INVALID, and the CA's own problems (see loadCa).
 */
export async function issueFromCsr(
  ca: HubCa,
  csr: string | Uint8Array,
  options: IssueFromCsrOptions,
): Promise<IssuedCertificate> {
  const now = options.now ?? new Date();
  checkDate(now, 'now');
  checkParticipantCode(options.participantCode);
  checkUsage(options.usage);
  const loaded = loadCa(ca, now, 'issuing certificates');
  const request = await readCsr(csr);
  return issueLeaf(loaded, {
    participantCode: options.participantCode,
    commonName: request.commonName,
    usage: options.usage,
    publicKey: request.publicKey,
    validityDays: options.validityDays,
    now,
    ...(options.hostnames === undefined ? {} : { hostnames: options.hostnames }),
  });
}

export interface IssueWithGeneratedKeyOptions {
  readonly participantCode: string;
  readonly commonName: string;
  readonly usage: CertificateUsage;
  readonly validityDays: number;
  /** Protects the PKCS#12 file: at least 12 printable ASCII characters. */
  readonly password: string;
  /** `rsa` (RSA-3072) or `ec` (P-256). */
  readonly keyType: KeyType;
  readonly now?: Date;
  readonly hostnames?: readonly string[];
}

export interface IssuedPkcs12 {
  /** PKCS#12 (DER) with the new private key, its certificate and the CA certificate. */
  readonly pkcs12: Buffer;
  readonly certificate: IssuedCertificate;
}

/**
 * Generates a key for a participant, issues its certificate and returns both in a PKCS#12 file protected by
 * `password` (AES-256). The private key exists nowhere else: not returned, not stored.
 */
export async function issueWithGeneratedKey(
  ca: HubCa,
  options: IssueWithGeneratedKeyOptions,
): Promise<IssuedPkcs12> {
  const now = options.now ?? new Date();
  checkDate(now, 'now');
  checkPkcs12Password(options.password);
  checkParticipantCode(options.participantCode);
  checkUsage(options.usage);
  if (!KEY_TYPES.includes(options.keyType)) {
    throw new VkhidError('PKI_REQUEST_INVALID', {
      args: [`key type ${String(options.keyType)}; expected rsa or ec`],
      field: 'keyType',
    });
  }
  const loaded = loadCa(ca, now, 'issuing certificates');
  const { privateKey, publicKey } = await generateKeyPair(options.keyType);
  const certificate = issueLeaf(loaded, {
    participantCode: options.participantCode,
    commonName: options.commonName,
    usage: options.usage,
    publicKey,
    validityDays: options.validityDays,
    now,
    ...(options.hostnames === undefined ? {} : { hostnames: options.hostnames }),
  });
  const pkcs12 = buildPkcs12({
    privateKey,
    certificate: decodePem(certificate.certificatePem, ['CERTIFICATE']),
    chain: [loaded.der],
    password: options.password,
    friendlyName: options.commonName,
  });
  return { pkcs12, certificate };
}

/**
 * The participant a hub-issued certificate is bound to: the ЄДРПОУ code in its subject's `serialNumber`
 * (OID 2.5.4.5). Undefined when there is none, more than one, or it is not a valid ЄДРПОУ code. This only
 * reads the name: it means something only for a certificate that chained to the hub CA.
 */
export function participantCodeOf(certificate: X509Certificate): string | undefined {
  let values: string[];
  try {
    values = new PeculiarCertificate(certificate.raw).subjectName.getField(OID.serialNumber);
  } catch {
    return undefined;
  }
  const [code] = values;
  return values.length === 1 && code !== undefined && isValidEdrpou(code) ? code : undefined;
}

interface CertificateRequest {
  readonly commonName: string;
  readonly publicKey: KeyObject;
}

/** Reads a CSR and proves it: structure, key policy, self-signature, one usable CN. */
async function readCsr(csr: string | Uint8Array): Promise<CertificateRequest> {
  const refuse = (reason: string, cause?: unknown): VkhidError =>
    new VkhidError('PKI_CSR_INVALID', { args: [reason], cause });
  if (typeof csr !== 'string' && !(csr instanceof Uint8Array)) throw refuse('expected PEM text or DER bytes');
  if (csr.length > MAX_CSR_BYTES) throw refuse(`it is larger than ${MAX_CSR_BYTES} bytes`);
  let der: Buffer;
  let request: Pkcs10CertificateRequest;
  try {
    const text = typeof csr === 'string' ? csr : Buffer.from(csr).toString('latin1');
    der =
      typeof csr === 'string' || text.trimStart().startsWith('-----BEGIN')
        ? decodePem(text, CSR_LABELS)
        : Buffer.from(csr);
    readSingle(der);
    request = new Pkcs10CertificateRequest(new Uint8Array(der));
  } catch (error) {
    throw refuse(`not a PKCS#10 request: ${(error as Error).message}`, error);
  }

  const spki = Buffer.from(request.publicKey.rawData);
  let publicKey: KeyObject;
  try {
    publicKey = createPublicKey({ key: spki, format: 'der', type: 'spki' });
  } catch (error) {
    throw new VkhidError('PKI_WEAK_KEY', {
      args: [`key algorithm ${keyAlgorithmOid(spki)}; RSA or EC is required`],
      cause: error,
    });
  }
  checkAcceptedKey(publicKey);

  let algorithm: { name: string; hash?: { name: string } | string };
  try {
    algorithm = request.signatureAlgorithm;
  } catch (error) {
    throw refuse('unknown signature algorithm', error);
  }
  const hash = typeof algorithm.hash === 'string' ? algorithm.hash : algorithm.hash?.name;
  if (!ACCEPTED_SIGNATURES.has(algorithm.name) || hash === undefined || !ACCEPTED_HASHES.has(hash)) {
    throw refuse(
      `signature algorithm ${algorithm.name}${hash === undefined ? '' : ` with ${hash}`} is not accepted`,
    );
  }

  let verified = false;
  try {
    verified = await request.verify(webcrypto as unknown as Crypto);
  } catch (error) {
    throw refuse('the self-signature cannot be checked', error);
  }
  if (!verified) throw refuse('the self-signature does not verify with the key in the request');

  const commonNames = request.subjectName.getField(OID.commonName);
  if (commonNames.length !== 1)
    throw refuse(`the subject has ${commonNames.length} CNs; exactly one is required`);
  const commonName = commonNames[0]!;
  const problem = nameValueProblem(commonName, MAX_COMMON_NAME);
  if (problem !== undefined) throw refuse(`the CN cannot be used: ${problem}`);
  return { commonName, publicKey };
}

function keyAlgorithmOid(spki: Buffer): string {
  try {
    const [algorithm] = childrenOf(spki, readSingle(spki));
    const [oid] = algorithm === undefined ? [] : childrenOf(spki, algorithm);
    if (oid === undefined || oid.tag !== 0x06) return 'unknown';
    return forge.asn1.derToOid(spki.subarray(oid.contentStart, oid.end).toString('binary'));
  } catch {
    return 'unknown';
  }
}
