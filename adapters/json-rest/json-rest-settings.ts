import type { ValidateFunction } from 'ajv';
import type { Direction } from '../../gateway/adapters/adapter.js';
import { MESSAGE_TYPES, type MessageType } from '../../gateway/envelope/envelope-model.js';
import { VkhidError } from '../../gateway/errors/vkhid-error.js';
import { isPlainObject, overlaps, parseAgencyPath, toPointer, type AgencyPath } from './agency-path.js';
import {
  ATTACHMENT_MEMBERS,
  canonicalFields,
  formatProblem,
  type AttachmentMember,
  type CanonicalField,
} from './canonical-fields.js';
import { compileInputSchema } from './input-schema.js';

/**
 * A participant's json-rest settings (`adapterSettings`), as written by the integrator:
 *
 * ```json
 * { "system": "…", "inputSchema": { JSON Schema of what the agency posts },
 *   "messages": { "<message type>": { "directions": ["fromCanonical", "toCanonical"],
 *     "match": { "<agency path>": "value" | ["value", …] },
 *     "fields": { "<canonical path>": "<agency path>" | { "path": …, "values": {…}, "default": …, "items": {…} } },
 *     "constants": { "<canonical path>": value } } } }
 * ```
 *
 * `compileSettings` checks all of it once, when the participant is registered, and turns it into the
 * structures the adapter runs on; nothing is interpreted per message.
 */

/** A JSON scalar: what an agency value in `values` and `match` can be. */
export type Scalar = string | number | boolean;
/** A canonical value of a mapped field: strings, booleans, string lists (attachments have no constants). */
export type CanonicalValue = string | boolean | readonly string[];

export interface AgencyLocation {
  readonly path: AgencyPath;
  /** The path as a JSON pointer: how refusals and the OpenAPI description name the agency field. */
  readonly pointer: string;
}

export interface FieldMapping extends AgencyLocation {
  readonly field: CanonicalField;
  /** Canonical value (booleans as "true"/"false") → the agency value written for it. */
  readonly toAgency?: ReadonlyMap<string, Scalar>;
  /** scalarKey(agency value) → canonical value, for every agency value read. */
  readonly fromAgency?: ReadonlyMap<string, CanonicalValue>;
  /** Every agency value read, in settings order. */
  readonly agencyValues?: readonly Scalar[];
  /** Used when the agency document lacks the field. */
  readonly default?: CanonicalValue;
  /** For attachments: where each member sits inside one agency list item. */
  readonly items?: Readonly<Partial<Record<AttachmentMember, AgencyLocation>>>;
}

export interface MatchRule extends AgencyLocation {
  readonly values: readonly Scalar[];
}

export interface MessageMapping {
  readonly type: MessageType;
  readonly directions: ReadonlySet<Direction>;
  /** In catalogue order: selectors before the fields that depend on them. */
  readonly fields: readonly FieldMapping[];
  readonly constants: ReadonlyMap<string, CanonicalValue>;
  /** What a document must hold to be this message type: the explicit entries, then the outcome selector. */
  readonly match: readonly MatchRule[];
  /** Single-valued match entries no field writes: fromCanonical writes them as they are. */
  readonly written: readonly MatchRule[];
}

export interface JsonRestSettings {
  readonly system: string | undefined;
  readonly inputSchema: Readonly<Record<string, unknown>>;
  readonly validate: ValidateFunction;
  /** In MESSAGE_TYPES order. */
  readonly mappings: readonly MessageMapping[];
}

const ROOT = 'adapterSettings';

function invalid(field: string, why: string): VkhidError {
  return new VkhidError('ADAPTER_SETTINGS_INVALID', { args: ['json-rest', `${field} ${why}`], field });
}

function checkKeys(value: Record<string, unknown>, allowed: readonly string[], at: string): void {
  for (const key of Object.keys(value)) {
    if (!allowed.includes(key))
      throw invalid(`${at}.${key}`, `is not a setting (allowed: ${allowed.join(', ')})`);
  }
}

function objectAt(value: unknown, at: string): Record<string, unknown> {
  if (!isPlainObject(value)) throw invalid(at, 'is not an object');
  return value;
}

function isScalar(value: unknown): value is Scalar {
  return (
    typeof value === 'string' ||
    typeof value === 'boolean' ||
    (typeof value === 'number' && Number.isFinite(value))
  );
}

/** Agency values compare by JSON type and value: the string "1" and the number 1 are different values. */
export function scalarKey(value: unknown): string {
  return `${typeof value}:${String(value)}`;
}

function location(text: unknown, at: string): AgencyLocation {
  if (typeof text !== 'string') throw invalid(at, 'is not an agency path (a JSON pointer or a dotted path)');
  const path = parseAgencyPath(text);
  if (typeof path === 'string') throw invalid(at, `is not an agency path: ${path}`);
  return { path, pointer: toPointer(path) };
}

