import { isUtf8 } from 'node:buffer';
import { DOMParser } from '@xmldom/xmldom';
import { VkhidError } from '../errors/vkhid-error.js';

/**
 * Hardened intake for untrusted XML. Everything here runs before the document reaches a DOM, a signature
 * check or the schema, because those allocate memory and recurse in proportion to the input: the limits must
 * be enforced by code that does neither.
 */
export interface IntakeLimits {
  /** Largest accepted document, in bytes (default 20 MB). */
  readonly maxBytes: number;
  /** Deepest element nesting (the envelope needs 6; default 32). */
  readonly maxDepth: number;
  /** Most elements in one document (default 20,000). */
  readonly maxElements: number;
  /** Most attributes, namespace declarations included, on one element (default 32). */
  readonly maxAttributesPerElement: number;
}

export const defaultIntakeLimits: IntakeLimits = Object.freeze({
  maxBytes: 20 * 1024 * 1024,
  maxDepth: 32,
  maxElements: 20_000,
  maxAttributesPerElement: 32,
});

/** What the pre-parse scan learned about the document. */
export interface XmlScan {
  readonly elements: number;
  readonly maxDepth: number;
  /** A comment was found inside the root element. */
  readonly commentInsideRoot: boolean;
  /** Processing instructions anywhere in the document (the XML declaration is not one). */
  readonly processingInstructions: number;
}

export interface IntakeResult {
  /** The document decoded to a string (BOM removed). */
  readonly text: string;
  /** The encoding it was decoded from, as a WHATWG label (`utf-8`, `windows-1251`, ...). */
  readonly encoding: string;
  readonly scan: XmlScan;
}

const UTF8_BOM = [0xef, 0xbb, 0xbf] as const;

/**
 * Checks size, decodes strictly, rejects DTDs and checks the structural limits. The result is safe to hand
 * to a DOM parser.
 */
export function intakeXml(bytes: Uint8Array, limits: IntakeLimits = defaultIntakeLimits): IntakeResult {
  if (bytes.length === 0) throw new VkhidError('INTAKE_EMPTY');
  if (bytes.length > limits.maxBytes) {
    throw new VkhidError('INTAKE_TOO_LARGE', { args: [bytes.length, limits.maxBytes] });
  }
  const { text, encoding } = decodeXml(bytes);
  const scan = scanXml(text, limits);
  return { text, encoding, scan };
}

/**
 * Decodes the bytes strictly: a byte sequence that is not valid in the encoding is an error, never a
 * replacement character (a U+FFFD slipped into a signed value would change what the signer meant).
 * UTF-8 is the default; a UTF-16 BOM or an `encoding` in the XML declaration selects another encoding.
 */
export function decodeXml(bytes: Uint8Array): { text: string; encoding: string } {
  const buffer = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (
    buffer.length >= 2 &&
    ((buffer[0] === 0xfe && buffer[1] === 0xff) || (buffer[0] === 0xff && buffer[1] === 0xfe))
  ) {
    const label = buffer[0] === 0xfe ? 'utf-16be' : 'utf-16le';
    return { text: strictDecode(buffer.subarray(2), label), encoding: label };
  }
  const hasBom = buffer[0] === UTF8_BOM[0] && buffer[1] === UTF8_BOM[1] && buffer[2] === UTF8_BOM[2];
  const body = hasBom ? buffer.subarray(3) : buffer;
  const declared = hasBom ? undefined : declaredEncoding(body);
  const label = normaliseLabel(declared ?? 'utf-8');
  if (label === 'utf-8') {
    // Fast path: a native validity check, then a plain decode (TextDecoder is 5x slower for the same work).
    if (!isUtf8(body))
      throw new VkhidError('INTAKE_BAD_ENCODING', { args: ['UTF-8', firstInvalidUtf8(body)] });
    return { text: body.toString('utf8'), encoding: 'utf-8' };
  }
  return { text: strictDecode(body, label), encoding: label };
}

function strictDecode(bytes: Buffer, label: string): string {
  let decoder: TextDecoder;
  try {
    decoder = new TextDecoder(label, { fatal: true, ignoreBOM: false });
  } catch {
    throw new VkhidError('INTAKE_UNSUPPORTED_ENCODING', { args: [label] });
  }
  let text: string;
  try {
    text = decoder.decode(bytes);
  } catch (error) {
    throw new VkhidError('INTAKE_BAD_ENCODING', {
      args: [label, 'a byte sequence is not valid'],
      cause: error,
    });
  }
  // The WHATWG tables map the bytes a legacy code page leaves undefined (0x98 in windows-1251) to C1 controls,
  // where libxml2 (iconv) refuses them. No real text in a legacy encoding has C1 controls, so refuse them, and
  // the verifier and the schema check keep agreeing on what a document says.
  const c1 = /[\u0080-\u009f]/.exec(text);
  if (c1 !== null && !label.startsWith('utf-')) {
    throw new VkhidError('INTAKE_BAD_ENCODING', {
      args: [
        label,
        `byte for U+00${c1[0].charCodeAt(0).toString(16).toUpperCase()} is undefined in this encoding`,
      ],
    });
  }
  return text;
}

