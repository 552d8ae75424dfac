import { join } from 'node:path';
import type {
  Adapter,
  AdapterContext,
  AdapterModule,
  NativeDocument,
} from '../../gateway/adapters/adapter.js';
import type { Envelope } from '../../gateway/envelope/envelope-model.js';
import { VkhidError } from '../../gateway/errors/vkhid-error.js';
import { schemasDirectory } from '../../gateway/package-paths.js';
import { intakeXml, parseXml } from '../../gateway/xml/xml-intake.js';
import { XsdSchema } from '../../gateway/xml/xsd-schema.js';
import { isPackage, PASSPORT_NAME, readPackage, writePackage } from './medo-package.js';
import { parseXdmsSettings, type XdmsSettings } from './xdms-settings.js';
import { XdmsReader } from './xdms-reader.js';
import { MESSAGE_KIND, NOTIFICATION_TYPES, XDMS_NAMESPACE } from './xdms-vocabulary.js';
import { XdmsWriter } from './xdms-writer.js';

/** A bare xdms passport: notifications and acknowledgments (and a document without files). */
export const XDMS_MEDIA_TYPE = 'application/vnd.medo-xdms+xml';
/** A МЕДО package: ZIP with passport.xml and the files it lists (documents). */
export const XDMS_PACKAGE_MEDIA_TYPE = 'application/vnd.medo-xdms+zip';
/** The xdms 2.6 schema (windows-1251, compiled by libxml2 as shipped). */
export const XDMS_SCHEMA_PATH = join(schemasDirectory, 'medo-xdms', 'IEDMS.xsd');

const MAX_INPUT_BYTES = 20 * 1024 * 1024;
const FORMAT = 'МЕДО xdms 2.6';
const KNOWN_NOTIFICATION_TYPES: readonly string[] = Object.values(NOTIFICATION_TYPES);
const KNOWN_MESSAGE_KINDS: readonly string[] = Object.values(MESSAGE_KIND);

let schema: XsdSchema | undefined;
/** Compiled once per process, on first use. */
export function xdmsSchema(): XsdSchema {
  schema ??= XsdSchema.load(XDMS_SCHEMA_PATH, 'ADAPTER_NATIVE_SCHEMA_INVALID');
  return schema;
}

/**
 * МЕДО xdms 2.6 (IEDMS.xsd): documents (appeal or answer), acknowledgments and the seven notification types.
 * See docs/adapters/medo-xdms.md for the field mapping. The manifest names no `nativeSchema` because a document
 * is written as a ZIP package, which the runtime's schema check cannot read: the adapter validates every
 * passport it writes (and reads) against IEDMS.xsd itself.
 */
export class MedoXdmsAdapter implements Adapter {
  private readonly writer: XdmsWriter;

  constructor(private readonly settings: XdmsSettings) {
    this.writer = new XdmsWriter(settings);
  }

  toCanonical(document: NativeDocument, context: AdapterContext): Envelope {
    let passport: Uint8Array;
    let files: ReadonlyMap<string, Uint8Array> = new Map();
    if (isPackage(document.bytes)) {
      const entries = readPackage(document.bytes, {
        maxEntries: 1 + 200,
        maxTotalBytes: 4 * MAX_INPUT_BYTES,
      });
      const found = entries.get(PASSPORT_NAME);
      if (found === undefined) {
        throw new VkhidError('ADAPTER_MISSING_FIELD', { args: [PASSPORT_NAME], field: PASSPORT_NAME });
      }
      entries.delete(PASSPORT_NAME);
      passport = found;
      files = entries;
    } else {
      passport = document.bytes;
    }
    const root = readPassport(passport);
    return new XdmsReader(this.settings, context, root, files).read();
  }

  fromCanonical(envelope: Envelope): NativeDocument {
    const output = this.writer.write(envelope);
    try {
      xdmsSchema().validate(output.passport);
    } catch (error) {
      // The writer checks every limit a canonical value can break; reaching this is a writer bug, reported as
      // such rather than sent to a participant whose system would refuse it.
      throw new VkhidError('ADAPTER_OUTPUT_INVALID', {
        args: ['medo-xdms', 'xdms passport', error instanceof Error ? error.message : String(error)],
        ...(error instanceof VkhidError && error.field !== undefined ? { field: error.field } : {}),
        cause: error,
      });
    }
    const id = envelope.header.messageId;
    if (output.files === undefined) {
      return { bytes: output.passport, mediaType: XDMS_MEDIA_TYPE, fileName: `${id}.xml` };
    }
    return { bytes: writePackage(output.files), mediaType: XDMS_PACKAGE_MEDIA_TYPE, fileName: `${id}.zip` };
  }
}

