/**
 * How the hub CA writes an X.509 v3 certificate: node-forge encodes the fields (names, extensions, times,
 * serial) and signs, and the two parts forge cannot write faithfully are copied in as the exact bytes:
 *
 * - the issuer Name is the CA certificate's encoded subject. forge would re-encode it from parsed attributes,
 *   which turns UTF-8 values (a Cyrillic organisation name) into double-encoded text and splits multi-valued
 *   RDNs, so the issuer would no longer match the CA and nothing would chain;
 * - the SubjectPublicKeyInfo is Node's SPKI export of the key. forge only knows RSA keys; with the SPKI as
 *   bytes the same code issues certificates for ECDSA keys, with one profile for both key types.
 *
 * Every certificate is verified with Node (OpenSSL) against the CA key before it is returned: a signature
 * fault (the classic RSA-CRT fault leaks the private key) or an encoding mistake never leaves the hub.
 */
import { createHash, X509Certificate, type KeyObject, randomBytes } from 'node:crypto';
import forge from 'node-forge';
import { VkhidError } from '../errors/vkhid-error.js';
import { childrenOf, derBitString, derSequence, encodePem, readSingle } from './der.js';

const { asn1 } = forge;

const forgePki = forge.pki as typeof forge.pki & {
  certificateExtensionsToAsn1(extensions: readonly unknown[]): forge.asn1.Asn1;
};

export const OID = {
  commonName: '2.5.4.3',
  serialNumber: '2.5.4.5',
  country: '2.5.4.6',
  organization: '2.5.4.10',
  sha256WithRsa: '1.2.840.113549.1.1.11',
} as const;

/** A certificate as the hub issued it. */
export interface IssuedCertificate {
  readonly certificatePem: string;
  /** Upper-case hex without separators, as Node's `X509Certificate.serialNumber` prints it (32 digits). */
  readonly serialNumber: string;
  /** SHA-256 fingerprint as Node's `X509Certificate.fingerprint256` prints it (upper-case hex, colons). */
  readonly fingerprint256: string;
  readonly notBefore: Date;
  readonly notAfter: Date;
}

/** One attribute of a Name, in its own RDN. UTF8String unless `printable` (serialNumber, C). */
export interface NameAttribute {
  readonly oid: string;
  readonly value: string;
  readonly printable?: boolean;
}

/** What a signer contributes: its key and, for issued certificates, its encoded subject and key identifier. */
export interface CertificateSigner {
  readonly privateKey: forge.pki.rsa.PrivateKey;
  readonly publicKey: KeyObject;
  /** The CA certificate (absent when the certificate being built is the self-signed CA). */
  readonly certificate?: X509Certificate;
  /** The encoded issuer Name (absent for self-signed: the subject is used). */
  readonly subject?: Buffer;
}

export interface CertificateSpec {
  readonly serialNumber: string;
  readonly subject: readonly NameAttribute[];
  readonly notBefore: Date;
  readonly notAfter: Date;
  readonly publicKey: KeyObject;
  /** node-forge extension descriptors (see `extensions` below). */
  readonly extensions: readonly object[];
}

/**
 * A fresh serial number: a positive 128-bit integer, always 16 octets in DER (the first octet is 0x40..0x7F),
 * 126 of its bits random. Upper-case hex, 32 digits.
 */
export function newSerialNumber(): string {
  const bytes = randomBytes(16);
  bytes[0] = 0x40 | (bytes[0]! & 0x3f);
  return bytes.toString('hex').toUpperCase();
}

/** RFC 5280 §4.2.1.2 method 1: SHA-1 of the subjectPublicKey BIT STRING (without its unused-bits octet). */
export function keyIdentifier(publicKey: KeyObject): Buffer {
  const spki = publicKey.export({ type: 'spki', format: 'der' });
  const [, bitString] = childrenOf(spki, readSingle(spki));
  if (bitString?.tag !== 0x03) throw new RangeError('SubjectPublicKeyInfo without a BIT STRING');
  return createHash('sha1')
    .update(spki.subarray(bitString.contentStart + 1, bitString.end))
    .digest();
}