/** Checks a canonical value of `field`; returns it in model form. */
function canonicalValue(field: CanonicalField, value: unknown, at: string): CanonicalValue {
  switch (field.kind) {
    case 'boolean':
      if (typeof value !== 'boolean') throw invalid(at, `is not a boolean (${field.path})`);
      return value;
    case 'string': {
      if (typeof value !== 'string') throw invalid(at, `is not a string (${field.path})`);
      const problem = formatProblem(field, value);
      if (problem !== undefined) throw invalid(at, `is not a valid ${field.path}: ${problem}`);
      return value;
    }
    case 'strings': {
      if (!Array.isArray(value)) throw invalid(at, `is not a list of strings (${field.path})`);
      if (value.length > (field.maxItems ?? Infinity))
        throw invalid(at, `has more than ${field.maxItems} items`);
      value.forEach((item, i) => {
        const problem = typeof item === 'string' ? formatProblem(field, item) : 'it is not a string';
        if (problem !== undefined)
          throw invalid(`${at}[${i}]`, `is not a valid ${field.path} item: ${problem}`);
      });
      return value as string[];
    }
    case 'attachments':
      throw invalid(at, 'cannot be given for attachments');
  }
}

/** The canonical value a key of `values` stands for: booleans are written "true" and "false" there. */
function valueKey(field: CanonicalField, key: string, at: string): CanonicalValue {
  if (field.kind === 'boolean') {
    if (key !== 'true' && key !== 'false') throw invalid(at, `is not true or false (${field.path})`);
    return key === 'true';
  }
  return canonicalValue(field, key, at);
}

function fieldMapping(field: CanonicalField, rule: unknown, at: string): FieldMapping {
  if (typeof rule === 'string') return { field, ...location(rule, at), ...defaultItems(field, at) };
  const spec = objectAt(rule, at);
  checkKeys(spec, ['path', 'values', 'default', 'items'], at);
  const where = location(spec.path, `${at}.path`);
  let toAgency: Map<string, Scalar> | undefined;
  let fromAgency: Map<string, CanonicalValue> | undefined;
  const agencyValues: Scalar[] = [];
  if (spec.values !== undefined) {
    if (field.kind !== 'string' && field.kind !== 'boolean')
      throw invalid(`${at}.values`, 'applies to single values only');
    const values = objectAt(spec.values, `${at}.values`);
    toAgency = new Map();
    fromAgency = new Map();
    for (const [key, agency] of Object.entries(values)) {
      const canonical = valueKey(field, key, `${at}.values.${key}`);
      const list = Array.isArray(agency) ? (agency as unknown[]) : [agency];
      if (list.length === 0 || !list.every(isScalar)) {
        throw invalid(
          `${at}.values.${key}`,
          'is not an agency value (a string, number or boolean) or a list of them',
        );
      }
      toAgency.set(key, list[0] as Scalar);
      for (const value of list) {
        if (fromAgency.has(scalarKey(value))) {
          throw invalid(
            `${at}.values.${key}`,
            `repeats the agency value ${JSON.stringify(value)}: reading it would be ambiguous`,
          );
        }
        fromAgency.set(scalarKey(value), canonical);
        agencyValues.push(value);
      }
    }
    if (toAgency.size === 0) throw invalid(`${at}.values`, 'is empty');
  }
  let defaultValue: CanonicalValue | undefined;
  if (spec.default !== undefined) {
    defaultValue = canonicalValue(field, spec.default, `${at}.default`);
    if (toAgency !== undefined && !toAgency.has(String(defaultValue))) {
      throw invalid(`${at}.default`, 'is not one of the canonical values in values');
    }
  }
  let items: FieldMapping['items'];
  if (spec.items !== undefined) {
    if (field.kind !== 'attachments') throw invalid(`${at}.items`, 'applies to attachments only');
    const spelled = objectAt(spec.items, `${at}.items`);
    checkKeys(spelled, ATTACHMENT_MEMBERS, `${at}.items`);
    const built: Partial<Record<AttachmentMember, AgencyLocation>> = {};
    for (const member of ATTACHMENT_MEMBERS) {
      if (spelled[member] !== undefined) built[member] = location(spelled[member], `${at}.items.${member}`);
    }
    for (const member of ['fileName', 'mediaType', 'content'] as const) {
      if (built[member] === undefined)
        throw invalid(`${at}.items.${member}`, 'is required: an attachment cannot do without it');
    }
    const locations = Object.values(built);
    locations.forEach((a, i) =>
      locations.slice(i + 1).forEach((b) => {
        if (overlaps(a.path, b.path))
          throw invalid(`${at}.items`, `places two members at ${a.pointer} and ${b.pointer}`);
      }),
    );
    items = built;
  } else {
    items = defaultItems(field, at).items;
  }
  return {
    field,
    ...where,
    ...(toAgency === undefined ? {} : { toAgency }),
    ...(fromAgency === undefined ? {} : { fromAgency, agencyValues }),
    ...(defaultValue === undefined ? {} : { default: defaultValue }),
    ...(items === undefined ? {} : { items }),
  };
}

