/**
 * Certificate signing requests for participants who keep their own key (and for tests): `CN=<commonName>`,
 * signed with SHA-256. RSA requests are written by node-forge; forge has no EC keys, so EC requests are
 * written by @peculiar/x509 over Node's WebCrypto.
 */
// @peculiar/x509 resolves its ASN.1 codecs through tsyringe, which needs the Reflect metadata API loaded first.
import 'reflect-metadata';
import { createPrivateKey, createPublicKey, type KeyObject, webcrypto } from 'node:crypto';
import { Name, Pkcs10CertificateRequestGenerator } from '@peculiar/x509';
import forge from 'node-forge';
import { VkhidError } from '../errors/vkhid-error.js';
import { nameValueProblem } from './certificate-builder.js';
import { checkAcceptedKey, toForgeRsaKey, webCryptoCurve } from './key-material.js';
import { MAX_COMMON_NAME } from './leaf-profile.js';

export interface CreateCsrOptions {
  /** PEM (PKCS#8, PKCS#1 or SEC1); encrypted keys need `passphrase`. */
  readonly privateKeyPem: string;
  readonly passphrase?: string;
  readonly commonName: string;
}

/** A PEM `CERTIFICATE REQUEST` for the key. Refuses keys the hub would refuse (PKI_WEAK_KEY). */
export async function createCsr(options: CreateCsrOptions): Promise<string> {
  const problem = nameValueProblem(options.commonName, MAX_COMMON_NAME);
  if (problem !== undefined)
    throw new VkhidError('PKI_REQUEST_INVALID', {
      args: [`the common name: ${problem}`],
      field: 'commonName',
    });
  let privateKey: KeyObject;
  try {
    privateKey = createPrivateKey(
      options.passphrase === undefined
        ? { key: options.privateKeyPem }
        : { key: options.privateKeyPem, passphrase: options.passphrase },
    );
  } catch (error) {
    throw new VkhidError('KEY_INVALID', { args: [(error as Error).message], cause: error });
  }
  const publicKey = createPublicKey(privateKey);
  checkAcceptedKey(publicKey);

  if (privateKey.asymmetricKeyType === 'rsa') {
    const key = toForgeRsaKey(privateKey);
    const csr = forge.pki.createCertificationRequest();
    csr.publicKey = forge.pki.setRsaPublicKey(key.n, key.e);
    csr.setSubject([
      {
        type: '2.5.4.3',
        value: options.commonName,
        valueTagClass: forge.asn1.Type.UTF8 as unknown as forge.asn1.Class,
      },
    ]);
    csr.sign(key, forge.md.sha256.create());
    return forge.pki.certificationRequestToPem(csr).replace(/\r\n/g, '\n');
  }

  const algorithm = { name: 'ECDSA', namedCurve: webCryptoCurve(publicKey) };
  const keys = {
    privateKey: await webcrypto.subtle.importKey(
      'pkcs8',
      privateKey.export({ type: 'pkcs8', format: 'der' }),
      algorithm,
      false,
      ['sign'],
    ),
    publicKey: await webcrypto.subtle.importKey(
      'spki',
      publicKey.export({ type: 'spki', format: 'der' }),
      algorithm,
      true,
      ['verify'],
    ),
  };
  const csr = await Pkcs10CertificateRequestGenerator.create(
    {
      name: new Name([{ '2.5.4.3': [{ utf8String: options.commonName }] }]),
      keys,
      signingAlgorithm: { name: 'ECDSA', hash: 'SHA-256' },
    },
    webcrypto as unknown as Crypto,
  );
  return `${csr.toString('pem').replace(/\r\n/g, '\n')}\n`;
}
