import { createHash, verify as cryptoVerify, X509Certificate } from 'node:crypto';
import { ENVELOPE_NAMESPACE } from '../envelope/envelope-model.js';
import { VkhidError } from '../errors/vkhid-error.js';
import type { TrustStore, TrustedSigner } from '../trust/trust-store.js';
import { defaultIntakeLimits, intakeXml, parseXml, type IntakeLimits } from '../xml/xml-intake.js';
import type { XsdSchema } from '../xml/xsd-schema.js';
import {
  canonicalize,
  checkKeyFits,
  checkProfileMarkup,
  digestAlgorithm,
  DSIG_NAMESPACE,
  ENVELOPED_SIGNATURE,
  EXC_C14N,
  signatureAlgorithm,
  type SignatureAlgorithm,
} from './xmldsig-profile.js';

export interface EnvelopeVerifierOptions {
  readonly trustStore: TrustStore;
  /** The compiled envelope schema; the signed content must validate against it. */
  readonly schema: XsdSchema;
  readonly limits?: IntakeLimits;
  /** The clock certificates are judged against. */
  readonly now?: () => Date;
}

/** The result of a successful verification. */
export interface VerifiedEnvelope {
  /**
   * The exclusive-c14n form of the envelope without its Signature: exactly the bytes the signature covers
   * and the schema validated. Readers must map this, never the received document.
   */
  readonly signedXml: string;
  /** SHA-256 (hex) of the document as received, the identity receipts and the ledger refer to. */
  readonly receivedSha256: string;
  readonly signer: TrustedSigner;
  readonly messageId: string;
  readonly type: string;
  readonly sender: string;
  readonly recipient: string;
}

const ID_ATTRIBUTES = ['Id', 'ID', 'id'] as const;

/** The parts of a Signature element the profile allows, read without XPath. */
interface ParsedSignature {
  readonly signedInfo: Element;
  readonly signatureValue: Buffer;
  readonly algorithm: SignatureAlgorithm;
  readonly referenceUri: string;
  readonly digestHash: string;
  readonly digestValue: Buffer;
  readonly presented: X509Certificate | undefined;
}

/**
 * Verifies signed canonical envelopes following the safe pattern: the document is parsed once (xmldom, as
 * xml-crypto uses), the signature's shape is checked against the profile, the key comes from the trust
 * store, and what comes out is the canonical signed content, validated against the schema.
 *
 * Why not `SignedXml.checkSignature`: it takes a string and parses it again (with XPath look-ups over the
 * whole document), accepts a wider profile than ours, and would have us check the shape on one DOM and the
 * cryptography on another. We keep xml-crypto's canonicalization and do the profile checks on the same DOM.
 */
export class EnvelopeVerifier {
  private readonly trustStore: TrustStore;
  private readonly schema: XsdSchema;
  private readonly limits: IntakeLimits;
  private readonly now: () => Date;

  constructor(options: EnvelopeVerifierOptions) {
    this.trustStore = options.trustStore;
    this.schema = options.schema;
    this.limits = options.limits ?? defaultIntakeLimits;
    this.now = options.now ?? (() => new Date());
  }

  async verify(bytes: Uint8Array): Promise<VerifiedEnvelope> {
    const { text, scan } = intakeXml(bytes, this.limits);
    checkProfileMarkup(scan);
    const document = parseXml(text);
    const root = document.documentElement;
    if (root.namespaceURI !== ENVELOPE_NAMESPACE || root.localName !== 'Envelope') {
      throw new VkhidError('ENVELOPE_FOREIGN_NAMESPACE', { args: [root.namespaceURI ?? '', root.localName] });
    }

    const signatureElement = findTheSignature(root);
    const signature = parseSignature(signatureElement, root);
    const sender = headerValue(root, 'Sender');

    const signers = await this.trustStore.resolveSigner({
      sender,
      presented: signature.presented,
      at: this.now(),
    });

    const signedXml = canonicalize(root, signatureElement);
    // Encoded once: the digest and the schema check both read these bytes.
    const signedBytes = Buffer.from(signedXml, 'utf8');
    const digest = createHash(signature.digestHash).update(signedBytes).digest();
    if (!digest.equals(signature.digestValue)) throw new VkhidError('SIGNATURE_DIGEST_MISMATCH');

    const signedInfo = canonicalize(signature.signedInfo);
    const signer = verifyWithAny(signers, signature, signedInfo);

    this.schema.validate(signedBytes);

    // Hashed on first use: the intake has already hashed these bytes itself (to spot repeats before
    // verifying), and a second pass over a 20 MB document on every accepted message is not free.
    let receivedSha256: string | undefined;
    return {
      signedXml,
      get receivedSha256(): string {
        receivedSha256 ??= createHash('sha256').update(bytes).digest('hex');
        return receivedSha256;
      },
      signer,
      messageId: headerValue(root, 'MessageId'),
      type: headerValue(root, 'Type'),
      sender,
      recipient: headerValue(root, 'Recipient'),
    };
  }
}

