import type { KeyObject } from 'node:crypto';
import { ExclusiveCanonicalization } from 'xml-crypto';
import { VkhidError } from '../errors/vkhid-error.js';
import type { XmlScan } from '../xml/xml-intake.js';

/**
 * The XML-signature profile of Vkhid: what a signature on a canonical envelope may look like. Everything
 * outside it is refused before any cryptography runs, so whole classes of XMLDSig attacks (wrapping, partial
 * references, algorithm downgrade, HMAC key confusion, transform tricks) have no code path to reach.
 *
 * - one enveloped Signature, the last child element of the root;
 * - one Reference, URI="" or "#<root Id>", transforms exactly [enveloped-signature, exclusive c14n];
 * - SignedInfo canonicalized with exclusive c14n (without comments and without an InclusiveNamespaces list);
 * - RSA (PKCS#1 v1.5) or ECDSA over SHA-256/384/512; no SHA-1, no MD5, no HMAC, no DSA.
 */
export const DSIG_NAMESPACE = 'http://www.w3.org/2000/09/xmldsig#';
export const EXC_C14N = 'http://www.w3.org/2001/10/xml-exc-c14n#';
export const ENVELOPED_SIGNATURE = 'http://www.w3.org/2000/09/xmldsig#enveloped-signature';

export const DIGEST_ALGORITHMS: ReadonlyMap<string, string> = new Map([
  ['http://www.w3.org/2001/04/xmlenc#sha256', 'sha256'],
  ['http://www.w3.org/2001/04/xmldsig-more#sha384', 'sha384'],
  ['http://www.w3.org/2001/04/xmlenc#sha512', 'sha512'],
]);

export interface SignatureAlgorithm {
  readonly uri: string;
  readonly hash: 'sha256' | 'sha384' | 'sha512';
  readonly keyType: 'rsa' | 'ec';
}

export const SIGNATURE_ALGORITHMS: ReadonlyMap<string, SignatureAlgorithm> = new Map(
  (
    [
      ['http://www.w3.org/2001/04/xmldsig-more#rsa-sha256', 'sha256', 'rsa'],
      ['http://www.w3.org/2001/04/xmldsig-more#rsa-sha384', 'sha384', 'rsa'],
      ['http://www.w3.org/2001/04/xmldsig-more#rsa-sha512', 'sha512', 'rsa'],
      ['http://www.w3.org/2001/04/xmldsig-more#ecdsa-sha256', 'sha256', 'ec'],
      ['http://www.w3.org/2001/04/xmldsig-more#ecdsa-sha384', 'sha384', 'ec'],
      ['http://www.w3.org/2001/04/xmldsig-more#ecdsa-sha512', 'sha512', 'ec'],
    ] as const
  ).map(([uri, hash, keyType]) => [uri, { uri, hash, keyType }]),
);

export const RSA_SHA256 = 'http://www.w3.org/2001/04/xmldsig-more#rsa-sha256';
export const ECDSA_SHA256 = 'http://www.w3.org/2001/04/xmldsig-more#ecdsa-sha256';
export const SHA256_DIGEST = 'http://www.w3.org/2001/04/xmlenc#sha256';

export function signatureAlgorithm(uri: string): SignatureAlgorithm {
  const algorithm = SIGNATURE_ALGORITHMS.get(uri);
  if (algorithm === undefined)
    throw new VkhidError('SIGNATURE_ALGORITHM_FORBIDDEN', { args: ['signature', uri] });
  return algorithm;
}

export function digestAlgorithm(uri: string): string {
  const algorithm = DIGEST_ALGORITHMS.get(uri);
  if (algorithm === undefined)
    throw new VkhidError('SIGNATURE_ALGORITHM_FORBIDDEN', { args: ['digest', uri] });
  return algorithm;
}

/** The default signature algorithm for a key: RSA-SHA256 or ECDSA-SHA256. */
export function defaultSignatureAlgorithm(key: KeyObject): SignatureAlgorithm {
  const type = key.asymmetricKeyType;
  if (type === 'rsa') return SIGNATURE_ALGORITHMS.get(RSA_SHA256)!;
  if (type === 'ec') return SIGNATURE_ALGORITHMS.get(ECDSA_SHA256)!;
  throw new VkhidError('KEY_INVALID', { args: [`unsupported key type ${type ?? 'unknown'}`] });
}

/** Options for node:crypto sign/verify: XMLDSig carries ECDSA signatures as r||s, not DER. */
export function cryptoKeyOptions<K extends KeyObject>(algorithm: SignatureAlgorithm, key: K) {
  return algorithm.keyType === 'ec' ? { key, dsaEncoding: 'ieee-p1363' as const } : { key };
}

export function checkKeyFits(algorithm: SignatureAlgorithm, key: KeyObject): void {
  if (key.asymmetricKeyType !== algorithm.keyType) {
    throw new VkhidError('SIGNATURE_KEY_MISMATCH', {
      args: [algorithm.uri, key.asymmetricKeyType ?? 'unknown'],
    });
  }
}

// xml-crypto's exclusive canonicalization is stateless between calls; one instance serves every call.
const exclusiveC14n = new ExclusiveCanonicalization();

/**
 * Exclusive c14n (without comments) of `element` with xml-crypto. With the enveloped-signature transform,
 * the Signature is detached for the duration of the call instead of deep-cloning the document, which is what
 * xml-crypto's own `getCanonXml` does and which costs more than the canonicalization itself.
 */
export function canonicalize(element: Element, envelopedSignature?: Element): string {
  if (envelopedSignature === undefined) return exclusiveC14n.process(element, {}).toString();
  const parent = envelopedSignature.parentNode;
  const next = envelopedSignature.nextSibling;
  parent?.removeChild(envelopedSignature);
  try {
    return exclusiveC14n.process(element, {}).toString();
  } finally {
    parent?.insertBefore(envelopedSignature, next);
  }
}

/**
 * Markup whose meaning differs between implementations is refused on both sides of a signature:
 * - comments inside the root: c14n drops them, so `<Sender>1234<!---->5678</Sender>` is signed as 12345678
 *   while a reader of the received DOM may see 1234 (the SAML comment attack);
 * - processing instructions: outside the root they are part of what URI="" covers for xmlsec1 but not for a
 *   root-only digest; inside it, xml-crypto canonicalizes them as text. Envelopes never need them.
 */
export function checkProfileMarkup(scan: XmlScan): void {
  if (scan.commentInsideRoot || scan.processingInstructions > 0)
    throw new VkhidError('ENVELOPE_MARKUP_FORBIDDEN');
}
