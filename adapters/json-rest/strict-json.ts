import { VkhidError } from '../../gateway/errors/vkhid-error.js';
import { isPlainObject, toPointer } from './agency-path.js';

/** Deepest nesting of objects and arrays accepted; agency documents are a few levels deep. */
export const MAX_JSON_DEPTH = 64;

/**
 * Reads an agency's JSON document strictly: UTF-8 only (RFC 8259 §8.1; an invalid byte is refused, never
 * replaced), an object at the root, no member name twice in one object and no nesting deeper than
 * MAX_JSON_DEPTH. JSON.parse keeps the last of two equal names silently, so a document could say one thing to
 * a schema validator or a reviewer and another to the mapping; the recursive code after parsing (the schema
 * validator, the mapping) must not meet unbounded nesting either.
 */
export function parseStrictJson(bytes: Uint8Array): Record<string, unknown> {
  let text: string;
  try {
    // A leading BOM is dropped (RFC 8259 allows a parser to ignore it).
    text = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch (error) {
    throw new VkhidError('ADAPTER_BAD_ENCODING', {
      args: ['UTF-8 JSON', 'it holds a byte sequence that is not UTF-8'],
      cause: error,
    });
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw new VkhidError('ADAPTER_MALFORMED', {
      args: ['JSON', error instanceof Error ? error.message : String(error)],
      cause: error,
    });
  }
  if (!isPlainObject(value)) {
    throw new VkhidError('ADAPTER_MALFORMED', { args: ['JSON', 'the root is not an object'] });
  }
  checkStructure(text);
  return value;
}

interface Frame {
  readonly object: boolean;
  readonly names: Set<string>;
  expectName: boolean;
  name: string;
  index: number;
}

const QUOTE = 0x22;
const BACKSLASH = 0x5c;

/**
 * One linear pass over text JSON.parse has already accepted (so only structure needs tracking): refuses a
 * repeated member name, naming it by pointer, and nesting deeper than MAX_JSON_DEPTH.
 */
function checkStructure(text: string): void {
  const stack: Frame[] = [];
  const n = text.length;
  let i = 0;
  while (i < n) {
    const c = text.charCodeAt(i);
    if (c === QUOTE) {
      const end = endOfString(text, i);
      const top = stack[stack.length - 1];
      if (top !== undefined && top.object && top.expectName) {
        const raw = text.slice(i + 1, end - 1);
        const name = raw.includes('\\') ? (JSON.parse(text.slice(i, end)) as string) : raw;
        if (top.names.has(name)) {
          throw new VkhidError('ADAPTER_MALFORMED', {
            args: ['JSON', `the member ${JSON.stringify(name)} appears twice in one object`],
            field: toPointer([...pathOf(stack.slice(0, -1)), name]),
          });
        }
        top.names.add(name);
        top.name = name;
        top.expectName = false;
      }
      i = end;
      continue;
    }
    if (c === 0x7b /* { */ || c === 0x5b /* [ */) {
      if (stack.length >= MAX_JSON_DEPTH) {
        throw new VkhidError('ADAPTER_MALFORMED', {
          args: ['JSON', `it is nested deeper than ${MAX_JSON_DEPTH} levels`],
          field: toPointer(pathOf(stack)),
        });
      }
      stack.push({ object: c === 0x7b, names: new Set(), expectName: true, name: '', index: 0 });
    } else if (c === 0x7d /* } */ || c === 0x5d /* ] */) {
      stack.pop();
    } else if (c === 0x2c /* , */) {
      const top = stack[stack.length - 1] as Frame;
      if (top.object) top.expectName = true;
      else top.index++;
    }
    i++;
  }
}

/** The index just past the closing quote of the string starting at `start`. */
function endOfString(text: string, start: number): number {
  let j = start + 1;
  for (;;) {
    const quote = text.indexOf('"', j);
    let backslashes = 0;
    while (text.charCodeAt(quote - 1 - backslashes) === BACKSLASH) backslashes++;
    if (backslashes % 2 === 0) return quote + 1;
    j = quote + 1;
  }
}

function pathOf(frames: readonly Frame[]): (string | number)[] {
  return frames.map((frame) => (frame.object ? frame.name : frame.index));
}
