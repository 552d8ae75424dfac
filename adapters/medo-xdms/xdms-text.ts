import iconv from 'iconv-lite';
import { offsetOfWallTime } from '../../gateway/deadlines/civil-dates.js';
import type { XdmsEncoding } from './xdms-settings.js';

/**
 * Text handling for the XML the adapter writes. A windows-1251 document can still carry any Unicode character:
 * what the code page lacks (Latin accents, emoji, CJK...) is written as a numeric character reference, which
 * every XML parser resolves whatever the document's encoding, so no value is ever lost or replaced by '?'.
 */

/** Code points windows-1251 encodes, except the C1 controls (0x98 is undefined there; intake refuses C1). */
const CP1251: ReadonlySet<number> = (() => {
  const set = new Set<number>();
  const text = new TextDecoder('windows-1251').decode(Uint8Array.from({ length: 256 }, (_, byte) => byte));
  for (const character of text) {
    const codePoint = character.codePointAt(0) as number;
    if (!(codePoint >= 0x80 && codePoint <= 0x9f)) set.add(codePoint);
  }
  return set;
})();

export function escapeXml(value: string, encoding: XdmsEncoding, inAttribute: boolean): string {
  let out = '';
  for (const character of value) {
    const codePoint = character.codePointAt(0) as number;
    if (character === '&') out += '&amp;';
    else if (character === '<') out += '&lt;';
    else if (character === '>') out += '&gt;';
    // A literal CR would be normalised to LF by the parser at the other end, and in attributes tabs and line
    // ends to spaces: references keep them.
    else if (character === '\r') out += '&#xD;';
    // LINE SEPARATOR is an ordinary character in XML 1.0, but readers that apply XML 1.1's line-end rules
    // (@xmldom/xmldom among them) turn it into a line feed (NEL, U+0085, is referenced below with the C1 range).
    else if (character === '\u2028') out += '&#x2028;';
    else if (inAttribute && character === '"') out += '&quot;';
    else if (inAttribute && character === '\n') out += '&#xA;';
    else if (inAttribute && character === '\t') out += '&#x9;';
    else if (codePoint >= 0x7f && (encoding === 'utf-8' ? codePoint <= 0x9f : !CP1251.has(codePoint)))
      out += `&#x${codePoint.toString(16).toUpperCase()};`;
    else out += character;
  }
  return out;
}

export function xmlDeclaration(encoding: XdmsEncoding): string {
  return `<?xml version="1.0" encoding="${encoding}"?>`;
}

/** The document's bytes; the text holds only characters the encoding has (escapeXml saw to it). */
export function encodeXml(text: string, encoding: XdmsEncoding): Buffer {
  return encoding === 'utf-8' ? Buffer.from(text, 'utf8') : iconv.encode(text, 'win1251');
}

const ZONE = /(Z|[+-]\d{2}:\d{2})$/;

/**
 * An xs:dateTime as the canonical Instant, which must carry its zone. xdms allows times without one; those
 * are local times of the participant, read in `timeZone` (the offset in force at that moment, DST included).
 */
export function instantOf(dateTime: string, timeZone: string): string {
  const value = dateTime.trim();
  if (ZONE.test(value)) return value;
  const match = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(\.\d+)?$/.exec(value);
  if (match === null) return value; // the schema check has already refused anything else
  const [y, mo, d, h, mi, s] = match.slice(1, 7).map(Number) as [
    number,
    number,
    number,
    number,
    number,
    number,
  ];
  const asUtc = Date.UTC(y, mo - 1, d, h, mi, s);
  return value + formatOffset(Math.round(offsetOfWallTime(asUtc, timeZone) / 60_000));
}

/** An xs:date (a zone, if any, dropped) or undefined. */
export function dateOf(value: string): string | undefined {
  return /^\d{4}-\d{2}-\d{2}/.exec(value.trim())?.[0];
}

/** The calendar date of an Instant in its own offset. */
export function dateOfInstant(instant: string): string {
  return instant.slice(0, 10);
}

/** `date` plus `days`, as xs:date. */
export function addDays(date: string, days: number): string {
  const [y, m, d] = date.split('-').map(Number) as [number, number, number];
  return new Date(Date.UTC(y, m - 1, d + days)).toISOString().slice(0, 10);
}

function formatOffset(minutes: number): string {
  if (minutes === 0) return 'Z';
  const sign = minutes < 0 ? '-' : '+';
  const abs = Math.abs(minutes);
  return `${sign}${String(Math.floor(abs / 60)).padStart(2, '0')}:${String(abs % 60).padStart(2, '0')}`;
}
