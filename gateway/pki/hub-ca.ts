/**
 * The hub CA: a self-signed RSA-3072 root that issues every participant certificate and the hub's own.
 *
 * Profile: subject `C=UA, O=<organization>, CN=<commonName>` (O and CN UTF8String, so Ukrainian names are
 * kept as written); basicConstraints critical CA:TRUE pathLen 0 (the hub issues end-entity certificates
 * directly, never intermediate CAs); keyUsage critical keyCertSign + cRLSign; a subject key identifier;
 * sha256WithRSAEncryption; a random positive 128-bit serial.
 */
import { VkhidError } from '../errors/vkhid-error.js';
import { loadCa, type HubCa } from './ca-material.js';
import {
  buildCertificate,
  describeIssued,
  extensions,
  keyIdentifier,
  nameValueProblem,
  newSerialNumber,
  OID,
  wholeSeconds,
  type IssuedCertificate,
} from './certificate-builder.js';
import { exportPrivateKey, generateKeyPair, toForgeRsaKey, type KeyType } from './key-material.js';
import {
  checkParticipantCode,
  CLOCK_SKEW_MS,
  issueLeaf,
  MAX_COMMON_NAME,
  splitHostnames,
} from './leaf-profile.js';

export type { HubCa } from './ca-material.js';

export interface CreateHubCaOptions {
  readonly commonName: string;
  readonly organization: string;
  /** Whole years, 1 to 30. */
  readonly validityYears: number;
  /**
   * Encrypts the returned private key (PKCS#8, AES-256-CBC). The result carries it back as `passphrase` so
   * that it can be used as a `HubCa` at once; store the key and certificate, never the passphrase with them.
   */
  readonly passphrase?: string;
  readonly now?: Date;
}

/** The new CA, usable as a `HubCa` at once, and its certificate's metadata. */
export type CreatedHubCa = HubCa & IssuedCertificate;

const MAX_CA_YEARS = 30;

export async function createHubCa(options: CreateHubCaOptions): Promise<CreatedHubCa> {
  const now = options.now ?? new Date();
  for (const [field, value] of [
    ['commonName', options.commonName],
    ['organization', options.organization],
  ] as const) {
    const problem = nameValueProblem(value, 64);
    if (problem !== undefined)
      throw new VkhidError('PKI_REQUEST_INVALID', { args: [`the ${field}: ${problem}`], field });
  }
  const years = options.validityYears;
  if (!Number.isInteger(years) || years < 1 || years > MAX_CA_YEARS) {
    throw new VkhidError('PKI_REQUEST_INVALID', {
      args: [`validityYears must be a whole number from 1 to ${MAX_CA_YEARS}, not ${String(years)}`],
      field: 'validityYears',
    });
  }
  if (Number.isNaN(now.getTime()))
    throw new VkhidError('PKI_REQUEST_INVALID', { args: ['now is not a valid date'], field: 'now' });

  const { privateKey, publicKey } = await generateKeyPair('rsa');
  const notBefore = wholeSeconds(new Date(now.getTime() - CLOCK_SKEW_MS));
  const end = new Date(now.getTime());
  end.setUTCFullYear(end.getUTCFullYear() + years);
  const notAfter = wholeSeconds(end);
  const der = buildCertificate(
    {
      serialNumber: newSerialNumber(),
      subject: [
        { oid: OID.country, value: 'UA', printable: true },
        { oid: OID.organization, value: options.organization },
        { oid: OID.commonName, value: options.commonName },
      ],
      notBefore,
      notAfter,
      publicKey,
      extensions: [
        extensions.ca(0),
        extensions.keyUsage({ keyCertSign: true, cRLSign: true }),
        extensions.subjectKeyIdentifier(keyIdentifier(publicKey)),
      ],
    },
    { privateKey: toForgeRsaKey(privateKey), publicKey },
  );
  const issued = describeIssued(der, notBefore, notAfter);
  return {
    ...issued,
    privateKeyPem: exportPrivateKey(privateKey, options.passphrase),
    ...(options.passphrase === undefined ? {} : { passphrase: options.passphrase }),
  };
}

export interface HubCertificatesOptions {
  /** The hub operator's ЄДРПОУ code, written into both subjects' serialNumber. */
  readonly hubCode: string;
  /** Host names and IP addresses the hub serves under, besides localhost and 127.0.0.1. */
  readonly hostnames: readonly string[];
  /** CN of the signing certificate (default `Vkhid hub`). */
  readonly commonName?: string;
  /** Default 730, or up to the CA's end if that is sooner; an explicit value must end before the CA does. */
  readonly validityDays?: number;
  /** Default `rsa` (RSA-3072). */
  readonly keyType?: KeyType;
  /** Encrypts the returned private keys (PKCS#8, AES-256-CBC). */
  readonly passphrase?: string;
  readonly now?: Date;
}

/** A certificate with the private key the hub generated for it (PKCS#8 PEM). */
export interface IssuedKeyPair extends IssuedCertificate {
  readonly privateKeyPem: string;
}

export interface HubCertificates {
  /** Signs the envelopes the hub itself sends (receipts, statuses): keyUsage digitalSignature + nonRepudiation. */
  readonly signing: IssuedKeyPair;
  /** The hub's TLS server and client certificate: EKU serverAuth + clientAuth, SAN localhost, hosts, 127.0.0.1. */
  readonly tls: IssuedKeyPair;
}

export const DEFAULT_HUB_VALIDITY_DAYS = 730;
const DAY_MS = 86_400_000;

/** The hub's own certificates, each with a fresh key, issued by the hub CA. */
export async function issueHubCertificates(
  ca: HubCa,
  options: HubCertificatesOptions,
): Promise<HubCertificates> {
  const now = options.now ?? new Date();
  const loaded = loadCa(ca, now, 'issuing certificates');
  checkParticipantCode(options.hubCode);
  const keyType = options.keyType ?? 'rsa';
  if (keyType !== 'rsa' && keyType !== 'ec') {
    throw new VkhidError('PKI_REQUEST_INVALID', {
      args: [`key type ${String(keyType)}; expected rsa or ec`],
      field: 'keyType',
    });
  }
  const commonName = options.commonName ?? 'Vkhid hub';
  const { dnsNames } = splitHostnames(options.hostnames);
  const hostnames = ['localhost', ...options.hostnames, '127.0.0.1'];
  const tlsName = dnsNames.find((name) => name.length <= MAX_COMMON_NAME) ?? 'localhost';
  // By default two years, or until the CA ends if that is sooner; an explicit validity past the CA is refused.
  const validityDays =
    options.validityDays ??
    Math.min(DEFAULT_HUB_VALIDITY_DAYS, Math.floor((loaded.notAfter.getTime() - now.getTime()) / DAY_MS));

  const [signingKeys, tlsKeys] = await Promise.all([generateKeyPair(keyType), generateKeyPair(keyType)]);
  const signing = issueLeaf(loaded, {
    participantCode: options.hubCode,
    commonName,
    usage: 'sign',
    publicKey: signingKeys.publicKey,
    validityDays,
    now,
  });
  const tls = issueLeaf(loaded, {
    participantCode: options.hubCode,
    commonName: tlsName,
    usage: 'tls',
    publicKey: tlsKeys.publicKey,
    validityDays,
    now,
    hostnames,
  });
  return {
    signing: { ...signing, privateKeyPem: exportPrivateKey(signingKeys.privateKey, options.passphrase) },
    tls: { ...tls, privateKeyPem: exportPrivateKey(tlsKeys.privateKey, options.passphrase) },
  };
}
