// @peculiar/x509 resolves its ASN.1 codecs through tsyringe, which needs the Reflect metadata API loaded first.
import 'reflect-metadata';
import { createPrivateKey, type KeyObject, X509Certificate } from 'node:crypto';
import {
  BasicConstraintsExtension,
  KeyUsageFlags,
  KeyUsagesExtension,
  SubjectKeyIdentifierExtension,
  X509Certificate as PeculiarCertificate,
} from '@peculiar/x509';
import type forge from 'node-forge';
import { VkhidError } from '../errors/vkhid-error.js';
import { checkKeyStrength, describe } from '../trust/certificate-path-validator.js';
import { keyIdentifier } from './certificate-builder.js';
import { certificateSubject } from './der.js';
import { toForgeRsaKey } from './key-material.js';

/** The hub CA as stored: its certificate and private key (PKCS#8 or PKCS#1 PEM, encrypted with `passphrase`). */
export interface HubCa {
  readonly certificatePem: string;
  readonly privateKeyPem: string;
  readonly passphrase?: string;
}

/** The CA, checked and ready to sign. */
export interface LoadedCa {
  readonly certificate: X509Certificate;
  readonly der: Buffer;
  readonly privateKey: KeyObject;
  readonly publicKey: KeyObject;
  readonly forgeKey: forge.pki.rsa.PrivateKey;
  /** The CA's encoded subject: every issued certificate's and CRL's issuer, byte for byte. */
  readonly subject: Buffer;
  /** The CA's subject key identifier: every issued certificate's and CRL's authority key identifier. */
  readonly keyIdentifier: Buffer;
  readonly notBefore: Date;
  readonly notAfter: Date;
  readonly name: string;
}

export type CaPurpose = 'issuing certificates' | 'signing CRLs';

/**
 * Reads and checks the CA before it signs anything: the certificate parses (CERT_INVALID); the key reads
 * (KEY_INVALID), is RSA (node-forge signs) and belongs to the certificate (KEY_INVALID); the key is strong
 * enough (CERT_WEAK_KEY); the certificate is a CA whose key usage allows `purpose` (CERT_USAGE); and it is
 * valid at `at` (CERT_NOT_YET_VALID, CERT_EXPIRED).
 */
export function loadCa(ca: HubCa, at: Date, purpose: CaPurpose): LoadedCa {
  let certificate: X509Certificate;
  let peculiar: PeculiarCertificate;
  try {
    certificate = new X509Certificate(ca.certificatePem);
    peculiar = new PeculiarCertificate(certificate.raw);
  } catch (error) {
    throw new VkhidError('CERT_INVALID', {
      args: [`the CA certificate: ${(error as Error).message}`],
      cause: error,
    });
  }
  const name = describe(certificate);
  let privateKey: KeyObject;
  try {
    privateKey = createPrivateKey(
      ca.passphrase === undefined
        ? { key: ca.privateKeyPem }
        : { key: ca.privateKeyPem, passphrase: ca.passphrase },
    );
  } catch (error) {
    throw new VkhidError('KEY_INVALID', { args: [`the CA key: ${(error as Error).message}`], cause: error });
  }
  if (privateKey.asymmetricKeyType !== 'rsa') {
    throw new VkhidError('KEY_INVALID', {
      args: [`the CA key is ${privateKey.asymmetricKeyType ?? 'unknown'}; the hub CA key is RSA`],
    });
  }
  if (!certificate.checkPrivateKey(privateKey)) {
    throw new VkhidError('KEY_INVALID', { args: ['the CA key does not belong to the CA certificate'] });
  }
  checkKeyStrength(certificate);

  const constraints = peculiar.getExtension(BasicConstraintsExtension);
  if (constraints === null || !constraints.ca) throw new VkhidError('CERT_USAGE', { args: [name, purpose] });
  const usage = peculiar.getExtension(KeyUsagesExtension);
  const needed = purpose === 'issuing certificates' ? KeyUsageFlags.keyCertSign : KeyUsageFlags.cRLSign;
  if (usage !== null && (usage.usages & needed) === 0)
    throw new VkhidError('CERT_USAGE', { args: [name, purpose] });

  if (at < peculiar.notBefore)
    throw new VkhidError('CERT_NOT_YET_VALID', { args: [name, peculiar.notBefore.toISOString()] });
  if (at > peculiar.notAfter)
    throw new VkhidError('CERT_EXPIRED', { args: [name, peculiar.notAfter.toISOString()] });

  const ski = peculiar.getExtension(SubjectKeyIdentifierExtension);
  return {
    certificate,
    der: certificate.raw,
    privateKey,
    publicKey: certificate.publicKey,
    forgeKey: toForgeRsaKey(privateKey),
    subject: certificateSubject(certificate.raw),
    keyIdentifier: ski === null ? keyIdentifier(certificate.publicKey) : Buffer.from(ski.keyId, 'hex'),
    notBefore: peculiar.notBefore,
    notAfter: peculiar.notAfter,
    name,
  };
}
