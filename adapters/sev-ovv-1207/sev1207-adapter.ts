import type {
  Adapter,
  AdapterContext,
  AdapterManifest,
  AdapterModule,
  NativeDocument,
} from '../../gateway/adapters/adapter.js';
import type { Envelope } from '../../gateway/envelope/envelope-model.js';
import { VkhidError } from '../../gateway/errors/vkhid-error.js';
import { defaultIntakeLimits, intakeXml, parseXml, type IntakeResult } from '../../gateway/xml/xml-intake.js';
import { readSev1207 } from './sev1207-reader.js';
import { validateSev1207, SEV1207_SCHEMA_PATH } from './sev1207-schema.js';
import { ADAPTER_NAME, parseSev1207Settings, type Sev1207Settings } from './sev1207-settings.js';
import { writeSev1207 } from './sev1207-writer.js';

/** The vendor media type of a 1207 message (application/xml belongs to the canonical adapter). */
export const SEV1207_MEDIA_TYPE = 'application/vnd.sev-ovv-1207+xml';
const MAX_INPUT_BYTES = 20 * 1024 * 1024;

export const sev1207Manifest: AdapterManifest = {
  name: ADAPTER_NAME,
  version: '1.0.0',
  description: 'СЕВ ОВВ «1207» v1.5 documents and acknowledgements (schema v2.2)',
  reads: [SEV1207_MEDIA_TYPE],
  writes: [SEV1207_MEDIA_TYPE],
  directions: ['toCanonical', 'fromCanonical'],
  messageTypes: {
    toCanonical: ['appeal', 'answer', 'receipt'],
    fromCanonical: ['appeal', 'answer', 'receipt'],
  },
  maxInputBytes: MAX_INPUT_BYTES,
  nativeSchema: SEV1207_SCHEMA_PATH,
};

/**
 * The СЕВ ОВВ «1207» adapter: documents (`Document`, with `DocTransfer` files, registration numbers,
 * addressees, tasks and deadlines) become appeals or answers, acknowledgements (`ack_type` 1–4) receipts, and
 * back. See docs/adapters/sev-ovv-1207.md for the mapping and what 1207 cannot carry.
 */
export class Sev1207Adapter implements Adapter {
  constructor(private readonly settings: Sev1207Settings) {}

  /**
   * Intake first (strict decoding, no DTD or entities, structural limits), then the 1207 schema (libxml2,
   * on the original bytes so it decodes them itself), and only then the DOM the mapping reads.
   */
  toCanonical(document: NativeDocument, context: AdapterContext): Envelope {
    const intake = intakeNative(document.bytes);
    validateSev1207(document.bytes);
    let dom: Document;
    try {
      dom = parseXml(intake.text);
    } catch (error) {
      throw adapterError(error);
    }
    return readSev1207(dom.documentElement, this.settings, context);
  }

  fromCanonical(envelope: Envelope): NativeDocument {
    return {
      bytes: writeSev1207(envelope, this.settings),
      mediaType: SEV1207_MEDIA_TYPE,
      fileName: `${envelope.header.messageId}.xml`,
    };
  }
}

export const sev1207Adapter: AdapterModule = {
  manifest: sev1207Manifest,
  createAdapter(settings) {
    return new Sev1207Adapter(parseSev1207Settings(settings));
  },
};

function intakeNative(bytes: Uint8Array): IntakeResult {
  if (bytes.length > MAX_INPUT_BYTES) {
    throw new VkhidError('ADAPTER_INPUT_TOO_LARGE', { args: [bytes.length, ADAPTER_NAME, MAX_INPUT_BYTES] });
  }
  try {
    return intakeXml(bytes, { ...defaultIntakeLimits, maxBytes: MAX_INPUT_BYTES });
  } catch (error) {
    throw adapterError(error);
  }
}

/** The intake's INTAKE_* refusals as this adapter's own codes (the intake error stays as the cause). */
function adapterError(error: unknown): unknown {
  if (!(error instanceof VkhidError)) return error;
  if (error.code === 'INTAKE_BAD_ENCODING' || error.code === 'INTAKE_UNSUPPORTED_ENCODING') {
    return new VkhidError('ADAPTER_BAD_ENCODING', {
      args: ['СЕВ ОВВ 1207 XML', error.message],
      cause: error,
    });
  }
  if (error.code.startsWith('INTAKE_')) {
    return new VkhidError('ADAPTER_MALFORMED', { args: ['СЕВ ОВВ 1207 XML', error.message], cause: error });
  }
  return error;
}