function verifyWithAny(
  signers: readonly TrustedSigner[],
  signature: ParsedSignature,
  signedInfo: string,
): TrustedSigner {
  const data = Buffer.from(signedInfo, 'utf8');
  for (const signer of signers) {
    checkKeyFits(signature.algorithm, signer.publicKey);
    const key =
      signature.algorithm.keyType === 'ec'
        ? { key: signer.publicKey, dsaEncoding: 'ieee-p1363' as const }
        : signer.publicKey;
    if (cryptoVerify(signature.algorithm.hash, data, key, signature.signatureValue)) return signer;
  }
  throw new VkhidError('SIGNATURE_INVALID');
}

/**
 * Finds the one ds:Signature in the whole document and checks it is the root's last child element. Counting
 * across the whole tree (not just the root's children) is what defeats wrapping: a second, valid Signature
 * hidden deeper cannot be the one a careless verifier picks.
 */
function findTheSignature(root: Element): Element {
  const found: Element[] = [];
  const stack: Node[] = [root];
  while (stack.length > 0) {
    const node = stack.pop()!;
    for (let child = node.firstChild; child !== null; child = child.nextSibling) {
      if (child.nodeType !== 1) continue;
      const element = child as Element;
      if (element.localName === 'Signature' && element.namespaceURI === DSIG_NAMESPACE) found.push(element);
      stack.push(element);
    }
  }
  if (found.length === 0) throw new VkhidError('SIGNATURE_MISSING');
  if (found.length > 1) throw new VkhidError('SIGNATURE_MULTIPLE', { args: [found.length] });
  const signature = found[0]!;
  if (signature.parentNode !== root || lastChildElement(root) !== signature) {
    throw new VkhidError('SIGNATURE_MISPLACED');
  }
  return signature;
}

function parseSignature(signature: Element, root: Element): ParsedSignature {
  const [signedInfo, signatureValue, keyInfo, ...rest] = dsigChildren(signature, 'Signature');
  expectElement(signedInfo, 'SignedInfo');
  expectElement(signatureValue, 'SignatureValue');
  if (keyInfo !== undefined) expectElement(keyInfo, 'KeyInfo');
  if (rest.length > 0) structure(`unexpected ds:${rest[0]!.localName} in Signature`);

  const [c14nMethod, signatureMethod, ...references] = dsigChildren(signedInfo, 'SignedInfo');
  expectElement(c14nMethod, 'CanonicalizationMethod');
  expectElement(signatureMethod, 'SignatureMethod');
  const c14nUri = c14nMethod.getAttribute('Algorithm') ?? '';
  if (c14nUri !== EXC_C14N)
    throw new VkhidError('SIGNATURE_ALGORITHM_FORBIDDEN', { args: ['canonicalization', c14nUri] });
  // Children of CanonicalizationMethod (an InclusiveNamespaces list) or of SignatureMethod (an
  // HMACOutputLength, the truncation attack) change what is verified: none are allowed.
  if (hasChildElements(c14nMethod)) structure('CanonicalizationMethod must be empty');
  const algorithm = signatureAlgorithm(signatureMethod.getAttribute('Algorithm') ?? '');
  if (hasChildElements(signatureMethod)) structure('SignatureMethod must be empty');

  if (references.length !== 1)
    throw new VkhidError('SIGNATURE_REFERENCE', { args: [`found ${references.length}`] });
  const reference = references[0]!;
  expectElement(reference, 'Reference');
  const referenceUri = checkReferenceUri(reference, root);

  const [transforms, digestMethod, digestValue, ...extra] = dsigChildren(reference, 'Reference');
  expectElement(transforms, 'Transforms');
  expectElement(digestMethod, 'DigestMethod');
  expectElement(digestValue, 'DigestValue');
  if (extra.length > 0) structure('unexpected content in Reference');
  checkTransforms(transforms);
  const digestHash = digestAlgorithm(digestMethod.getAttribute('Algorithm') ?? '');

  return {
    signedInfo,
    signatureValue: base64Content(signatureValue, 'SignatureValue'),
    algorithm,
    referenceUri,
    digestHash,
    digestValue: base64Content(digestValue, 'DigestValue'),
    presented: keyInfo === undefined ? undefined : presentedCertificate(keyInfo),
  };
}

function checkReferenceUri(reference: Element, root: Element): string {
  if (!reference.hasAttribute('URI'))
    throw new VkhidError('SIGNATURE_REFERENCE', { args: ['URI is missing'] });
  const uri = reference.getAttribute('URI') ?? '';
  if (uri === '') return uri;
  const rootId = root.getAttribute('Id');
  if (!uri.startsWith('#') || rootId === null || rootId === '' || uri.slice(1) !== rootId) {
    throw new VkhidError('SIGNATURE_REFERENCE', { args: [`URI "${uri}" does not name the root`] });
  }
  // The Id must be unique in the whole document, or a wrapped copy could answer to the same reference.
  let count = 0;
  const stack: Element[] = [root];
  while (stack.length > 0) {
    const element = stack.pop()!;
    for (const name of ID_ATTRIBUTES) if (element.getAttribute(name) === rootId) count++;
    for (let child = element.firstChild; child !== null; child = child.nextSibling) {
      if (child.nodeType === 1) stack.push(child as Element);
    }
  }
  if (count > 1) throw new VkhidError('SIGNATURE_DUPLICATE_ID', { args: [rootId] });
  return uri;
}

