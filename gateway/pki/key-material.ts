import { generateKeyPair as generateNodeKeyPair, type KeyObject } from 'node:crypto';
import forge from 'node-forge';
import { VkhidError } from '../errors/vkhid-error.js';

/** Key types the hub generates: RSA-3072, or ECDSA P-256. */
export type KeyType = 'rsa' | 'ec';

export const KEY_TYPES: readonly KeyType[] = ['rsa', 'ec'];

/** RSA keys the hub generates (its CA, its own certificates, keys it generates for participants). */
export const GENERATED_RSA_BITS = 3072;

const MIN_RSA_BITS = 2048;
/** Larger keys buy nothing and make every verification slow: a cap against CPU exhaustion. */
const MAX_RSA_BITS = 8192;
const ACCEPTED_CURVES: ReadonlyMap<string, string> = new Map([
  ['prime256v1', 'P-256'],
  ['secp384r1', 'P-384'],
]);

export interface GeneratedKeyPair {
  readonly privateKey: KeyObject;
  readonly publicKey: KeyObject;
}

/**
 * A fresh key pair from OpenSSL (Node's crypto, on the libuv thread pool: generating RSA-3072 takes a few
 * hundred milliseconds that must not block the event loop). node-forge's pure-JS generator would take seconds.
 */
export function generateKeyPair(type: KeyType): Promise<GeneratedKeyPair> {
  return new Promise((resolve, reject) => {
    const done = (error: Error | null, publicKey: KeyObject, privateKey: KeyObject): void => {
      if (error) reject(error);
      else resolve({ publicKey, privateKey });
    };
    if (type === 'rsa') generateNodeKeyPair('rsa', { modulusLength: GENERATED_RSA_BITS }, done);
    else generateNodeKeyPair('ec', { namedCurve: 'P-256' }, done);
  });
}

/**
 * The hub's key policy for certificates it issues, the same as CertificatePathValidator applies to signers:
 * RSA of at least 2048 bits (at most 8192, public exponent odd and at least 65537), or EC on P-256 or P-384.
 * Throws PKI_WEAK_KEY.
 */
export function checkAcceptedKey(publicKey: KeyObject): void {
  const type = publicKey.asymmetricKeyType;
  const details = publicKey.asymmetricKeyDetails ?? {};
  if (type === 'rsa') {
    const bits = details.modulusLength ?? 0;
    if (bits < MIN_RSA_BITS)
      throw new VkhidError('PKI_WEAK_KEY', {
        args: [`RSA ${bits} bits; at least ${MIN_RSA_BITS} are required`],
      });
    if (bits > MAX_RSA_BITS)
      throw new VkhidError('PKI_WEAK_KEY', {
        args: [`RSA ${bits} bits; at most ${MAX_RSA_BITS} are accepted`],
      });
    const exponent = details.publicExponent ?? 0n;
    if (exponent < 65537n || exponent >= 1n << 256n || exponent % 2n === 0n) {
      throw new VkhidError('PKI_WEAK_KEY', { args: [`RSA public exponent ${exponent}`] });
    }
  } else if (type === 'ec') {
    const curve = details.namedCurve ?? 'unknown';
    if (!ACCEPTED_CURVES.has(curve)) {
      throw new VkhidError('PKI_WEAK_KEY', { args: [`EC curve ${curve}; P-256 or P-384 is required`] });
    }
  } else {
    throw new VkhidError('PKI_WEAK_KEY', { args: [`key type ${type ?? 'unknown'}; RSA or EC is required`] });
  }
}

/** The WebCrypto name of an accepted EC key's curve (P-256 or P-384). */
export function webCryptoCurve(key: KeyObject): string {
  const curve = ACCEPTED_CURVES.get(key.asymmetricKeyDetails?.namedCurve ?? '');
  if (curve === undefined)
    throw new VkhidError('PKI_WEAK_KEY', {
      args: [`EC curve ${key.asymmetricKeyDetails?.namedCurve ?? 'unknown'}`],
    });
  return curve;
}

/** node-forge's view of an RSA private key (forge has no other key types). */
export function toForgeRsaKey(privateKey: KeyObject): forge.pki.rsa.PrivateKey {
  return forge.pki.privateKeyFromPem(privateKey.export({ type: 'pkcs1', format: 'pem' }) as string);
}

/** PKCS#8 PEM, encrypted with AES-256-CBC when a passphrase is given. */
export function exportPrivateKey(privateKey: KeyObject, passphrase?: string): string {
  if (passphrase === undefined) return privateKey.export({ type: 'pkcs8', format: 'pem' }) as string;
  if (passphrase.length === 0)
    throw new VkhidError('PKI_REQUEST_INVALID', { args: ['an empty passphrase'], field: 'passphrase' });
  return privateKey.export({ type: 'pkcs8', format: 'pem', cipher: 'aes-256-cbc', passphrase }) as string;
}