/** Writes, signs and checks one certificate; returns its DER. */
export function buildCertificate(spec: CertificateSpec, signer: CertificateSigner): Buffer {
  const subject = toDer(
    forge.pki.distinguishedNameToAsn1({ attributes: spec.subject.map(toForgeAttribute) }),
  );
  const algorithm = toDer(
    asn1.create(asn1.Class.UNIVERSAL, asn1.Type.SEQUENCE, true, [
      asn1.create(asn1.Class.UNIVERSAL, asn1.Type.OID, false, asn1.oidToDer(OID.sha256WithRsa).getBytes()),
      asn1.create(asn1.Class.UNIVERSAL, asn1.Type.NULL, false, ''),
    ]),
  );
  // forge fills in extension values (key usage bits, SAN entries, ...) when they are set on a certificate.
  const scratch = forge.pki.createCertificate();
  scratch.setExtensions(spec.extensions.map((extension) => ({ ...extension })));
  const tbs = derSequence([
    toDer(
      asn1.create(asn1.Class.CONTEXT_SPECIFIC, 0, true, [
        asn1.create(asn1.Class.UNIVERSAL, asn1.Type.INTEGER, false, asn1.integerToDer(2).getBytes()),
      ]),
    ),
    toDer(
      asn1.create(asn1.Class.UNIVERSAL, asn1.Type.INTEGER, false, forge.util.hexToBytes(spec.serialNumber)),
    ),
    algorithm,
    signer.subject ?? subject,
    toDer(
      asn1.create(asn1.Class.UNIVERSAL, asn1.Type.SEQUENCE, true, [
        time(spec.notBefore),
        time(spec.notAfter),
      ]),
    ),
    subject,
    spec.publicKey.export({ type: 'spki', format: 'der' }),
    toDer(forgePki.certificateExtensionsToAsn1(scratch.extensions as unknown[])),
  ]);
  const digest = forge.md.sha256.create();
  digest.update(tbs.toString('binary'));
  const signature = Buffer.from(signer.privateKey.sign(digest), 'binary');
  const der = derSequence([tbs, algorithm, derBitString(signature)]);

  const issued = new X509Certificate(der);
  const issuedBy = signer.certificate ?? issued;
  if (!issued.verify(signer.publicKey) || !issued.checkIssued(issuedBy)) {
    throw new VkhidError('INTERNAL', {
      cause: new Error('an issued certificate did not verify against its CA'),
    });
  }
  return der;
}

/** The metadata of a certificate, read back from what was actually encoded. */
export function describeIssued(der: Buffer, notBefore: Date, notAfter: Date): IssuedCertificate {
  const certificate = new X509Certificate(der);
  return {
    certificatePem: encodePem(der, 'CERTIFICATE'),
    serialNumber: certificate.serialNumber.toUpperCase(),
    fingerprint256: certificate.fingerprint256,
    notBefore,
    notAfter,
  };
}

/** Certificates carry times to the second: the dates returned are the ones encoded. */
export function wholeSeconds(date: Date): Date {
  return new Date(Math.floor(date.getTime() / 1000) * 1000);
}

/** Extension descriptors in node-forge's vocabulary. */
export const extensions = {
  ca: (pathLength: number): object => ({
    name: 'basicConstraints',
    critical: true,
    cA: true,
    pathLenConstraint: pathLength,
  }),
  endEntity: (): object => ({ name: 'basicConstraints', critical: true, cA: false }),
  keyUsage: (usages: {
    digitalSignature?: boolean;
    nonRepudiation?: boolean;
    keyEncipherment?: boolean;
    keyCertSign?: boolean;
    cRLSign?: boolean;
  }): object => ({ name: 'keyUsage', critical: true, ...usages }),
  extendedKeyUsage: (usages: { serverAuth?: boolean; clientAuth?: boolean }): object => ({
    name: 'extKeyUsage',
    ...usages,
  }),
  subjectKeyIdentifier: (identifier: Buffer): object => ({
    name: 'subjectKeyIdentifier',
    value: asn1.create(asn1.Class.UNIVERSAL, asn1.Type.OCTETSTRING, false, identifier.toString('binary')),
  }),
  authorityKeyIdentifier: (identifier: Buffer): object => ({
    name: 'authorityKeyIdentifier',
    keyIdentifier: identifier.toString('binary'),
  }),
  subjectAltName: (dnsNames: readonly string[], ipAddresses: readonly string[]): object => ({
    name: 'subjectAltName',
    altNames: [
      ...dnsNames.map((value) => ({ type: 2, value })),
      ...ipAddresses.map((ip) => ({ type: 7, ip })),
    ],
  }),
};

function toForgeAttribute(attribute: NameAttribute): forge.pki.CertificateField {
  const tag = attribute.printable ? asn1.Type.PRINTABLESTRING : asn1.Type.UTF8;
  return { type: attribute.oid, value: attribute.value, valueTagClass: tag as unknown as forge.asn1.Class };
}

/** RFC 5280 §4.1.2.5: UTCTime through 2049, GeneralizedTime from 2050. */
function time(date: Date): forge.asn1.Asn1 {
  const year = date.getUTCFullYear();
  return year >= 1950 && year < 2050
    ? asn1.create(asn1.Class.UNIVERSAL, asn1.Type.UTCTIME, false, asn1.dateToUtcTime(date))
    : asn1.create(asn1.Class.UNIVERSAL, asn1.Type.GENERALIZEDTIME, false, asn1.dateToGeneralizedTime(date));
}

function toDer(value: forge.asn1.Asn1): Buffer {
  return Buffer.from(asn1.toDer(value).getBytes(), 'binary');
}

const PRINTABLE = /^[A-Za-z0-9 '()+,\-./:=?]+$/;

/**
 * Why a value cannot be a Name attribute, or undefined when it can: 1..max characters, no control
 * characters, no leading or trailing space; PrintableString characters only when `printable`.
 */
export function nameValueProblem(value: string, max: number, printable = false): string | undefined {
  const length = [...value].length;
  if (length === 0) return 'it is empty';
  if (length > max) return `it is longer than ${max} characters`;
  if (/\p{Cc}|\p{Cs}/u.test(value)) return 'it contains control characters';
  if (value.trim() !== value) return 'it starts or ends with white space';
  if (printable && !PRINTABLE.test(value)) return 'it contains characters a PrintableString cannot hold';
  return undefined;
}