/** The `encoding` pseudo-attribute of the XML declaration, read as ASCII from the first bytes. */
function declaredEncoding(bytes: Buffer): string | undefined {
  if (!(bytes[0] === 0x3c && bytes[1] === 0x3f)) return undefined; // "<?"
  const end = bytes.indexOf('?>', 0, 'latin1');
  if (end < 0 || end > 256) return undefined;
  const declaration = bytes.toString('latin1', 0, end);
  if (!declaration.startsWith('<?xml')) return undefined;
  const match = /\sencoding\s*=\s*(?:"([A-Za-z][A-Za-z0-9._-]*)"|'([A-Za-z][A-Za-z0-9._-]*)')/.exec(
    declaration,
  );
  return match?.[1] ?? match?.[2];
}

function normaliseLabel(label: string): string {
  const lower = label.toLowerCase();
  if (lower === 'utf8' || lower === 'utf-8') return 'utf-8';
  if (lower === 'cp1251' || lower === 'win-1251') return 'windows-1251';
  return lower;
}

function firstInvalidUtf8(bytes: Buffer): string {
  // Only runs on the error path. Binary-search the longest prefix a streaming decoder accepts (streaming, so a
  // prefix ending inside a valid character is not mistaken for an invalid one); the bad sequence starts at the
  // first byte that prefix had not yet turned into a complete character.
  const refuses = (length: number): boolean => {
    try {
      new TextDecoder('utf-8', { fatal: true }).decode(bytes.subarray(0, length), { stream: true });
      return false;
    } catch {
      return true;
    }
  };
  let accepted = bytes.length;
  if (refuses(bytes.length)) {
    let low = 0;
    let high = bytes.length;
    while (high - low > 1) {
      const mid = (low + high) >>> 1;
      if (refuses(mid)) high = mid;
      else low = mid;
    }
    accepted = low;
  }
  let start = accepted;
  for (let back = 1; back <= 3 && accepted - back >= 0; back++) {
    const byte = bytes[accepted - back]!;
    if (byte < 0x80) break; // ASCII: the prefix ends on a character boundary
    if (byte >= 0xc0) {
      const length = byte >= 0xf0 ? 4 : byte >= 0xe0 ? 3 : 2;
      if (back < length) start = accepted - back; // an incomplete character: the bad sequence starts here
      break;
    }
  }
  return `invalid byte sequence at offset ${start}`;
}

// Character codes the scanner looks at.
const GT = 0x3e;
const SLASH = 0x2f;
const BANG = 0x21;
const QUESTION = 0x3f;
const QUOTE = 0x22;
const APOS = 0x27;
const EQUALS = 0x3d;

/**
 * One linear pass over the markup, without building anything: rejects DTDs and counts depth, elements and
 * attributes. It skips text with indexOf, so a 1 MB base64 attachment costs almost nothing. The scan does not
 * judge well-formedness (the parsers do); where the markup is broken it may count differently, which only
 * matters for documents the parser then refuses anyway.
 */
export function scanXml(text: string, limits: IntakeLimits = defaultIntakeLimits): XmlScan {
  let depth = 0;
  let deepest = 0;
  let elements = 0;
  let commentInsideRoot = false;
  let processingInstructions = 0;
  let position = text.indexOf('<');
  if (hasNonWhitespace(text, 0, position < 0 ? text.length : position)) malformedOutsideRoot('text');
  while (position >= 0) {
    const next = text.charCodeAt(position + 1);
    if (next === BANG) {
      if (text.startsWith('<!--', position)) {
        if (depth > 0) commentInsideRoot = true;
        position = skipPast(text, '-->', position + 4);
      } else if (text.startsWith('<![CDATA[', position)) {
        position = skipPast(text, ']]>', position + 9);
      } else {
        // <!DOCTYPE, <!ENTITY, <!ELEMENT, <!ATTLIST ...: no DTD of any kind is ever accepted.
        throw new VkhidError('INTAKE_DTD_FORBIDDEN');
      }
    } else if (next === QUESTION) {
      if (!(position === 0 && /^<\?xml[\s?]/.test(text.slice(0, 6)))) processingInstructions++;
      position = skipPast(text, '?>', position + 2);
    } else if (next === SLASH) {
      depth--;
      position = skipPast(text, '>', position + 2);
    } else {
      if (depth === 0 && elements > 0) malformedOutsideRoot('a second root element');
      elements++;
      if (elements > limits.maxElements) {
        throw new VkhidError('INTAKE_TOO_MANY_ELEMENTS', { args: [limits.maxElements] });
      }
      // Walk the start tag, counting attributes (each has exactly one '=' outside quotes).
      let attributes = 0;
      let quote = 0;
      let index = position + 1;
      let selfClosing = false;
      for (; index < text.length; index++) {
        const code = text.charCodeAt(index);
        if (quote !== 0) {
          if (code === quote) quote = 0;
        } else if (code === QUOTE || code === APOS) {
          quote = code;
        } else if (code === EQUALS) {
          attributes++;
        } else if (code === GT) {
          selfClosing = text.charCodeAt(index - 1) === SLASH;
          break;
        }
      }
      if (attributes > limits.maxAttributesPerElement) {
        throw new VkhidError('INTAKE_TOO_MANY_ATTRIBUTES', { args: [limits.maxAttributesPerElement] });
      }
      if (!selfClosing) {
        depth++;
        if (depth > deepest) {
          deepest = depth;
          if (depth > limits.maxDepth) throw new VkhidError('INTAKE_TOO_DEEP', { args: [limits.maxDepth] });
        }
      }
      position = index + 1;
    }
    if (position < 0) break;
    const nextTag = text.indexOf('<', position);
    // Text outside the root is not XML; xmldom would drop it silently, so the scan refuses it.
    if (depth <= 0 && hasNonWhitespace(text, position, nextTag < 0 ? text.length : nextTag))
      malformedOutsideRoot('text');
    position = nextTag;
  }
  if (elements > 0 && depth > 0) malformedOutsideRoot('an unclosed root element');
  return { elements, maxDepth: deepest, commentInsideRoot, processingInstructions };
}

