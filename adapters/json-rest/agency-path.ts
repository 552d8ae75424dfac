/**
 * Where a value sits in an agency's JSON document. Settings may name it as a JSON pointer (`/applicant/name`,
 * RFC 6901) or as a dotted path (`applicant.name`); both become a list of member names. Members only: array
 * positions are not addressable, so writing a path never has to guess whether to create an array.
 */
export type AgencyPath = readonly string[];

/**
 * Names that would reach an object's prototype instead of a member when written with `object[name] = ...`.
 * Settings are refused when they use them, so the writer below never has to think about it.
 */
const FORBIDDEN = new Set(['__proto__', 'prototype', 'constructor']);

/** Parses a setting; returns why it is not a path when it is not one. */
export function parseAgencyPath(text: string): AgencyPath | string {
  if (text.length === 0 || text === '/') return 'it is empty';
  const segments = text.startsWith('/')
    ? text
        .slice(1)
        .split('/')
        .map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'))
    : text.split('.');
  if (text.startsWith('/') && /~[^01]|~$/.test(text)) return 'it has a ~ that is not ~0 or ~1';
  for (const segment of segments) {
    if (segment.length === 0) return 'it has an empty member name';
    if (FORBIDDEN.has(segment)) return `${segment} cannot be a member name`;
  }
  return segments;
}

/** The RFC 6901 pointer of a path, as refusals name agency fields. */
export function toPointer(path: readonly (string | number)[]): string {
  return path.map((s) => `/${String(s).replace(/~/g, '~0').replace(/\//g, '~1')}`).join('');
}

export function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** What a path reads: the value (undefined when absent or null), or the prefix that is not an object. */
export type ReadResult = { readonly value: unknown } | { readonly notAnObject: readonly string[] };

export function readAgencyPath(document: Record<string, unknown>, path: AgencyPath): ReadResult {
  let current: unknown = document;
  for (let i = 0; i < path.length; i++) {
    if (current === undefined || current === null) return { value: undefined };
    if (!isPlainObject(current)) return { notAnObject: path.slice(0, i) };
    const segment = path[i] as string;
    current = Object.hasOwn(current, segment) ? current[segment] : undefined;
  }
  // A JSON API commonly sends null for "no value"; the model has no null, so it reads as absent.
  return { value: current === null ? undefined : current };
}

/** Writes `value` at `path`, creating the objects on the way (settings guarantee no path is a prefix of another). */
export function writeAgencyPath(document: Record<string, unknown>, path: AgencyPath, value: unknown): void {
  let current = document;
  for (let i = 0; i < path.length - 1; i++) {
    const segment = path[i] as string;
    let next = current[segment];
    if (!isPlainObject(next)) {
      next = {};
      current[segment] = next;
    }
    current = next as Record<string, unknown>;
  }
  current[path[path.length - 1] as string] = value;
}

/** Does one path lie inside (or equal) the other? Two such paths cannot both hold a value. */
export function overlaps(a: AgencyPath, b: AgencyPath): boolean {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) if (a[i] !== b[i]) return false;
  return true;
}
