import { canonicalAdapter } from '../../../adapters/canonical/canonical-adapter.js';
import { buildEnvelope } from '../../../gateway/envelope/envelope-builder.js';
import { anyEnvelope } from '../../envelope/fixtures/envelope-arbitraries.js';
import { sampleEnvelope } from '../../envelope/fixtures/sample-envelopes.js';
import type { ConformanceCase } from '../conformance/conformance-case.js';

const xml = (text: string) => ({ bytes: Buffer.from(text, 'utf8'), mediaType: 'application/xml' });
const appeal = sampleEnvelope('appeal');
const appealXml = buildEnvelope(appeal);

/** The canonical adapter carries everything: its round trip loses nothing, so `project` is the identity. */
export const canonicalCase: ConformanceCase = {
  module: canonicalAdapter,
  settings: {},
  participantCode: appeal.header.recipient,
  canonical: anyEnvelope,
  project: (envelope) => envelope,
  goldens: [{ name: 'the sample appeal', document: xml(appealXml), expected: appeal }],
  refusals: [
    { name: 'not XML', document: xml('hello'), code: 'INTAKE_MALFORMED' },
    {
      name: 'a DOCTYPE',
      document: xml(`<!DOCTYPE x [<!ENTITY e "e">]>${appealXml.slice(appealXml.indexOf('?>') + 2)}`),
      code: 'INTAKE_DTD_FORBIDDEN',
    },
    {
      name: 'a missing required field',
      document: xml(appealXml.replace(/<Subject>[^<]*<\/Subject>/, '')),
      code: 'ENVELOPE_SCHEMA_INVALID',
    },
    {
      name: 'bytes that are not UTF-8',
      document: {
        bytes: Buffer.from([0x3c, 0x61, 0x3e, 0xff, 0x3c, 0x2f, 0x61, 0x3e]),
        mediaType: 'application/xml',
      },
      code: 'INTAKE_BAD_ENCODING',
    },
  ],
};