/** An attachment list item spelled as the model spells it, when the settings do not say otherwise. */
function defaultItems(field: CanonicalField, at: string): Pick<FieldMapping, 'items'> {
  if (field.kind !== 'attachments') return {};
  const items: Partial<Record<AttachmentMember, AgencyLocation>> = {};
  for (const member of ATTACHMENT_MEMBERS) items[member] = location(member, at);
  return { items };
}

function matchRules(value: unknown, at: string): MatchRule[] {
  if (value === undefined) return [];
  const spec = objectAt(value, at);
  return Object.entries(spec).map(([text, expected]) => {
    const list = Array.isArray(expected) ? (expected as unknown[]) : [expected];
    if (list.length === 0 || !list.every(isScalar)) {
      throw invalid(
        `${at}.${text}`,
        'is not an agency value (a string, number or boolean) or a list of them',
      );
    }
    return { ...location(text, `${at}.${text}`), values: list };
  });
}

function compileMapping(type: MessageType, raw: unknown): MessageMapping {
  const at = `${ROOT}.messages.${type}`;
  const spec = objectAt(raw, at);
  checkKeys(spec, ['directions', 'match', 'fields', 'constants'], at);

  const directionList = spec.directions;
  if (
    !Array.isArray(directionList) ||
    directionList.length === 0 ||
    !directionList.every((d) => d === 'toCanonical' || d === 'fromCanonical') ||
    new Set(directionList).size !== directionList.length
  ) {
    throw invalid(`${at}.directions`, 'is not a list of toCanonical and/or fromCanonical');
  }
  const directions = new Set(directionList as Direction[]);

  const catalogue = canonicalFields(type);
  const byPath = new Map(catalogue.map((field) => [field.path, field]));
  const known = (path: string, where: string): CanonicalField => {
    const field = byPath.get(path);
    if (field === undefined) throw invalid(where, `names no canonical field of a ${type} message`);
    if (field.path === 'header.type' || field.path === 'header.schemaVersion')
      throw invalid(where, 'is implied');
    return field;
  };

  const fieldsSpec = objectAt(spec.fields ?? {}, `${at}.fields`);
  const mapped = new Map<string, FieldMapping>();
  for (const [path, rule] of Object.entries(fieldsSpec)) {
    const where = `${at}.fields[${path}]`;
    mapped.set(path, fieldMapping(known(path, where), rule, where));
  }
  const fields = catalogue.flatMap((field) => mapped.get(field.path) ?? []);

  const constantsSpec = objectAt(spec.constants ?? {}, `${at}.constants`);
  const constants = new Map<string, CanonicalValue>();
  for (const [path, value] of Object.entries(constantsSpec)) {
    const where = `${at}.constants[${path}]`;
    const field = known(path, where);
    if (mapped.has(path)) throw invalid(where, 'is also mapped in fields: give it a default there instead');
    constants.set(path, canonicalValue(field, value, where));
  }

  const explicit = matchRules(spec.match, `${at}.match`);
  const match = [...explicit];
  // A document whose outcome the mapping cannot read is not this message type: the selector's readable values
  // join the match, so receipts and statuses can share one callback shape told apart by its status value.
  const selector = fields.find((f) => f.field.selector === true);
  if (selector !== undefined && !explicit.some((rule) => rule.pointer === selector.pointer)) {
    const values = selector.agencyValues ?? [...(selector.field.enum ?? [])];
    match.push({ path: selector.path, pointer: selector.pointer, values });
  }

  checkPlacement(fields, explicit, at);
  const written: MatchRule[] = [];
  for (const rule of explicit) {
    if (fields.some((f) => f.pointer === rule.pointer)) continue;
    if (directions.has('fromCanonical') && rule.values.length !== 1) {
      throw invalid(
        `${at}.match.${rule.pointer}`,
        'has several values and no field writes it: the hub could not choose one',
      );
    }
    written.push(rule);
  }
  if (directions.has('toCanonical')) checkReadable(type, fields, constants, at);
  return { type, directions, fields, constants, match, written };
}

