import type { Direction } from '../../gateway/adapters/adapter.js';
import type { MessageType } from '../../gateway/envelope/envelope-model.js';
import { ATTACHMENT_MEMBERS, formatSchema, type AttachmentMember } from './canonical-fields.js';
import { jsonRestAdapter } from './json-rest-adapter.js';
import {
  compileSettings,
  type FieldMapping,
  type JsonRestSettings,
  type MessageMapping,
  type Scalar,
} from './json-rest-settings.js';

type Schema = Record<string, unknown>;

/**
 * The OpenAPI 3.1 description of one participant's json-rest interface, derived from its settings (which are
 * checked first: invalid settings throw ADAPTER_SETTINGS_INVALID). It is what the agency's developers build
 * against:
 * - `POST /` on the participant's endpoint: the documents the hub sends (fromCanonical), one schema per
 *   message type, each member described by the canonical field it carries;
 * - `webhooks`: the documents the agency posts back (toCanonical: answers, the receipt/status callback),
 *   each required to meet both the participant's own `inputSchema` and what its mapping reads.
 * Deterministic: the same settings give the same document (docs/openapi/ holds the example's).
 */
export function openApiFor(settings: Readonly<Record<string, unknown>>): Record<string, unknown> {
  const compiled = compileSettings(settings);
  const schemas: Record<string, Schema> = {};
  const sending = compiled.mappings.filter((m) => m.directions.has('fromCanonical'));
  const reading = compiled.mappings.filter((m) => m.directions.has('toCanonical'));

  for (const mapping of sending)
    schemas[componentName('fromCanonical', mapping.type)] = documentSchema(mapping, 'fromCanonical');
  for (const mapping of reading)
    schemas[componentName('toCanonical', mapping.type)] = documentSchema(mapping, 'toCanonical');
  if (reading.length > 0) schemas.AgencyInput = inputSchema(compiled);
  schemas.Problem = PROBLEM;

  const paths: Record<string, unknown> = {};
  if (sending.length > 0) {
    const refs = sending.map((m) => ref(componentName('fromCanonical', m.type)));
    paths['/'] = {
      post: {
        operationId: 'receiveFromVkhid',
        summary: 'The hub delivers a message to the agency',
        description: `One JSON document per message: ${sending.map((m) => m.type).join(', ')}.`,
        requestBody: {
          required: true,
          content: { 'application/json': { schema: refs.length === 1 ? refs[0] : { oneOf: refs } } },
        },
        responses: {
          '2XX': { description: 'The agency has taken the document.' },
          default: { description: 'The agency has not taken the document.' },
        },
      },
    };
  }

  const webhooks: Record<string, unknown> = {};
  for (const mapping of reading) {
    webhooks[mapping.type] = {
      post: {
        operationId: `send${pascal(mapping.type)}ToVkhid`,
        summary: `The agency sends ${article(mapping.type)} to the hub`,
        description: matchDescription(mapping),
        requestBody: {
          required: true,
          content: {
            'application/json': {
              schema: { allOf: [ref('AgencyInput'), ref(componentName('toCanonical', mapping.type))] },
            },
          },
        },
        responses: {
          '2XX': { description: 'The hub has taken the document.' },
          '4XX': {
            description:
              'Refused: problem details (RFC 9457) with the error code (ADAPTER_*) and, where one member is at fault, its JSON pointer in `field`.',
            content: { 'application/problem+json': { schema: ref('Problem') } },
          },
        },
      },
    };
  }

  const name = compiled.system ?? 'Agency EDMS';
  return {
    openapi: '3.1.0',
    info: {
      title: `${name}: Vkhid json-rest interface`,
      version: jsonRestAdapter.manifest.version,
      description:
        'Generated from the participant settings of the Vkhid json-rest adapter. Documents are UTF-8 JSON objects; ' +
        'a member name may appear only once per object. Each property names the canonical envelope field it carries.',
    },
    jsonSchemaDialect: 'https://json-schema.org/draft/2020-12/schema',
    servers: [
      {
        url: '{endpoint}',
        description: "The participant's endpoint, as registered in the hub",
        variables: { endpoint: { default: 'https://edms.example.gov.ua/vkhid' } },
      },
    ],
    paths,
    ...(reading.length > 0 ? { webhooks } : {}),
    components: { schemas },
  };
}

function componentName(direction: Direction, type: MessageType): string {
  return direction === 'fromCanonical' ? `Hub${pascal(type)}` : `Agency${pascal(type)}`;
}

function article(type: MessageType): string {
  return `${/^[aeiou]/.test(type) ? 'an' : 'a'} ${type}`;
}

function capital(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}

function pascal(type: string): string {
  return type.charAt(0).toUpperCase() + type.slice(1);
}

function ref(name: string): Schema {
  return { $ref: `#/components/schemas/${name}` };
}

function matchDescription(mapping: MessageMapping): string {
  const rules = mapping.match.map(
    (rule) => `${rule.pointer} is ${rule.values.map((v) => JSON.stringify(v)).join(' or ')}`,
  );
  return rules.length === 0
    ? `Every document is read as ${article(mapping.type)}.`
    : `Read as ${article(mapping.type)} when ${rules.join(' and ')}.`;
}

/**
 * The participant's schema, kept whole: its own `$id` (added when missing) makes its internal `#/…`
 * references resolve inside it, not against the OpenAPI document.
 */
