import { createPrivateKey, X509Certificate, type KeyObject } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { VkhidError } from '../errors/vkhid-error.js';

const PEM_CERTIFICATE = /-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g;

/** Every certificate in a PEM file (a bundle may hold a chain), or the one DER certificate it holds. */
export function readCertificates(path: string): X509Certificate[] {
  const data = readFile(path);
  const text = data.toString('latin1');
  const blocks = text.match(PEM_CERTIFICATE);
  try {
    if (blocks === null) return [new X509Certificate(data)];
    return blocks.map((block) => new X509Certificate(block));
  } catch (error) {
    throw new VkhidError('CERT_INVALID', { args: [`${path}: ${(error as Error).message}`], cause: error });
  }
}

export function readCertificate(path: string): X509Certificate {
  const [first] = readCertificates(path);
  if (first === undefined) throw new VkhidError('CERT_INVALID', { args: [`${path}: no certificate`] });
  return first;
}

/** A private key from PEM (PKCS#8, PKCS#1 or SEC1); encrypted keys need `passphrase`. */
export function readPrivateKey(path: string, passphrase?: string): KeyObject {
  const data = readFile(path);
  try {
    return createPrivateKey(passphrase === undefined ? { key: data } : { key: data, passphrase });
  } catch (error) {
    throw new VkhidError('KEY_INVALID', { args: [`${path}: ${(error as Error).message}`], cause: error });
  }
}

export function readFile(path: string): Buffer {
  try {
    return readFileSync(path);
  } catch (error) {
    throw new VkhidError('CLI_FILE_UNREADABLE', {
      args: [path, (error as NodeJS.ErrnoException).code ?? String(error)],
      cause: error,
    });
  }
}