/** No two fields (or a field and a match entry) may share or nest agency paths, except a match on a field. */
function checkPlacement(fields: readonly FieldMapping[], match: readonly MatchRule[], at: string): void {
  const places: { pointer: string; path: AgencyPath; what: string }[] = [
    ...fields.map((f) => ({ pointer: f.pointer, path: f.path, what: f.field.path })),
    ...match
      .filter((m) => !fields.some((f) => f.pointer === m.pointer))
      .map((m) => ({ ...m, what: 'match' })),
  ];
  for (let i = 0; i < places.length; i++) {
    for (let j = i + 1; j < places.length; j++) {
      const a = places[i] as (typeof places)[number];
      const b = places[j] as (typeof places)[number];
      if (overlaps(a.path, b.path)) {
        throw invalid(
          `${at}.fields`,
          `puts ${a.what} at ${a.pointer} and ${b.what} at ${b.pointer}: one would overwrite the other`,
        );
      }
    }
  }
}

/**
 * For a message read from the agency, every field the envelope requires must come from somewhere: the
 * document (mapped), a constant, or the context (message id, time, sender, recipient). Fields of an outcome
 * are required only for the outcomes the selector can produce; an optional group only when one member is given.
 */
function checkReadable(
  type: MessageType,
  fields: readonly FieldMapping[],
  constants: ReadonlyMap<string, CanonicalValue>,
  at: string,
): void {
  const given = (path: string) => constants.has(path) || fields.some((f) => f.field.path === path);
  const catalogue = canonicalFields(type);
  const selectorField = catalogue.find((f) => f.selector === true);
  let outcomes: readonly string[] = [];
  if (selectorField !== undefined) {
    const constant = constants.get(selectorField.path);
    const mapping = fields.find((f) => f.field.path === selectorField.path);
    outcomes =
      typeof constant === 'string'
        ? [constant]
        : mapping?.toAgency !== undefined
          ? [...mapping.toAgency.keys()]
          : (selectorField.enum ?? []);
  }
  const groups = new Set(catalogue.filter((f) => f.group !== undefined && given(f.path)).map((f) => f.group));
  for (const field of catalogue) {
    if (!field.required || field.context !== undefined || given(field.path)) continue;
    if (field.group !== undefined && !groups.has(field.group)) continue;
    if (field.variants !== undefined && !field.variants.some((v) => outcomes.includes(v))) continue;
    const why =
      field.variants !== undefined
        ? ` (for the outcome ${field.variants.filter((v) => outcomes.includes(v)).join(', ')})`
        : field.group !== undefined
          ? ` (the rest of ${field.group} is mapped)`
          : '';
    throw invalid(
      `${at}.fields`,
      `map no ${field.path}${why}: the ${type} needs it; map it or give a constant`,
    );
  }
}

/** Two mappings read from the agency must be told apart by some match entry with disjoint values. */
function checkDistinct(mappings: readonly MessageMapping[]): void {
  const reading = mappings.filter((m) => m.directions.has('toCanonical'));
  if (reading.length < 2) return;
  for (const m of reading) {
    if (m.match.length === 0) {
      throw invalid(
        `${ROOT}.messages.${m.type}.match`,
        'is needed: several message types are read from the agency',
      );
    }
  }
  reading.forEach((a, i) =>
    reading.slice(i + 1).forEach((b) => {
      const distinct = a.match.some((ra) =>
        b.match.some(
          (rb) =>
            ra.pointer === rb.pointer &&
            !ra.values.some((v) => rb.values.some((w) => scalarKey(v) === scalarKey(w))),
        ),
      );
      if (!distinct) {
        throw invalid(
          `${ROOT}.messages.${b.type}.match`,
          `does not tell a ${b.type} from a ${a.type}: give both an entry at one agency path with different values`,
        );
      }
    }),
  );
}

/** Checks a participant's settings and compiles them. Throws ADAPTER_SETTINGS_INVALID naming the setting. */
export function compileSettings(settings: Readonly<Record<string, unknown>>): JsonRestSettings {
  const raw = objectAt(settings, ROOT);
  checkKeys(raw, ['system', 'inputSchema', 'messages'], ROOT);
  const system = raw.system;
  if (system !== undefined && (typeof system !== 'string' || system.length === 0 || system.length > 200)) {
    throw invalid(`${ROOT}.system`, 'is not a name of 1 to 200 characters');
  }
  if (raw.inputSchema === undefined) throw invalid(`${ROOT}.inputSchema`, 'is required');
  const validate = compileInputSchema(raw.inputSchema);
  const messages = objectAt(raw.messages, `${ROOT}.messages`);
  checkKeys(messages, MESSAGE_TYPES, `${ROOT}.messages`);
  const mappings = MESSAGE_TYPES.flatMap((type) =>
    messages[type] === undefined ? [] : [compileMapping(type, messages[type])],
  );
  if (mappings.length === 0) throw invalid(`${ROOT}.messages`, 'maps no message type');
  checkDistinct(mappings);
  return {
    system,
    inputSchema: raw.inputSchema as Record<string, unknown>,
    validate,
    mappings,
  };
}