function inputSchema(settings: JsonRestSettings): Schema {
  const schema = settings.inputSchema;
  return { ...schema, $id: typeof schema.$id === 'string' ? schema.$id : 'urn:vkhid:json-rest:input-schema' };
}

interface Node {
  schema?: Schema;
  required: boolean;
  children: Map<string, Node>;
}

function place(root: Node, path: readonly string[], schema: Schema, required: boolean): void {
  let node = root;
  for (const segment of path) {
    let child = node.children.get(segment);
    if (child === undefined) {
      child = { required: false, children: new Map() };
      node.children.set(segment, child);
    }
    node = child;
  }
  node.schema = { ...node.schema, ...schema };
  node.required ||= required;
}

function render(node: Node): Schema {
  if (node.children.size === 0) return node.schema ?? {};
  const properties: Record<string, Schema> = {};
  const required: string[] = [];
  for (const [name, child] of node.children) {
    properties[name] = render(child);
    if (child.required || hasRequired(child)) required.push(name);
  }
  return { type: 'object', properties, ...(required.length > 0 ? { required } : {}) };
}

function hasRequired(node: Node): boolean {
  return [...node.children.values()].some((child) => child.required || hasRequired(child));
}

/** One message type's document as the hub writes it (fromCanonical) or reads it (toCanonical). */
function documentSchema(mapping: MessageMapping, direction: Direction): Schema {
  const root: Node = { required: true, children: new Map() };
  const match = direction === 'fromCanonical' ? mapping.written : mapping.match;
  // Match members first, as the hub writes them; their values narrow a field's at the same path.
  for (const rule of match) place(root, rule.path, {}, true);
  for (const rule of mapping.fields)
    place(root, rule.path, fieldSchema(rule, direction), isRequired(rule, direction));
  for (const rule of match) place(root, rule.path, valuesSchema(rule.values), true);
  const description =
    direction === 'fromCanonical'
      ? `${capital(article(mapping.type))} as the hub sends it.`
      : `${capital(article(mapping.type))} as the agency sends it. ${matchDescription(mapping)}`;
  return { description, ...render(root) };
}

function isRequired(rule: FieldMapping, direction: Direction): boolean {
  const { field } = rule;
  // Always written: strings lists (possibly empty) and every unconditional field of the model.
  if (direction === 'fromCanonical') {
    return (
      field.kind === 'strings' ||
      (field.required && field.variants === undefined && field.group === undefined)
    );
  }
  return (
    field.required &&
    field.kind !== 'strings' &&
    field.variants === undefined &&
    field.group === undefined &&
    field.context === undefined &&
    rule.default === undefined
  );
}

function valuesSchema(values: readonly Scalar[]): Schema {
  return values.length === 1 ? { const: values[0] } : { enum: [...values] };
}

function fieldSchema(rule: FieldMapping, direction: Direction): Schema {
  const { field } = rule;
  let description = `Canonical ${field.path}`;
  if (field.variants !== undefined) description += ` (outcome ${field.variants.join(' or ')} only)`;
  else if (field.group !== undefined) description += ` (with the rest of ${field.group}, or none of it)`;
  else if (direction === 'toCanonical' && field.context !== undefined)
    description += ' (the hub fills it in when absent)';
  let schema: Schema;
  if (rule.toAgency !== undefined) {
    const values =
      direction === 'fromCanonical' ? [...new Set(rule.toAgency.values())] : [...(rule.agencyValues ?? [])];
    schema = { enum: values };
  } else if (field.kind === 'boolean') {
    schema = { type: 'boolean' };
  } else if (field.kind === 'strings') {
    schema = { type: 'array', maxItems: field.maxItems, items: formatSchema(field) };
  } else if (field.kind === 'attachments') {
    schema = {
      type: 'array',
      minItems: 1,
      maxItems: field.maxItems,
      items: attachmentSchema(rule, direction),
    };
  } else {
    schema = formatSchema(field);
  }
  if (direction === 'toCanonical' && rule.default !== undefined) {
    schema.default = rule.toAgency?.get(String(rule.default)) ?? rule.default;
  }
  return { description, ...schema };
}

const MEMBER_SCHEMAS: Record<AttachmentMember, Schema> = {
  fileName: { type: 'string', minLength: 1, maxLength: 500 },
  mediaType: formatSchema({ format: 'media-type' }),
  size: { type: 'integer', minimum: 0, description: 'Checked against the content when given' },
  sha256: { ...formatSchema({ format: 'sha256' }), description: 'Checked against the content when given' },
  content: { type: 'string', contentEncoding: 'base64' },
};

function attachmentSchema(rule: FieldMapping, direction: Direction): Schema {
  const item: Node = { required: true, children: new Map() };
  for (const member of ATTACHMENT_MEMBERS) {
    const where = rule.items?.[member];
    if (where === undefined) continue;
    const required =
      direction === 'fromCanonical' ||
      member === 'fileName' ||
      member === 'mediaType' ||
      member === 'content';
    place(item, where.path, { ...MEMBER_SCHEMAS[member] }, required);
  }
  return render(item);
}

const PROBLEM: Schema = {
  type: 'object',
  description: 'RFC 9457 problem details, as the hub renders every refusal',
  properties: {
    type: { type: 'string' },
    title: { type: 'string' },
    status: { type: 'integer' },
    code: { type: 'string' },
    detail: { type: 'string' },
    field: { type: 'string' },
    instance: { type: 'string' },
  },
  required: ['type', 'title', 'status', 'code', 'detail'],
};
