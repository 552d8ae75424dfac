/**
 * Certificates for tests, made in-process with @peculiar/x509 over Node's WebCrypto: a CA, signer
 * certificates (RSA-2048 or ECDSA P-256), and the odd ones the attack suite needs (expired, not yet valid,
 * issued by a CA nobody trusts, weak keys).
 */
import 'reflect-metadata';
import { KeyObject, webcrypto, X509Certificate } from 'node:crypto';
import * as x509 from '@peculiar/x509';

x509.cryptoProvider.set(webcrypto as unknown as Crypto);

export type KeyKind = 'rsa' | 'ec' | 'rsa1024';

export interface TestIdentity {
  readonly certificate: X509Certificate;
  readonly privateKey: KeyObject;
  readonly certificatePem: string;
  readonly privateKeyPem: string;
  /** For issuing further certificates (CAs only). */
  readonly signingKeys: CryptoKeyPair;
  readonly name: string;
}

const DAY = 86_400_000;

function algorithmFor(kind: KeyKind): RsaHashedKeyGenParams | EcKeyGenParams {
  if (kind === 'ec') return { name: 'ECDSA', namedCurve: 'P-256' };
  return {
    name: 'RSASSA-PKCS1-v1_5',
    hash: 'SHA-256',
    publicExponent: new Uint8Array([1, 0, 1]),
    modulusLength: kind === 'rsa1024' ? 1024 : 2048,
  };
}

function signingAlgorithm(keys: CryptoKeyPair): Algorithm | EcdsaParams {
  return keys.privateKey.algorithm.name === 'ECDSA'
    ? ({ name: 'ECDSA', hash: 'SHA-256' } satisfies EcdsaParams)
    : keys.privateKey.algorithm;
}

function toIdentity(certificate: x509.X509Certificate, keys: CryptoKeyPair, name: string): TestIdentity {
  const privateKey = KeyObject.from(keys.privateKey);
  const node = new X509Certificate(Buffer.from(certificate.rawData));
  return {
    certificate: node,
    privateKey,
    certificatePem: node.toString(),
    privateKeyPem: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
    signingKeys: keys,
    name,
  };
}

export async function createCa(name = 'Vkhid Test CA', kind: KeyKind = 'rsa'): Promise<TestIdentity> {
  const keys = await webcrypto.subtle.generateKey(algorithmFor(kind), true, ['sign', 'verify']);
  const certificate = await x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: randomSerial(),
    name: `CN=${name}`,
    notBefore: new Date(Date.now() - 365 * DAY),
    notAfter: new Date(Date.now() + 3650 * DAY),
    keys,
    signingAlgorithm: signingAlgorithm(keys),
    extensions: [
      new x509.BasicConstraintsExtension(true, undefined, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign, true),
      await x509.SubjectKeyIdentifierExtension.create(keys.publicKey),
    ],
  });
  return toIdentity(certificate, keys, name);
}

export interface IssueOptions {
  readonly kind?: KeyKind;
  readonly notBefore?: Date;
  readonly notAfter?: Date;
  readonly usage?: number;
  readonly isCa?: boolean;
}

export async function issueCertificate(
  ca: TestIdentity,
  name: string,
  options: IssueOptions = {},
): Promise<TestIdentity> {
  const keys = await webcrypto.subtle.generateKey(algorithmFor(options.kind ?? 'rsa'), true, [
    'sign',
    'verify',
  ]);
  const certificate = await x509.X509CertificateGenerator.create({
    serialNumber: randomSerial(),
    subject: `CN=${name}`,
    issuer: ca.certificate.subject.replace(/\n/g, ', '),
    notBefore: options.notBefore ?? new Date(Date.now() - DAY),
    notAfter: options.notAfter ?? new Date(Date.now() + 365 * DAY),
    signingKey: ca.signingKeys.privateKey,
    publicKey: keys.publicKey,
    signingAlgorithm: signingAlgorithm(ca.signingKeys),
    extensions: [
      new x509.BasicConstraintsExtension(options.isCa ?? false, undefined, true),
      new x509.KeyUsagesExtension(
        options.usage ??
          (options.isCa
            ? x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign
            : x509.KeyUsageFlags.digitalSignature | x509.KeyUsageFlags.nonRepudiation),
        true,
      ),
      await x509.SubjectKeyIdentifierExtension.create(keys.publicKey),
      await x509.AuthorityKeyIdentifierExtension.create(ca.signingKeys.publicKey),
    ],
  });
  return toIdentity(certificate, keys, name);
}

function randomSerial(): string {
  // A positive 64-bit serial (top bit clear so DER keeps it positive).
  const bytes = webcrypto.getRandomValues(new Uint8Array(8));
  bytes[0] = (bytes[0]! & 0x7f) | 0x10;
  return Buffer.from(bytes).toString('hex');
}

export { DAY, x509 };