function checkTransforms(transforms: Element): void {
  const list = dsigChildren(transforms, 'Transforms');
  const uris = list.map((transform) => {
    expectElement(transform, 'Transform');
    if (hasChildElements(transform))
      structure('a Transform must be empty (no XPath, no InclusiveNamespaces)');
    return transform.getAttribute('Algorithm') ?? '';
  });
  const expected = [ENVELOPED_SIGNATURE, EXC_C14N];
  if (uris.length !== expected.length || uris.some((uri, index) => uri !== expected[index])) {
    const offending = uris.find((uri, index) => uri !== expected[index]) ?? `${uris.length} transforms`;
    throw new VkhidError('SIGNATURE_ALGORITHM_FORBIDDEN', { args: ['transform', offending] });
  }
}

function presentedCertificate(keyInfo: Element): X509Certificate | undefined {
  for (const data of dsigChildren(keyInfo, 'KeyInfo')) {
    if (data.localName !== 'X509Data') continue;
    for (const item of dsigChildren(data, 'X509Data')) {
      if (item.localName !== 'X509Certificate') continue;
      try {
        return parseCertificate(base64Content(item, 'X509Certificate'));
      } catch (error) {
        throw new VkhidError('CERT_INVALID', { args: ['KeyInfo X509Certificate'], cause: error });
      }
    }
  }
  return undefined;
}

// Parsing a certificate costs about as much as verifying a signature; senders reuse theirs, so cache them.
const certificateCache = new Map<string, X509Certificate>();

function parseCertificate(der: Buffer): X509Certificate {
  const key = der.toString('base64');
  let certificate = certificateCache.get(key);
  if (certificate === undefined) {
    certificate = new X509Certificate(der);
    if (certificateCache.size >= 1000)
      certificateCache.delete(certificateCache.keys().next().value as string);
    certificateCache.set(key, certificate);
  }
  return certificate;
}

/** The element children of a ds element; non-whitespace text or foreign elements break the profile. */
function dsigChildren(parent: Element, name: string): Element[] {
  const children: Element[] = [];
  for (let child = parent.firstChild; child !== null; child = child.nextSibling) {
    if (child.nodeType === 1) {
      const element = child as Element;
      if (element.namespaceURI !== DSIG_NAMESPACE)
        structure(`foreign element ${element.tagName} in ds:${name}`);
      children.push(element);
    } else if (child.nodeType === 3 && (child.nodeValue ?? '').trim() !== '') {
      structure(`text in ds:${name}`);
    }
  }
  return children;
}

function expectElement(element: Element | undefined, localName: string): asserts element is Element {
  if (element?.localName !== localName) structure(`expected ds:${localName}`);
}

function hasChildElements(element: Element): boolean {
  for (let child = element.firstChild; child !== null; child = child.nextSibling)
    if (child.nodeType === 1) return true;
  return false;
}

function lastChildElement(element: Element): Element | null {
  for (let child = element.lastChild; child !== null; child = child.previousSibling) {
    if (child.nodeType === 1) return child as Element;
  }
  return null;
}

const BASE64 = /^[A-Za-z0-9+/\s]*={0,2}\s*$/;

function base64Content(element: Element, name: string): Buffer {
  const text = element.textContent ?? '';
  if (hasChildElements(element) || !BASE64.test(text)) structure(`ds:${name} is not base64`);
  return Buffer.from(text, 'base64');
}

function structure(why: string): never {
  throw new VkhidError('SIGNATURE_STRUCTURE', { args: [why] });
}

/**
 * Reads a header field from the received DOM to choose the key. It is not trusted yet: once the signature
 * verifies, the same DOM's canonical form is what was signed, so the value is then authenticated.
 */
function headerValue(root: Element, name: string): string {
  for (let child = root.firstChild; child !== null; child = child.nextSibling) {
    if (child.nodeType !== 1 || (child as Element).localName !== 'Header') continue;
    for (let field = child.firstChild; field !== null; field = field.nextSibling) {
      if (
        field.nodeType === 1 &&
        (field as Element).localName === name &&
        (field as Element).namespaceURI === ENVELOPE_NAMESPACE
      ) {
        return field.textContent ?? '';
      }
    }
  }
  throw new VkhidError('ENVELOPE_SCHEMA_INVALID', {
    args: [`Header/${name} is missing`],
    field: `Header/${name}`,
  });
}
