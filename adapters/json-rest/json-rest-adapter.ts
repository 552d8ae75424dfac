import type {
  Adapter,
  AdapterContext,
  AdapterModule,
  NativeDocument,
} from '../../gateway/adapters/adapter.js';
import { attachmentFromBytes } from '../../gateway/envelope/envelope-builder.js';
import {
  isStrictBase64,
  MESSAGE_TYPES,
  SCHEMA_VERSION,
  type Attachment,
  type Envelope,
} from '../../gateway/envelope/envelope-model.js';
import { VkhidError } from '../../gateway/errors/vkhid-error.js';
import { isPlainObject, readAgencyPath, toPointer, writeAgencyPath } from './agency-path.js';
import {
  canonicalFields,
  formatProblem,
  type CanonicalField,
  type ContextValue,
} from './canonical-fields.js';
import { schemaRefusal } from './input-schema.js';
import {
  compileSettings,
  scalarKey,
  type CanonicalValue,
  type FieldMapping,
  type JsonRestSettings,
  type MatchRule,
  type MessageMapping,
} from './json-rest-settings.js';
import { parseStrictJson } from './strict-json.js';

export const JSON_MEDIA_TYPE = 'application/json';
/** What fromCanonical writes: JSON is UTF-8 (RFC 8259), said explicitly for clients that guess otherwise. */
export const JSON_OUTPUT_MEDIA_TYPE = 'application/json; charset=utf-8';

const NAME = 'json-rest';

/**
 * An EDMS with a JSON API (issue #5). Nothing here knows any agency: which JSON member holds which canonical
 * field, how the agency spells statuses and outcomes, what it never sends, and how its documents are told
 * apart (appeal, answer, the receipt/status "callback") all come from the participant's settings
 * (json-rest-settings.ts), together with the JSON Schema its documents must meet. `openApiFor` describes the
 * same settings for the agency's developers.
 *
 * Reading: strict UTF-8 JSON (json-rest's own parser checks: object root, no repeated names, bounded depth),
 * then the participant's JSON Schema, then the mapping; every value is checked against the envelope's rules
 * here, so a refusal names the agency's field (a JSON pointer) rather than a canonical element the agency never
 * sees. Writing: the canonical message's mapped fields at their agency paths, as UTF-8 JSON.
 */
export class JsonRestAdapter implements Adapter {
  constructor(readonly settings: JsonRestSettings) {}

  toCanonical(document: NativeDocument, context: AdapterContext): Envelope {
    checkCharset(document.mediaType);
    const json = parseStrictJson(document.bytes);
    if (!this.settings.validate(json)) throw schemaRefusal(this.settings.validate.errors?.[0]);
    const mapping = this.mappingOf(json);
    return readMessage(json, mapping, context);
  }

  fromCanonical(envelope: Envelope): NativeDocument {
    const type = envelope.body.type;
    const mapping = this.settings.mappings.find((m) => m.type === type && m.directions.has('fromCanonical'));
    if (mapping === undefined) {
      throw new VkhidError('ADAPTER_UNSUPPORTED', {
        args: [NAME, `${type} messages for this participant (its settings do not map them)`],
      });
    }
    const json: Record<string, unknown> = {};
    for (const rule of mapping.written) writeAgencyPath(json, rule.path, rule.values[0]);
    for (const field of mapping.fields) {
      const value = modelValue(envelope, field.field.path);
      if (value === undefined) continue;
      if (field.field.kind === 'attachments') {
        const list = value as readonly Attachment[];
        if (list.length > 0)
          writeAgencyPath(
            json,
            field.path,
            list.map((a) => attachmentToAgency(a, field)),
          );
        continue;
      }
      writeAgencyPath(json, field.path, toAgencyValue(field, value as CanonicalValue));
    }
    return { bytes: Buffer.from(JSON.stringify(json), 'utf8'), mediaType: JSON_OUTPUT_MEDIA_TYPE };
  }

  /**
   * The mapping whose match the document meets (settings guarantee at most one). When none does, the refusal
   * names the match entry of the mapping the document came closest to: a callback with an unknown status is
   * refused for its status, not for lacking what an appeal would hold.
   */
  private mappingOf(json: Record<string, unknown>): MessageMapping {
    const reading = this.settings.mappings.filter((m) => m.directions.has('toCanonical'));
    let best = -1;
    let failures: MatchRule[] = [];
    for (const mapping of reading) {
      let met = 0;
      let failed: MatchRule | undefined;
      for (const rule of mapping.match) {
        const read = readAgencyPath(json, rule.path);
        const value = 'value' in read ? read.value : undefined;
        if (rule.values.some((v) => scalarKey(v) === scalarKey(value))) met++;
        else failed ??= rule;
      }
      if (failed === undefined) return mapping;
      if (met > best) [best, failures] = [met, []];
      if (met === best) failures.push(failed);
    }
    const failed = failures[0];
    if (failed === undefined) {
      throw new VkhidError('ADAPTER_UNSUPPORTED', { args: [NAME, 'documents from this participant'] });
    }
    const read = readAgencyPath(json, failed.path);
    if ('value' in read && read.value === undefined) throw missingField(failed.pointer);
    // Receipts and statuses sharing one callback shape fail on the same member: list what either would read.
    const expected = failures.filter((f) => f.pointer === failed.pointer).flatMap((f) => f.values);
    throw invalidField(
      failed.pointer,
      `it is not one of ${expected.map((v) => JSON.stringify(v)).join(', ')}`,
    );
  }
}

