import { Ajv, type ErrorObject, type Options, type ValidateFunction } from 'ajv';
import { Ajv2019 } from 'ajv/dist/2019.js';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { VkhidError } from '../../gateway/errors/vkhid-error.js';
import { toPointer } from './agency-path.js';
import { isDate, isInstant } from './canonical-fields.js';

/** The JSON Schema dialects a participant's `inputSchema` may declare in `$schema` (none: draft-07). */
export const SCHEMA_DIALECTS = {
  'https://json-schema.org/draft/2020-12/schema': '2020-12',
  'https://json-schema.org/draft/2019-09/schema': '2019-09',
  'http://json-schema.org/draft-07/schema#': 'draft-07',
  'http://json-schema.org/draft-07/schema': 'draft-07',
} as const;

const OPTIONS: Options = {
  // The first error only: the refusal names one field, and validation stops early on hostile input.
  allErrors: false,
  // Unknown keywords and formats are refused when the settings are checked: a typo ("requird") must not
  // silently make the schema accept everything.
  strictSchema: true,
  strictNumbers: true,
  strictTypes: false,
  strictTuples: false,
  strictRequired: false,
  // Validation must never change the document it judges.
  useDefaults: false,
  coerceTypes: false,
  removeAdditional: false,
  logger: false,
};

/** Formats a schema may use (ajv-formats is not a dependency; these are the ones the envelope needs). */
const FORMATS: Record<string, (value: string) => boolean> = {
  date: isDate,
  'date-time': (value) => isInstant(value.replace(/[tz]/g, (c) => c.toUpperCase())),
  uuid: (value) => /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(value),
  email: (value) => /^[^@\s]+@[^@\s]+$/.test(value),
};

/** An ajv instance for one dialect, with the options and formats json-rest validates with. */
export function newAjv(dialect: '2020-12' | '2019-09' | 'draft-07'): Ajv {
  const ajv =
    dialect === '2020-12'
      ? new Ajv2020(OPTIONS)
      : dialect === '2019-09'
        ? new Ajv2019(OPTIONS)
        : new Ajv(OPTIONS);
  for (const [name, check] of Object.entries(FORMATS)) ajv.addFormat(name, check);
  return ajv;
}

/**
 * Compiles a participant's input schema. Throws ADAPTER_SETTINGS_INVALID (field adapterSettings.inputSchema)
 * for an unknown dialect, a schema that is not valid against its meta-schema, an unknown keyword or format,
 * or a `$ref` outside the schema (nothing is fetched).
 */
export function compileInputSchema(schema: unknown): ValidateFunction {
  const field = 'adapterSettings.inputSchema';
  if (typeof schema !== 'object' || schema === null || Array.isArray(schema)) {
    throw new VkhidError('ADAPTER_SETTINGS_INVALID', {
      args: ['json-rest', `${field} is not an object`],
      field,
    });
  }
  const declared = (schema as Record<string, unknown>).$schema;
  const dialect =
    declared === undefined
      ? 'draft-07'
      : typeof declared === 'string' && Object.hasOwn(SCHEMA_DIALECTS, declared)
        ? SCHEMA_DIALECTS[declared as keyof typeof SCHEMA_DIALECTS]
        : undefined;
  if (dialect === undefined) {
    throw new VkhidError('ADAPTER_SETTINGS_INVALID', {
      args: ['json-rest', `${field}.$schema ${String(declared)} is not draft-07, 2019-09 or 2020-12`],
      field: `${field}.$schema`,
    });
  }
  const ajv = newAjv(dialect);
  try {
    return ajv.compile(schema);
  } catch (error) {
    throw new VkhidError('ADAPTER_SETTINGS_INVALID', {
      args: [
        'json-rest',
        `${field} cannot be compiled: ${error instanceof Error ? error.message : String(error)}`,
      ],
      field,
      cause: error,
    });
  }
}

/** ADAPTER_NATIVE_SCHEMA_INVALID for the first schema error, naming the failing member by JSON pointer. */
export function schemaRefusal(error: ErrorObject | undefined): VkhidError {
  if (error === undefined) {
    return new VkhidError('ADAPTER_NATIVE_SCHEMA_INVALID', { args: ['participant JSON', 'it is not valid'] });
  }
  const params = error.params as Record<string, unknown>;
  // For these keywords the instance path is the parent object; the member at fault is a parameter.
  const member = params.missingProperty ?? params.additionalProperty ?? params.unevaluatedProperty;
  const pointer = error.instancePath + (typeof member === 'string' ? toPointer([member]) : '');
  return new VkhidError('ADAPTER_NATIVE_SCHEMA_INVALID', {
    args: [
      'participant JSON',
      `${error.instancePath === '' ? 'the document' : error.instancePath} ${error.message ?? 'is invalid'}`,
    ],
    ...(pointer === '' ? {} : { field: pointer }),
  });
}
