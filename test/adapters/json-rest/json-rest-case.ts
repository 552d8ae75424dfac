import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import type { NativeDocument } from '../../../gateway/adapters/adapter.js';
import type { Envelope } from '../../../gateway/envelope/envelope-model.js';
import { jsonRestAdapter } from '../../../adapters/json-rest/json-rest-adapter.js';
import {
  answer,
  appealEnvelope,
  envelopeOf,
  errorReport,
  receipt,
  status,
} from '../../envelope/fixtures/envelope-arbitraries.js';
import { SUITE_NEW_ID, SUITE_NOW, type ConformanceCase } from '../conformance/conformance-case.js';

/** The example participant: Мінрозвитку's EDMS (adapters/json-rest/example-settings.json). */
export const JSON_REST_PARTICIPANT = '00022527';
/** The constant recipient of the example's callbacks (the contact center). */
const CALLBACK_RECIPIENT = '00015622';

export const exampleSettings = JSON.parse(
  readFileSync(new URL('../../../adapters/json-rest/example-settings.json', import.meta.url), 'utf8'),
) as Record<string, unknown>;

const fixture = (name: string): Buffer => readFileSync(new URL(`./fixtures/${name}`, import.meta.url));

export const jsonDocument = (value: unknown): NativeDocument => ({
  bytes: Buffer.from(typeof value === 'string' ? value : JSON.stringify(value), 'utf8'),
  mediaType: 'application/json',
});

const golden = (name: string) => ({
  name: `fixtures/${name}.json`,
  document: { bytes: fixture(`${name}.json`), mediaType: 'application/json' },
  expected: JSON.parse(fixture(`${name}.expected.json`).toString('utf8')) as Envelope,
});

const callback = {
  docType: 'callback',
  messageId: '3f2b8c1e-5d4a-4e6f-9a7b-1c2d3e4f5a6b',
  status: 'ЗАРЕЄСТРОВАНО',
  number: '1234/05-26',
  date: '2026-03-03',
  at: '2026-03-03T09:12:00+02:00',
};
const answerDocument = JSON.parse(fixture('answer.json').toString('utf8')) as {
  answer: Record<string, unknown> & { files: Record<string, unknown>[] };
};

const addressed = (envelope: Envelope): Envelope => ({
  ...envelope,
  header: { ...envelope.header, recipient: JSON_REST_PARTICIPANT },
});

/**
 * What the example's mapping loses. Everywhere: the envelope's `Id` attribute (no agency member). Callbacks
 * (receipts and statuses) carry neither their own message id nor a creation time (the hub's context fills
 * them in), and always go to the contact center (a constant); a receipt's callback has no digest and no
 * in-reply-to (its `messageId` is the acknowledged message, MessageRef).
 */
function project(envelope: Envelope): Envelope {
  const projected = structuredClone(envelope);
  delete projected.id;
  const { header, body } = projected;
  if (body.type !== 'receipt' && body.type !== 'status') return projected;
  header.messageId = SUITE_NEW_ID;
  header.createdAt = SUITE_NOW.toISOString();
  header.recipient = CALLBACK_RECIPIENT;
  if (body.type === 'receipt') {
    delete header.inReplyTo;
    delete body.receipt.messageDigest;
  }
  return projected;
}

export const jsonRestCase: ConformanceCase = {
  module: jsonRestAdapter,
  settings: exampleSettings,
  participantCode: JSON_REST_PARTICIPANT,
  canonical: fc
    .oneof(
      appealEnvelope,
      envelopeOf(
        'receipt',
        receipt.map((r) => ({ type: 'receipt' as const, receipt: r })),
      ),
      envelopeOf(
        'status',
        status.map((s) => ({ type: 'status' as const, status: s })),
      ),
      envelopeOf(
        'answer',
        answer.map((a) => ({ type: 'answer' as const, answer: a })),
      ),
      envelopeOf(
        'error',
        errorReport.map((e) => ({ type: 'error' as const, error: e })),
      ),
    )
    .map(addressed),
  project,
  goldens: [
    golden('appeal'),
    golden('answer'),
    golden('callback-registered'),
    golden('callback-refused'),
    golden('callback-redirected'),
    golden('error'),
  ],
  refusals: [
    { name: 'malformed JSON', document: jsonDocument('{"docType": "callback",'), code: 'ADAPTER_MALFORMED' },
    {
      name: 'bytes that are not UTF-8',
      document: {
        bytes: Buffer.concat([
          Buffer.from('{"docType": "'),
          Buffer.from([0xcf, 0xf0, 0xe8]),
          Buffer.from('"}'),
        ]),
        mediaType: 'application/json',
      },
      code: 'ADAPTER_BAD_ENCODING',
    },
    {
      name: 'a root that is not an object',
      document: jsonDocument('[{"docType": "callback"}]'),
      code: 'ADAPTER_MALFORMED',
    },
    {
      name: 'a member name given twice',
      document: jsonDocument('{"docType": "callback", "status": "ПРИЙНЯТО", "status": "ВІДХИЛЕНО"}'),
      code: 'ADAPTER_MALFORMED',
      field: '/status',
    },
    {
      name: 'a document the participant schema refuses (unknown docType)',
      document: jsonDocument({ ...callback, docType: 'memo' }),
      code: 'ADAPTER_NATIVE_SCHEMA_INVALID',
      field: '/docType',
    },
    {
      name: 'a callback without the status the schema requires',
      document: jsonDocument({ docType: 'callback', at: callback.at }),
      code: 'ADAPTER_NATIVE_SCHEMA_INVALID',
      field: '/status',
    },
    {
      name: 'an answer without its signatory',
      document: jsonDocument({
        ...answerDocument,
        answer: { ...answerDocument.answer, signedBy: undefined },
      }),
      code: 'ADAPTER_MISSING_FIELD',
      field: '/answer/signedBy',
    },
    {
      name: 'a registered receipt without its number',
      document: jsonDocument({ ...callback, number: undefined }),
      code: 'ADAPTER_MISSING_FIELD',
      field: '/number',
    },
    {
      name: 'a status value the mapping does not know',
      document: jsonDocument({ ...callback, status: 'АРХІВОВАНО' }),
      code: 'ADAPTER_INVALID_FIELD',
      field: '/status',
    },
    {
      name: 'a tracking number the envelope cannot carry',
      document: jsonDocument({ ...callback, regNumber: 'ukc 2026' }),
      code: 'ADAPTER_INVALID_FIELD',
      field: '/regNumber',
    },
    {
      name: 'an attachment whose SHA-256 does not match its content',
      document: jsonDocument({
        ...answerDocument,
        answer: {
          ...answerDocument.answer,
          files: [{ ...answerDocument.answer.files[0], sha256: '0'.repeat(64) }],
        },
      }),
      code: 'ADAPTER_INVALID_FIELD',
      field: '/answer/files/0/sha256',
    },
  ],
};