export const jsonRestAdapter: AdapterModule = {
  manifest: {
    name: NAME,
    version: '1.0.0',
    description:
      'An EDMS with a JSON API: fields mapped in the participant settings, input checked by its JSON Schema',
    reads: [JSON_MEDIA_TYPE],
    writes: [JSON_MEDIA_TYPE],
    directions: ['toCanonical', 'fromCanonical'],
    messageTypes: { toCanonical: MESSAGE_TYPES, fromCanonical: MESSAGE_TYPES },
    maxInputBytes: 20 * 1024 * 1024,
  },
  createAdapter(settings) {
    return new JsonRestAdapter(compileSettings(settings));
  },
};

function invalidField(field: string, why: string): VkhidError {
  return new VkhidError('ADAPTER_INVALID_FIELD', { args: [field, why], field });
}

function missingField(field: string): VkhidError {
  return new VkhidError('ADAPTER_MISSING_FIELD', { args: [field], field });
}

/** JSON has one encoding; a document labelled with another charset is refused rather than misread. */
function checkCharset(mediaType: string): void {
  const charset = /;\s*charset\s*=\s*"?([^";\s]+)"?/i.exec(mediaType)?.[1];
  if (charset !== undefined && !/^utf-?8$/i.test(charset)) {
    throw new VkhidError('ADAPTER_BAD_ENCODING', {
      args: ['UTF-8 JSON', `it is labelled charset=${charset}`],
    });
  }
}

function contextValue(source: ContextValue | undefined, context: AdapterContext): string | undefined {
  switch (source) {
    case undefined:
      return undefined;
    case 'messageId':
      return context.newId();
    case 'createdAt':
      return context.now().toISOString();
    case 'sender':
      return context.participantCode;
    case 'recipient':
      // The agency addresses the hub; settings give a constant where it always answers one participant.
      return context.hubCode;
  }
}

/** Agency document → canonical model, per one mapping. */
function readMessage(
  json: Record<string, unknown>,
  mapping: MessageMapping,
  context: AdapterContext,
): Envelope {
  const byPath = new Map(mapping.fields.map((f) => [f.field.path, f]));
  const catalogue = canonicalFields(mapping.type);
  const values = new Map<string, unknown>();
  let outcome: string | undefined;
  const applies = (field: CanonicalField) =>
    field.variants === undefined || (outcome !== undefined && field.variants.includes(outcome));

  for (const field of catalogue) {
    if (!applies(field)) continue;
    const rule = byPath.get(field.path);
    let value: unknown = rule === undefined ? undefined : readField(json, rule);
    value ??= rule?.default ?? mapping.constants.get(field.path) ?? contextValue(field.context, context);
    if (value === undefined && field.kind === 'strings') value = [];
    if (value === undefined) continue;
    values.set(field.path, value);
    if (field.selector === true) outcome = value as string;
  }

  const groups = new Set(
    catalogue.filter((f) => f.group !== undefined && values.has(f.path)).map((f) => f.group),
  );
  for (const field of catalogue) {
    if (!field.required || values.has(field.path) || !applies(field)) continue;
    if (field.group !== undefined && !groups.has(field.group)) continue;
    throw missingField(byPath.get(field.path)?.pointer ?? field.path);
  }

  const model: Record<string, unknown> = {};
  for (const [path, value] of values) setModelValue(model, path, value);
  const header = model.header as Record<string, unknown>;
  header.type = mapping.type;
  header.schemaVersion = SCHEMA_VERSION;
  const body = (model.body ??= {}) as Record<string, unknown>;
  body.type = mapping.type;
  body[mapping.type] ??= {};
  return model as unknown as Envelope;
}

