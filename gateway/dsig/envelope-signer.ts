import { createHash, sign as cryptoSign, type KeyObject, type X509Certificate } from 'node:crypto';
import { VkhidError } from '../errors/vkhid-error.js';
import { defaultIntakeLimits, intakeXml, parseXml, type IntakeLimits } from '../xml/xml-intake.js';
import {
  canonicalize,
  checkKeyFits,
  checkProfileMarkup,
  cryptoKeyOptions,
  defaultSignatureAlgorithm,
  DSIG_NAMESPACE,
  ENVELOPED_SIGNATURE,
  EXC_C14N,
  SHA256_DIGEST,
  type SignatureAlgorithm,
} from './xmldsig-profile.js';

export interface EnvelopeSignerOptions {
  readonly privateKey: KeyObject;
  /** The signer's certificate, published in KeyInfo so receivers can pick the right trusted key. */
  readonly certificate: X509Certificate;
  /** Reference the root as URI="" (default) or by its Id attribute (URI="#Id"). */
  readonly reference?: 'document' | 'root-id';
  readonly limits?: IntakeLimits;
}

/**
 * Signs a document with an enveloped XML signature in the Vkhid profile (see xmldsig-profile.ts), placed as
 * the last child of the root. The signature XML is spliced into the original text before the root's end tag,
 * so the bytes the sender wrote stay exactly as they were and nothing is re-serialized.
 */
export class EnvelopeSigner {
  private readonly privateKey: KeyObject;
  private readonly algorithm: SignatureAlgorithm;
  private readonly keyInfo: string;
  private readonly reference: 'document' | 'root-id';
  private readonly limits: IntakeLimits;

  constructor(options: EnvelopeSignerOptions) {
    if (options.privateKey.type !== 'private')
      throw new VkhidError('KEY_INVALID', { args: ['not a private key'] });
    this.privateKey = options.privateKey;
    this.algorithm = defaultSignatureAlgorithm(options.privateKey);
    checkKeyFits(this.algorithm, options.certificate.publicKey);
    if (!options.certificate.checkPrivateKey(options.privateKey)) {
      throw new VkhidError('KEY_INVALID', { args: ['the key does not belong to the certificate'] });
    }
    this.keyInfo =
      `<ds:KeyInfo><ds:X509Data><ds:X509Certificate>${options.certificate.raw.toString('base64')}` +
      `</ds:X509Certificate></ds:X509Data></ds:KeyInfo>`;
    this.reference = options.reference ?? 'document';
    this.limits = options.limits ?? defaultIntakeLimits;
  }

  /** Signs `xml` (text or bytes in any encoding intake accepts) and returns the signed document as text. */
  sign(xml: string | Uint8Array): string {
    const bytes = typeof xml === 'string' ? Buffer.from(xml, 'utf8') : xml;
    const { text, encoding, scan } = intakeXml(bytes, this.limits);
    // What the verifier would refuse is never signed.
    checkProfileMarkup(scan);
    const document = parseXml(text);
    const root = document.documentElement;
    for (let child = root.firstChild; child !== null; child = child.nextSibling) {
      if (
        child.nodeType === 1 &&
        (child as Element).localName === 'Signature' &&
        (child as Element).namespaceURI === DSIG_NAMESPACE
      ) {
        throw new VkhidError('SIGNATURE_ALREADY_SIGNED');
      }
    }
    let uri = '';
    if (this.reference === 'root-id') {
      const id = root.getAttribute('Id');
      if (id === null || id === '')
        throw new VkhidError('SIGNATURE_REFERENCE', { args: ['the root has no Id attribute'] });
      uri = `#${id}`;
    }

    const digest = createHash('sha256').update(canonicalize(root), 'utf8').digest('base64');
    // SignedInfo is written directly in its exclusive-c14n form (ds prefix declared on itself, empty elements
    // as start/end pairs, attributes in order), so the bytes signed here are the bytes a verifier
    // canonicalizes it to; the interoperability tests hold this against xmlsec1.
    const signedInfo =
      `<ds:SignedInfo xmlns:ds="${DSIG_NAMESPACE}">` +
      `<ds:CanonicalizationMethod Algorithm="${EXC_C14N}"></ds:CanonicalizationMethod>` +
      `<ds:SignatureMethod Algorithm="${this.algorithm.uri}"></ds:SignatureMethod>` +
      `<ds:Reference URI="${uri}"><ds:Transforms>` +
      `<ds:Transform Algorithm="${ENVELOPED_SIGNATURE}"></ds:Transform>` +
      `<ds:Transform Algorithm="${EXC_C14N}"></ds:Transform></ds:Transforms>` +
      `<ds:DigestMethod Algorithm="${SHA256_DIGEST}"></ds:DigestMethod>` +
      `<ds:DigestValue>${digest}</ds:DigestValue></ds:Reference></ds:SignedInfo>`;
    const value = cryptoSign(
      this.algorithm.hash,
      Buffer.from(signedInfo, 'utf8'),
      cryptoKeyOptions(this.algorithm, this.privateKey),
    ).toString('base64');
    const signature =
      `<ds:Signature xmlns:ds="${DSIG_NAMESPACE}">${signedInfo.replace(` xmlns:ds="${DSIG_NAMESPACE}"`, '')}` +
      `<ds:SignatureValue>${value}</ds:SignatureValue>${this.keyInfo}</ds:Signature>`;

    const at = rootEndTagOffset(text, root.tagName);
    const signed = text.slice(0, at) + signature + text.slice(at);
    return encoding === 'utf-8' ? signed : declareUtf8(signed);
  }
}

/**
 * Where the root's end tag starts. Only whitespace, comments and processing instructions may follow the root
 * (XML's Misc production), and the document is already known to be well-formed, so the last `</name` whose
 * tail is Misc is the root's end tag.
 */
function rootEndTagOffset(text: string, tagName: string): number {
  const at = text.lastIndexOf(`</${tagName}`);
  const tail = text.slice(text.indexOf('>', at) + 1);
  if (at < 0 || !/^(?:\s|<!--[\s\S]*?-->|<\?[\s\S]*?\?>)*$/.test(tail)) {
    throw new VkhidError('ENVELOPE_SCHEMA_INVALID', { args: ['the root element must have an end tag'] });
  }
  return at;
}

/** The output is always UTF-8: a declaration naming another encoding would now be a lie. */
function declareUtf8(text: string): string {
  return text.replace(/^<\?xml[^?]*\?>/, '<?xml version="1.0" encoding="UTF-8"?>');
}
