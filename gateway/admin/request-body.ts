import { VkhidError } from '../errors/vkhid-error.js';

/**
 * Reading the JSON of admin API requests. These checks are about shape only (an object, the fields the
 * operation takes, each of the right JSON type); the values are checked by the registry and the PKI, which
 * refuse with their own codes (PARTICIPANT_CODE_INVALID, MEMORANDUM_DATES, PKI_CSR_INVALID, ...).
 * A shape problem is REQUEST_INVALID_JSON with `field` naming the field.
 */
export type JsonObject = Record<string, unknown>;

export function shapeError(why: string, field?: string): VkhidError {
  return new VkhidError('REQUEST_INVALID_JSON', { args: [why], ...(field === undefined ? {} : { field }) });
}

/**
 * The body as an object with only the `allowed` fields: an unknown field is refused rather than ignored, so
 * a misspelt optional field (`overlapdays`) is not silently dropped. A request without a JSON body reads as `{}`.
 */
export function objectBody(body: unknown, allowed: readonly string[], prefix = ''): JsonObject {
  if (body === undefined) return {};
  if (typeof body !== 'object' || body === null || Array.isArray(body))
    throw shapeError(
      `${prefix === '' ? 'the body' : prefix} must be a JSON object`,
      prefix === '' ? undefined : prefix,
    );
  for (const key of Object.keys(body)) {
    if (!allowed.includes(key))
      throw shapeError(
        `${prefix}${prefix === '' ? '' : '.'}${key} is not a field of this request`,
        `${prefix}${prefix === '' ? '' : '.'}${key}`,
      );
  }
  return body as JsonObject;
}

export function requiredString(body: JsonObject, field: string): string {
  const value = body[field];
  if (value === undefined || value === null) throw shapeError(`${field} is required`, field);
  if (typeof value !== 'string') throw shapeError(`${field} must be a string`, field);
  return value;
}

export function optionalString(body: JsonObject, field: string): string | undefined {
  const value = body[field];
  if (value === undefined) return undefined;
  if (typeof value !== 'string') throw shapeError(`${field} must be a string`, field);
  return value;
}

/** A string, or null to clear it; undefined when absent. */
export function nullableString(body: JsonObject, field: string): string | null | undefined {
  if (body[field] === null) return null;
  return optionalString(body, field);
}

export function optionalStringArray(body: JsonObject, field: string): string[] | undefined {
  const value = body[field];
  if (value === undefined) return undefined;
  if (!Array.isArray(value) || !value.every((item) => typeof item === 'string'))
    throw shapeError(`${field} must be an array of strings`, field);
  return value;
}

export function requiredStringArray(body: JsonObject, field: string): string[] {
  if (body[field] === undefined || body[field] === null) throw shapeError(`${field} is required`, field);
  return optionalStringArray(body, field)!;
}

export function optionalBoolean(body: JsonObject, field: string): boolean | undefined {
  const value = body[field];
  if (value === undefined) return undefined;
  if (typeof value !== 'boolean') throw shapeError(`${field} must be true or false`, field);
  return value;
}

export function optionalInteger(body: JsonObject, field: string): number | undefined {
  const value = body[field];
  if (value === undefined) return undefined;
  if (typeof value !== 'number' || !Number.isSafeInteger(value))
    throw shapeError(`${field} must be an integer`, field);
  return value;
}

export function optionalObject(body: JsonObject, field: string): JsonObject | undefined {
  const value = body[field];
  if (value === undefined) return undefined;
  if (typeof value !== 'object' || value === null || Array.isArray(value))
    throw shapeError(`${field} must be a JSON object`, field);
  return value as JsonObject;
}

/** One query parameter (a repeated one is refused: `?limit=1&limit=2` has no single meaning). */
export function queryParameter(query: unknown, name: string): string | undefined {
  const value = (query as Record<string, unknown> | undefined)?.[name];
  if (value === undefined) return undefined;
  if (typeof value !== 'string') throw shapeError(`the query parameter ${name} must be given once`, name);
  return value;
}

/** A whole number in [min, max] from a query parameter; `fail` builds the refusal. */
export function integerParameter(
  value: string | undefined,
  range: { min: number; max: number },
  fail: (why: string) => VkhidError,
): number | undefined {
  if (value === undefined) return undefined;
  if (!/^\d{1,9}$/.test(value)) return failWith(fail, `${value} is not a whole number`);
  const number = Number(value);
  if (number < range.min || number > range.max)
    return failWith(fail, `${value} is not between ${range.min} and ${range.max}`);
  return number;
}

function failWith(fail: (why: string) => VkhidError, why: string): never {
  throw fail(why);
}
