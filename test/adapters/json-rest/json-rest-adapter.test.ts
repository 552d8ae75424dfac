import assert from 'node:assert/strict';
import fc from 'fast-check';
import { AdapterRegistry } from '../../../gateway/adapters/adapter-registry.js';
import type { Envelope } from '../../../gateway/envelope/envelope-model.js';
import { VkhidError } from '../../../gateway/errors/vkhid-error.js';
import { jsonRestAdapter } from '../../../adapters/json-rest/json-rest-adapter.js';
import { suiteContext } from '../conformance/conformance-case.js';
import { exampleSettings, jsonDocument, jsonRestCase, JSON_REST_PARTICIPANT } from './json-rest-case.js';

/**
 * The json-rest case run the way the shared conformance suite runs every case (through the hub's
 * RuntimeAdapter), until the suite lists it; then the adapter's own behaviour beyond the case.
 */
function runtime(settings: Record<string, unknown> = exampleSettings) {
  return new AdapterRegistry().register(jsonRestAdapter).seal().create('json-rest', settings);
}

async function refusal(action: () => unknown): Promise<VkhidError> {
  try {
    await action();
  } catch (error) {
    assert.ok(error instanceof VkhidError, String(error));
    return error;
  }
  assert.fail('expected a refusal');
}

const context = suiteContext(JSON_REST_PARTICIPANT);

describe('json-rest adapter: the conformance case', () => {
  for (const golden of jsonRestCase.goldens) {
    it(`reads ${golden.name}`, async () => {
      const result = await runtime().toCanonical(golden.document, context);
      assert.deepStrictEqual(result.envelope, golden.expected);
    });
  }

  for (const bad of jsonRestCase.refusals) {
    it(`refuses ${bad.name} with ${bad.code}`, async () => {
      const error = await refusal(() => runtime().toCanonical(bad.document, context));
      assert.equal(error.code, bad.code, error.message);
      if (typeof bad.field === 'string') assert.equal(error.field, bad.field, error.message);
    });
  }

  it('keeps every field the mapping carries through canonical → JSON → canonical', async () => {
    const { canonical, project } = jsonRestCase;
    assert.ok(canonical !== undefined && project !== undefined);
    const adapter = runtime();
    await fc.assert(
      fc.asyncProperty(canonical, async (envelope) => {
        const native = await adapter.fromCanonical(envelope, suiteContext(envelope.header.recipient));
        const back = await adapter.toCanonical(native, suiteContext(envelope.header.sender));
        assert.deepStrictEqual(back.envelope, project(envelope));
      }),
      { numRuns: 150 },
    );
  });

  it('answers random bytes and random JSON with a coded refusal, never a crash', async () => {
    const adapter = runtime();
    const inputs = fc.oneof(
      fc.uint8Array({ maxLength: 1024 }),
      fc.json().map((text) => Buffer.from(text)),
      fc
        .record({
          docType: fc.constantFrom('appeal', 'answer', 'callback', 'error'),
          status: fc.constantFrom('ЗАРЕЄСТРОВАНО', 'ПЕРЕНАПРАВЛЕНО', 'x'),
          at: fc.string(),
          appeal: fc.jsonValue(),
          answer: fc.object(),
          messageId: fc.jsonValue(),
        })
        .map((value) => Buffer.from(JSON.stringify(value))),
    );
    await fc.assert(
      fc.asyncProperty(inputs, async (bytes) => {
        try {
          await adapter.toCanonical({ bytes, mediaType: 'application/json' }, context);
        } catch (error) {
          assert.ok(error instanceof VkhidError, String(error));
          assert.ok(error.code.startsWith('ADAPTER_') && error.code !== 'ADAPTER_FAILED', error.message);
        }
      }),
      { numRuns: 300 },
    );
  });
});

