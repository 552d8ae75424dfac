/**
 * The few DER and PEM operations the PKI needs byte-exactly: slicing a certificate's subject (a certificate's
 * issuer must repeat its CA's subject byte for byte), wrapping already-encoded parts in a SEQUENCE, and strict
 * PEM decoding of untrusted input. Definite lengths only (DER has no others).
 */

/** One tag-length-value element: `start` is where the tag is, `contentStart..end` the contents. */
export interface Tlv {
  readonly tag: number;
  readonly start: number;
  readonly contentStart: number;
  readonly end: number;
}

/** Reads the element at `offset`; throws RangeError on anything that is not a definite-length DER element. */
export function readTlv(der: Uint8Array, offset = 0, limit = der.length): Tlv {
  if (offset + 2 > limit) throw new RangeError('truncated element');
  const tag = der[offset]!;
  // High-tag-number form (tag number 31) does not occur in the structures read here.
  if ((tag & 0x1f) === 0x1f) throw new RangeError('multi-byte tags are not supported');
  let length = der[offset + 1]!;
  let contentStart = offset + 2;
  if (length & 0x80) {
    const octets = length & 0x7f;
    if (octets === 0) throw new RangeError('indefinite length is not DER');
    if (octets > 4) throw new RangeError('length too large');
    if (contentStart + octets > limit) throw new RangeError('truncated length');
    length = 0;
    for (let index = 0; index < octets; index++) length = length * 256 + der[contentStart + index]!;
    if (length < 0x80 || der[contentStart] === 0) throw new RangeError('length not minimally encoded');
    contentStart += octets;
  }
  const end = contentStart + length;
  if (end > limit) throw new RangeError('truncated contents');
  return { tag, start: offset, contentStart, end };
}

/** The elements inside a constructed element. */
export function childrenOf(der: Uint8Array, parent: Tlv): Tlv[] {
  const children: Tlv[] = [];
  for (let offset = parent.contentStart; offset < parent.end;) {
    const child = readTlv(der, offset, parent.end);
    children.push(child);
    offset = child.end;
  }
  return children;
}

/** Checks that `der` is exactly one element (no trailing bytes) and returns it. */
export function readSingle(der: Uint8Array): Tlv {
  const top = readTlv(der);
  if (top.end !== der.length) throw new RangeError(`${der.length - top.end} bytes after the outer element`);
  return top;
}

export function slice(der: Uint8Array, tlv: Tlv): Buffer {
  return Buffer.from(der.subarray(tlv.start, tlv.end));
}

/** The encoded subject Name of a DER certificate, byte for byte. */
export function certificateSubject(certificateDer: Uint8Array): Buffer {
  const tbs = tbsFields(certificateDer);
  // TBSCertificate: [0] version (present in v2/v3), serial, signature, issuer, validity, subject, ...
  const offset = tbs[0]?.tag === 0xa0 ? 1 : 0;
  const subject = tbs[offset + 4];
  if (subject === undefined) throw new RangeError('the certificate has no subject');
  return slice(certificateDer, subject);
}

/** The encoded issuer Name of a DER certificate, byte for byte. */
export function certificateIssuer(certificateDer: Uint8Array): Buffer {
  const tbs = tbsFields(certificateDer);
  const offset = tbs[0]?.tag === 0xa0 ? 1 : 0;
  const issuer = tbs[offset + 2];
  if (issuer === undefined) throw new RangeError('the certificate has no issuer');
  return slice(certificateDer, issuer);
}

function tbsFields(certificateDer: Uint8Array): Tlv[] {
  const certificate = readSingle(certificateDer);
  const [tbs] = childrenOf(certificateDer, certificate);
  if (tbs === undefined) throw new RangeError('empty certificate');
  return childrenOf(certificateDer, tbs);
}

/** A DER SEQUENCE around already-encoded elements. */
export function derSequence(parts: readonly Uint8Array[]): Buffer {
  return derElement(0x30, Buffer.concat(parts));
}

export function derBitString(contents: Uint8Array): Buffer {
  return derElement(0x03, Buffer.concat([Buffer.of(0), contents]));
}

export function derElement(tag: number, contents: Uint8Array): Buffer {
  return Buffer.concat([Buffer.of(tag), derLength(contents.length), contents]);
}

function derLength(length: number): Buffer {
  if (length < 0x80) return Buffer.of(length);
  const octets: number[] = [];
  for (let rest = length; rest > 0; rest = Math.floor(rest / 256)) octets.unshift(rest % 256);
  return Buffer.of(0x80 | octets.length, ...octets);
}

/** The contents octets of a DER INTEGER for a non-negative integer (minimal, with a leading 0 when needed). */
export function unsignedIntegerOctets(value: bigint): Buffer {
  if (value < 0n) throw new RangeError('negative integer');
  let hex = value.toString(16);
  if (hex.length % 2 === 1) hex = `0${hex}`;
  const bytes = Buffer.from(hex, 'hex');
  return bytes[0]! & 0x80 ? Buffer.concat([Buffer.of(0), bytes]) : bytes;
}

/** PEM text for DER bytes (64-character lines, as RFC 7468 and OpenSSL write it). */
export function encodePem(der: Uint8Array, label: string): string {
  const base64 = Buffer.from(der).toString('base64');
  const lines = base64.match(/.{1,64}/g) ?? [];
  return `-----BEGIN ${label}-----\n${lines.join('\n')}\n-----END ${label}-----\n`;
}

/**
 * The DER inside the one PEM block with one of `labels`. Strict (RFC 7468): exactly one block, nothing but
 * whitespace around it, only base64 characters inside. Throws RangeError with the reason.
 */
export function decodePem(text: string, labels: readonly string[]): Buffer {
  const blocks = [...text.matchAll(/-----BEGIN ([A-Z0-9 ]+)-----([\s\S]*?)-----END ([A-Z0-9 ]+)-----/g)];
  if (blocks.length === 0) throw new RangeError(`no PEM block (expected ${labels.join(' or ')})`);
  if (blocks.length > 1) throw new RangeError(`${blocks.length} PEM blocks; exactly one is expected`);
  const [block] = blocks;
  const [whole, begin, body, end] = block!;
  if (begin !== end || !labels.includes(begin!)) {
    throw new RangeError(`PEM label ${begin ?? '?'} (expected ${labels.join(' or ')})`);
  }
  if (text.replace(whole, '').trim() !== '') throw new RangeError('text outside the PEM block');
  const base64 = body!.replace(/\s+/g, '');
  if (!/^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/.test(base64)) {
    throw new RangeError('the PEM body is not base64');
  }
  return Buffer.from(base64, 'base64');
}