/**
 * Intake (decoding, no DTD, limits), the checks that give a clearer answer than the schema would, then the
 * schema itself on the original bytes (libxml2 decodes windows-1251 on its own).
 */
function readPassport(bytes: Uint8Array): Element {
  let root: Element;
  try {
    const { text, encoding } = intakeXml(bytes);
    if (encoding !== 'utf-8' && encoding !== 'windows-1251') {
      throw new VkhidError('ADAPTER_BAD_ENCODING', {
        args: [FORMAT, `it is ${encoding}; xdms documents are windows-1251 or UTF-8`],
      });
    }
    root = parseXml(text).documentElement;
  } catch (error) {
    throw fromIntake(error);
  }
  if (root.localName !== 'communication' || root.namespaceURI !== XDMS_NAMESPACE) {
    throw new VkhidError('ADAPTER_MALFORMED', {
      args: [FORMAT, `the root element is ${root.tagName}, not communication in ${XDMS_NAMESPACE}`],
    });
  }
  checkKinds(root);
  try {
    xdmsSchema().validate(bytes);
  } catch (error) {
    throw fromIntake(error);
  }
  return root;
}

/** Unknown message and notification types are refused as unsupported, not merely as schema-invalid. */
function checkKinds(root: Element): void {
  for (let node = root.firstChild; node !== null; node = node.nextSibling) {
    if (node.nodeType !== 1) continue;
    const element = node as Element;
    if (element.namespaceURI !== XDMS_NAMESPACE) continue;
    if (element.localName === 'header') {
      const type = element.getAttributeNS(XDMS_NAMESPACE, 'type');
      if (type !== null && type !== '' && !KNOWN_MESSAGE_KINDS.includes(type.trim())) {
        throw unsupported(`the message type ${type}`, 'communication.header.@type');
      }
    }
    if (element.localName === 'notification') {
      const type = element.getAttributeNS(XDMS_NAMESPACE, 'type');
      if (type !== null && type !== '' && !KNOWN_NOTIFICATION_TYPES.includes(type.trim())) {
        throw unsupported(`the notification type ${type}`, 'communication.notification.@type');
      }
      for (let event = element.firstChild; event !== null; event = event.nextSibling) {
        if (event.nodeType !== 1 || (event as Element).localName === 'comment') continue;
        const name = (event as Element).localName as keyof typeof NOTIFICATION_TYPES;
        // The type attribute and the event element must agree, or the two would say different things.
        if (
          NOTIFICATION_TYPES[name] !== undefined &&
          type !== null &&
          NOTIFICATION_TYPES[name] !== type.trim()
        ) {
          throw new VkhidError('ADAPTER_INVALID_FIELD', {
            args: ['communication.notification.@type', `it says ${type} but the event is ${name}`],
            field: 'communication.notification.@type',
          });
        }
      }
    }
  }
}

function fromIntake(error: unknown): VkhidError {
  if (!(error instanceof VkhidError)) {
    return new VkhidError('ADAPTER_MALFORMED', { args: [FORMAT, String(error)], cause: error });
  }
  if (error.code === 'INTAKE_BAD_ENCODING' || error.code === 'INTAKE_UNSUPPORTED_ENCODING') {
    return new VkhidError('ADAPTER_BAD_ENCODING', { args: [FORMAT, error.message], cause: error });
  }
  // Every other intake refusal (empty, too large, DTD, limits, not well-formed) is a malformed document.
  if (error.code.startsWith('INTAKE_')) {
    return new VkhidError('ADAPTER_MALFORMED', { args: [FORMAT, error.message], cause: error });
  }
  return error;
}

function unsupported(what: string, field: string): VkhidError {
  return new VkhidError('ADAPTER_UNSUPPORTED', { args: ['medo-xdms', what], field });
}

export const medoXdmsAdapter: AdapterModule = {
  manifest: {
    name: 'medo-xdms',
    version: '1.0.0',
    description: 'МЕДО xdms 2.6: documents, acknowledgments and notifications, windows-1251 or UTF-8',
    reads: [XDMS_MEDIA_TYPE, XDMS_PACKAGE_MEDIA_TYPE],
    writes: [XDMS_MEDIA_TYPE, XDMS_PACKAGE_MEDIA_TYPE],
    directions: ['toCanonical', 'fromCanonical'],
    messageTypes: {
      toCanonical: ['appeal', 'answer', 'receipt', 'status'],
      fromCanonical: ['appeal', 'answer', 'receipt', 'status'],
    },
    maxInputBytes: MAX_INPUT_BYTES,
  },
  createAdapter(settings) {
    return new MedoXdmsAdapter(parseXdmsSettings(settings));
  },
};