function hasNonWhitespace(text: string, from: number, to: number): boolean {
  for (let index = from; index < to; index++) {
    const code = text.charCodeAt(index);
    if (code !== 0x20 && code !== 0x0a && code !== 0x0d && code !== 0x09) return true;
  }
  return false;
}

function malformedOutsideRoot(what: string): never {
  throw new VkhidError('INTAKE_MALFORMED', { args: [`${what} outside the root element`] });
}

function skipPast(text: string, terminator: string, from: number): number {
  const at = text.indexOf(terminator, from);
  return at < 0 ? -1 : at + terminator.length;
}

/**
 * xmldom reports many well-formedness problems as warnings and carries on; for untrusted input every one of
 * them is a refusal, so the document a signature is checked on is the document the sender wrote. The first
 * problem is kept: xmldom catches what a handler throws and reports it again, wrapped, through the handler.
 */
function strictErrorHandler(): {
  handler: Record<'warning' | 'error' | 'fatalError', (message: string) => never>;
  first: () => VkhidError | undefined;
} {
  let first: VkhidError | undefined;
  const fail = (message: string): never => {
    first ??= new VkhidError('INTAKE_MALFORMED', {
      args: [message.replace(/^\[xmldom [a-z]+\]\s*/i, '').split('\n')[0] ?? message],
    });
    throw first;
  };
  return { handler: { warning: fail, error: fail, fatalError: fail }, first: () => first };
}

/** Parses intake-checked text into a DOM, refusing anything xmldom would have to repair. */
export function parseXml(text: string): Document {
  const { handler, first } = strictErrorHandler();
  let document: Document;
  try {
    // No locator: position tracking costs 10% of parse time and messages name the problem anyway.
    document = new DOMParser({ errorHandler: handler }).parseFromString(text, 'text/xml');
  } catch (error) {
    throw (
      first() ??
      new VkhidError('INTAKE_MALFORMED', {
        args: [error instanceof Error ? error.message : String(error)],
        cause: error,
      })
    );
  }
  if (document.doctype !== null && document.doctype !== undefined)
    throw new VkhidError('INTAKE_DTD_FORBIDDEN');
  if (document.documentElement === null)
    throw new VkhidError('INTAKE_MALFORMED', { args: ['no root element'] });
  checkNamespacesBound(document.documentElement);
  return document;
}

/**
 * xmldom 0.8 accepts a prefix nobody declared (`<p:b/>`) and leaves its namespace empty; such a document is
 * not namespace-well-formed, and libxml2 (which checks the signed content) would read it differently.
 */
function checkNamespacesBound(root: Element): void {
  const stack: Element[] = [root];
  while (stack.length > 0) {
    const element = stack.pop()!;
    if (element.prefix !== null && element.prefix !== '' && !element.namespaceURI) {
      throw new VkhidError('INTAKE_MALFORMED', {
        args: [`the prefix of ${element.tagName} is not declared`],
      });
    }
    const attributes = element.attributes;
    for (let index = 0; index < attributes.length; index++) {
      const attribute = attributes.item(index)!;
      const prefix = attribute.prefix;
      if (prefix !== null && prefix !== '' && prefix !== 'xmlns' && !attribute.namespaceURI) {
        throw new VkhidError('INTAKE_MALFORMED', {
          args: [`the prefix of attribute ${attribute.name} is not declared`],
        });
      }
    }
    for (let child = element.firstChild; child !== null; child = child.nextSibling) {
      if (child.nodeType === 1) stack.push(child as Element);
    }
  }
}
