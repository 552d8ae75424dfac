import type { Adapter, AdapterModule, NativeDocument } from '../../gateway/adapters/adapter.js';
import { buildEnvelope } from '../../gateway/envelope/envelope-builder.js';
import type { Envelope } from '../../gateway/envelope/envelope-model.js';
import { MESSAGE_TYPES } from '../../gateway/envelope/envelope-model.js';
import { readEnvelope } from '../../gateway/envelope/envelope-reader.js';
import { envelopeSchema } from '../../gateway/envelope/envelope-schema.js';
import { VkhidError } from '../../gateway/errors/vkhid-error.js';
import { intakeXml } from '../../gateway/xml/xml-intake.js';

export const CANONICAL_MEDIA_TYPE = 'application/xml';

/**
 * The hub's own envelope, as is: for participants whose EDMS already speaks it. Reading goes through the same
 * hardened intake and the envelope XSD as a signed envelope does; its refusals keep the envelope's own codes
 * (INTAKE_*, ENVELOPE_*), which is what such an integrator already knows from `docs/errors.md`.
 *
 * For delivery the hub does not call it at all: a canonical participant gets the signed bytes unchanged.
 * It serves offline conversion (`vkhid convert`), unsigned documents from trusted transports, and the
 * conformance suite, where it is the reference every other adapter's round trip is measured against.
 */
export class CanonicalAdapter implements Adapter {
  toCanonical(document: NativeDocument): Envelope {
    const { text } = intakeXml(document.bytes);
    envelopeSchema().validate(text);
    return readEnvelope(text);
  }

  fromCanonical(envelope: Envelope): NativeDocument {
    return { bytes: Buffer.from(buildEnvelope(envelope), 'utf8'), mediaType: CANONICAL_MEDIA_TYPE };
  }
}

export const canonicalAdapter: AdapterModule = {
  manifest: {
    name: 'canonical',
    version: '1.0.0',
    description: "The hub's canonical envelope (urn:vkhid:envelope:1), unchanged",
    reads: [CANONICAL_MEDIA_TYPE, 'text/xml'],
    writes: [CANONICAL_MEDIA_TYPE],
    directions: ['toCanonical', 'fromCanonical'],
    messageTypes: { toCanonical: MESSAGE_TYPES, fromCanonical: MESSAGE_TYPES },
    maxInputBytes: 20 * 1024 * 1024,
  },
  createAdapter(settings) {
    const unknown = Object.keys(settings);
    if (unknown.length > 0) {
      throw new VkhidError('ADAPTER_SETTINGS_INVALID', {
        args: ['canonical', `it takes no settings (got ${unknown.join(', ')})`],
        field: `adapterSettings.${unknown[0]}`,
      });
    }
    return new CanonicalAdapter();
  },
};