/** The canonical value of one mapped field in the document, undefined when absent; refuses a wrong value. */
function readField(json: Record<string, unknown>, rule: FieldMapping): unknown {
  const read = readAgencyPath(json, rule.path);
  if ('notAnObject' in read) throw invalidField(toPointer(read.notAnObject), 'it is not an object');
  const { value } = read;
  if (value === undefined) return undefined;
  const { field, pointer } = rule;
  if (rule.fromAgency !== undefined) {
    const canonical = rule.fromAgency.get(scalarKey(value));
    if (canonical === undefined || Array.isArray(value) || isPlainObject(value)) {
      const known = (rule.agencyValues ?? []).map((v) => JSON.stringify(v)).join(', ');
      throw invalidField(pointer, `it is not one of ${known}`);
    }
    return canonical;
  }
  switch (field.kind) {
    case 'string':
      return readString(field, value, pointer);
    case 'boolean':
      if (typeof value !== 'boolean') throw invalidField(pointer, 'it is not true or false');
      return value;
    case 'strings': {
      if (!Array.isArray(value)) throw invalidField(pointer, 'it is not a list');
      if (value.length > (field.maxItems ?? Infinity)) {
        throw invalidField(pointer, `it has more than ${field.maxItems} items`);
      }
      return value.map((item, i) => readString(field, item, `${pointer}/${i}`));
    }
    case 'attachments': {
      if (!Array.isArray(value)) throw invalidField(pointer, 'it is not a list');
      if (value.length > (field.maxItems ?? Infinity)) {
        throw invalidField(pointer, `it has more than ${field.maxItems} attachments`);
      }
      // The model writes an empty list as no list at all.
      if (value.length === 0) return undefined;
      return value.map((item, i) => readAttachment(item, rule, `${pointer}/${i}`));
    }
  }
}

function readString(field: Pick<CanonicalField, 'format' | 'enum'>, value: unknown, pointer: string): string {
  if (typeof value !== 'string') throw invalidField(pointer, 'it is not a string');
  const problem = formatProblem(field, value);
  if (problem !== undefined) throw invalidField(pointer, problem);
  return value;
}

/**
 * One attachment. Size and SHA-256 are computed from the content; when the agency states them too they must
 * agree, so a file damaged on the way is refused here, naming the agency's member.
 */
function readAttachment(item: unknown, rule: FieldMapping, pointer: string): Attachment {
  if (!isPlainObject(item)) throw invalidField(pointer, 'it is not an object');
  const items = rule.items ?? {};
  const member = (name: keyof typeof items): { value: unknown; at: string } | undefined => {
    const where = items[name];
    if (where === undefined) return undefined;
    const read = readAgencyPath(item, where.path);
    if ('notAnObject' in read)
      throw invalidField(pointer + toPointer(read.notAnObject), 'it is not an object');
    return { value: read.value, at: pointer + where.pointer };
  };
  const required = (name: 'fileName' | 'mediaType' | 'content') => {
    const found = member(name) as { value: unknown; at: string };
    if (found.value === undefined) throw missingField(found.at);
    return found;
  };
  const fileName = required('fileName');
  const mediaType = required('mediaType');
  const content = required('content');
  const name = readString({ format: 'short' }, fileName.value, fileName.at);
  const type = readString({ format: 'media-type' }, mediaType.value, mediaType.at);
  if (typeof content.value !== 'string' || !isStrictBase64(content.value)) {
    throw invalidField(content.at, 'it is not base64 (RFC 4648 alphabet, padded, no whitespace)');
  }
  const attachment = attachmentFromBytes(name, type, Buffer.from(content.value, 'base64'));
  const size = member('size');
  if (size?.value !== undefined && size.value !== attachment.size) {
    throw invalidField(size.at, `it is not the size of the content (${attachment.size} bytes)`);
  }
  const sha256 = member('sha256');
  if (sha256?.value !== undefined && sha256.value !== attachment.sha256) {
    throw invalidField(sha256.at, `it is not the SHA-256 of the content (${attachment.sha256})`);
  }
  return attachment;
}

function toAgencyValue(rule: FieldMapping, value: CanonicalValue): unknown {
  if (rule.toAgency === undefined) return Array.isArray(value) ? [...(value as readonly string[])] : value;
  const agency = rule.toAgency.get(String(value));
  if (agency === undefined) {
    throw new VkhidError('ADAPTER_UNSUPPORTED', {
      args: [
        NAME,
        `${rule.field.path} ${JSON.stringify(value)} (the participant's values have no agency value for it)`,
      ],
      field: rule.field.path,
    });
  }
  return agency;
}

function attachmentToAgency(attachment: Attachment, rule: FieldMapping): Record<string, unknown> {
  const item: Record<string, unknown> = {};
  for (const [member, where] of Object.entries(rule.items ?? {})) {
    writeAgencyPath(item, where.path, attachment[member as keyof Attachment]);
  }
  return item;
}

function modelValue(envelope: Envelope, path: string): unknown {
  let current: unknown = envelope;
  for (const segment of path.split('.')) {
    if (!isPlainObject(current)) return undefined;
    current = current[segment];
  }
  return current;
}

function setModelValue(model: Record<string, unknown>, path: string, value: unknown): void {
  const segments = path.split('.');
  let current = model;
  for (const segment of segments.slice(0, -1)) current = (current[segment] ??= {}) as Record<string, unknown>;
  current[segments[segments.length - 1] as string] = value;
}