describe('json-rest adapter', () => {
  const minimal = (messages: Record<string, unknown>) => ({ inputSchema: { type: 'object' }, messages });

  it('writes UTF-8 JSON with the mapped members, agency values and match constants', async () => {
    const envelope: Envelope = {
      header: {
        messageId: '6f1c2d3e-4a5b-4c6d-8e9f-0a1b2c3d4e5f',
        type: 'status',
        createdAt: '2026-03-05T10:00:00+02:00',
        sender: JSON_REST_PARTICIPANT,
        recipient: '00015622',
        inReplyTo: '3f2b8c1e-5d4a-4e6f-9a7b-1c2d3e4f5a6b',
        schemaVersion: '1.0',
      },
      body: {
        type: 'status',
        status: {
          at: '2026-03-05T09:59:00+02:00',
          outcome: {
            kind: 'deadline-extended',
            newDeadline: '2026-04-15',
            reason: 'Потрібна перевірка на місці',
          },
        },
      },
    };
    const native = await runtime().fromCanonical(envelope, suiteContext('00015622'));
    assert.equal(native.mediaType, 'application/json; charset=utf-8');
    assert.deepEqual(JSON.parse(Buffer.from(native.bytes).toString('utf8')), {
      docType: 'callback',
      from: JSON_REST_PARTICIPANT,
      messageId: '3f2b8c1e-5d4a-4e6f-9a7b-1c2d3e4f5a6b',
      at: '2026-03-05T09:59:00+02:00',
      status: 'ТЕРМІН_ПРОДОВЖЕНО',
      newDeadline: '2026-04-15',
      reason: 'Потрібна перевірка на місці',
    });
  });

  it('refuses a message type the participant does not map (ADAPTER_UNSUPPORTED)', () => {
    const adapter = jsonRestAdapter.createAdapter(
      minimal({
        error: {
          directions: ['toCanonical'],
          fields: {
            'body.error.messageRef': 'ref',
            'body.error.code': 'code',
            'body.error.description': 'text',
          },
        },
      }),
    );
    const envelope: Envelope = {
      header: {
        messageId: '6f1c2d3e-4a5b-4c6d-8e9f-0a1b2c3d4e5f',
        type: 'error',
        createdAt: '2026-03-05T10:00:00+02:00',
        sender: '00015622',
        recipient: JSON_REST_PARTICIPANT,
        schemaVersion: '1.0',
      },
      body: {
        type: 'error',
        error: { messageRef: '3f2b8c1e-5d4a-4e6f-9a7b-1c2d3e4f5a6b', code: 'X', description: 'y' },
      },
    };
    assert.throws(() => adapter.fromCanonical?.(envelope, context), { code: 'ADAPTER_UNSUPPORTED' });
  });

  it('refuses to write a canonical value its values map has no agency value for, naming the canonical field', () => {
    const adapter = jsonRestAdapter.createAdapter(
      minimal({
        status: {
          directions: ['fromCanonical'],
          fields: {
            'body.status.at': 'at',
            'body.status.outcome.kind': { path: 'state', values: { 'under-consideration': 'IN_WORK' } },
          },
        },
      }),
    );
    const envelope: Envelope = {
      header: {
        messageId: '6f1c2d3e-4a5b-4c6d-8e9f-0a1b2c3d4e5f',
        type: 'status',
        createdAt: '2026-03-05T10:00:00+02:00',
        sender: '00015622',
        recipient: JSON_REST_PARTICIPANT,
        schemaVersion: '1.0',
      },
      body: { type: 'status', status: { at: '2026-03-05T10:00:00+02:00', outcome: { kind: 'answered' } } },
    };
    assert.throws(() => adapter.fromCanonical?.(envelope, context), {
      code: 'ADAPTER_UNSUPPORTED',
      field: 'body.status.outcome.kind',
    });
  });

  describe('reading', () => {
    const adapter = jsonRestAdapter.createAdapter(
      minimal({
        receipt: {
          directions: ['toCanonical'],
          fields: {
            'header.messageId': 'meta.id',
            'body.receipt.messageRef': '/for/message id',
            'body.receipt.at': 'at',
          },
          constants: { 'body.receipt.outcome.kind': 'accepted', 'header.recipient': '00015622' },
        },
      }),
    );
    const read = (value: unknown, mediaType = 'application/json') =>
      adapter.toCanonical?.({ ...jsonDocument(value), mediaType }, context) as Envelope;
    const base = {
      for: { 'message id': '3f2b8c1e-5d4a-4e6f-9a7b-1c2d3e4f5a6b' },
      at: '2026-03-03T09:12:00Z',
    };

    it('fills what the agency lacks from constants and the context, and reads null as absent', () => {
      assert.deepStrictEqual(read({ ...base, meta: null }), {
        header: {
          messageId: context.newId(),
          type: 'receipt',
          createdAt: context.now().toISOString(),
          sender: JSON_REST_PARTICIPANT,
          recipient: '00015622',
          schemaVersion: '1.0',
        },
        body: {
          type: 'receipt',
          receipt: { messageRef: base.for['message id'], at: base.at, outcome: { kind: 'accepted' } },
        },
      });
    });

    it('names the agency member by JSON pointer when a value is of the wrong type or breaks the envelope rules', () => {
      assert.throws(() => read({ ...base, at: 20260303 }), { code: 'ADAPTER_INVALID_FIELD', field: '/at' });
      assert.throws(() => read({ ...base, at: '2026-03-03T09:12:00' }), {
        code: 'ADAPTER_INVALID_FIELD',
        field: '/at',
      });
      assert.throws(() => read({ ...base, for: { 'message id': 'not-a-uuid' } }), {
        code: 'ADAPTER_INVALID_FIELD',
        field: '/for/message id',
      });
      assert.throws(() => read({ ...base, meta: 'text' }), { code: 'ADAPTER_INVALID_FIELD', field: '/meta' });
      assert.throws(() => read({ ...base, at: '2026-03-03T09:12:00Z\u0000' }), {
        code: 'ADAPTER_INVALID_FIELD',
        field: '/at',
      });
      assert.throws(() => read({ at: base.at }), { code: 'ADAPTER_MISSING_FIELD', field: '/for/message id' });
    });

    it('accepts a UTF-8 BOM and charset=utf-8, and refuses another declared charset', () => {
      const bytes = Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(JSON.stringify(base))]);
      assert.equal(
        (adapter.toCanonical?.({ bytes, mediaType: 'application/json; charset=UTF-8' }, context) as Envelope)
          .body.type,
        'receipt',
      );
      assert.throws(() => read(base, 'application/json; charset=windows-1251'), {
        code: 'ADAPTER_BAD_ENCODING',
      });
    });

    it('refuses documents nested deeper than the limit, naming where', () => {
      const deep = '{"x":'.repeat(70) + '1' + '}'.repeat(70);
      assert.throws(
        () => read(deep),
        (error: VkhidError) => {
          assert.equal(error.code, 'ADAPTER_MALFORMED');
          assert.match(error.field ?? '', /^(\/x){64}$/);
          return true;
        },
      );
    });

    it('refuses a repeated member name in a nested object, also when escaped differently', () => {
      assert.throws(() => read('{"at": "2026-03-03T09:12:00Z", "for": [{"a": 1}, {"b": 2, "\\u0062": 3}]}'), {
        code: 'ADAPTER_MALFORMED',
        field: '/for/1/b',
      });
      // Equal names in different objects, and a quote escaped inside a string, are fine.
      assert.equal(read({ ...base, x: { at: 1 }, y: 'a\\"b' }).body.type, 'receipt');
    });
  });
});
