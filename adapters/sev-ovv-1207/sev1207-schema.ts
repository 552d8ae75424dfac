import { join } from 'node:path';
import { XmlValidateError } from 'libxml2-wasm';
import { schemasDirectory } from '../../gateway/package-paths.js';
import { VkhidError } from '../../gateway/errors/vkhid-error.js';
import { XsdSchema } from '../../gateway/xml/xsd-schema.js';

/** The СЕВ ОВВ interchange schema (order 1207, format v1.5, schema v2.2), copied from the official reference. */
export const SEV1207_SCHEMA_PATH = join(schemasDirectory, 'sev-ovv-1207', 'order1207-v1.5-schema-v2.2.xsd');
export const SEV1207_SCHEMA_NAME = 'СЕВ ОВВ 1207 v1.5';

let compiled: XsdSchema | undefined;

/** The compiled 1207 schema, compiled on first use and shared by every adapter instance. */
export function sev1207Schema(): XsdSchema {
  compiled ??= XsdSchema.load(SEV1207_SCHEMA_PATH, 'ADAPTER_NATIVE_SCHEMA_INVALID');
  return compiled;
}

/**
 * Validates native bytes (the encoding their XML declaration names) against the 1207 schema, reporting the
 * adapter's own codes: a missing required attribute or child is ADAPTER_MISSING_FIELD, a value the schema's
 * type refuses is ADAPTER_INVALID_FIELD, any other mismatch ADAPTER_NATIVE_SCHEMA_INVALID; `field` is the
 * XPath libxml2 reports, with `/@name` for an attribute. The mapping reads libxml2's messages, which are stable
 * in the pinned libxml2-wasm; an unrecognised message still refuses, as ADAPTER_NATIVE_SCHEMA_INVALID.
 */
export function validateSev1207(bytes: Uint8Array): void {
  try {
    sev1207Schema().validate(bytes);
  } catch (error) {
    if (!(error instanceof VkhidError)) throw error;
    if (error.code === 'INTAKE_MALFORMED') {
      throw new VkhidError('ADAPTER_MALFORMED', { args: ['XML', error.message], cause: error });
    }
    throw classify(error);
  }
}

const REQUIRED_ATTRIBUTE = /^Element '[^']+': The attribute '([^']+)' is required but missing/;
const MISSING_CHILD = /^Element '[^']+': Missing child element\(s\)\. Expected is \( ([^ ,)]+) \)/;
const ATTRIBUTE_VALUE = /^Element '[^']+', attribute '([^']+)': /;
const ELEMENT_VALUE = /^Element '[^']+': .*(is not a valid value|facet)/;

function classify(error: VkhidError): VkhidError {
  const detail = error.cause instanceof XmlValidateError ? error.cause.details[0] : undefined;
  const message = detail?.message.trim() ?? error.message;
  const xpath = detail?.xpath ?? error.field;
  const options = { cause: error };
  if (xpath !== undefined) {
    let match = REQUIRED_ATTRIBUTE.exec(message);
    if (match !== null) {
      const field = `${xpath}/@${match[1]}`;
      return new VkhidError('ADAPTER_MISSING_FIELD', { args: [field], field, ...options });
    }
    match = MISSING_CHILD.exec(message);
    if (match !== null) {
      const field = `${xpath}/${match[1]}`;
      return new VkhidError('ADAPTER_MISSING_FIELD', { args: [field], field, ...options });
    }
    match = ATTRIBUTE_VALUE.exec(message);
    if (match !== null) {
      const field = `${xpath}/@${match[1]}`;
      return new VkhidError('ADAPTER_INVALID_FIELD', { args: [field, message], field, ...options });
    }
    if (ELEMENT_VALUE.test(message)) {
      return new VkhidError('ADAPTER_INVALID_FIELD', { args: [xpath, message], field: xpath, ...options });
    }
  }
  return new VkhidError('ADAPTER_NATIVE_SCHEMA_INVALID', {
    args: [SEV1207_SCHEMA_NAME, message],
    ...(xpath === undefined ? {} : { field: xpath }),
    ...options,
  });
}
