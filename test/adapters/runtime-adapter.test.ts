import assert from 'node:assert/strict';
import type { Adapter, AdapterModule } from '../../gateway/adapters/adapter.js';
import { AdapterRegistry } from '../../gateway/adapters/adapter-registry.js';
import type { Envelope } from '../../gateway/envelope/envelope-model.js';
import { VkhidError } from '../../gateway/errors/vkhid-error.js';
import { sampleEnvelope } from '../envelope/fixtures/sample-envelopes.js';
import { suiteContext } from './conformance/conformance-case.js';

/** A test format: the document's bytes are the JSON of a canonical model (what it does is set per test). */
function jsonModule(adapter: Adapter, overrides: Partial<AdapterModule['manifest']> = {}): AdapterModule {
  return {
    manifest: {
      name: 'test-json',
      version: '1.0.0',
      description: 'test format',
      reads: ['application/x-test'],
      writes: ['application/x-test'],
      directions: ['toCanonical', 'fromCanonical'],
      messageTypes: { toCanonical: ['appeal'], fromCanonical: ['appeal'] },
      maxInputBytes: 1000,
      ...overrides,
    },
    createAdapter: () => adapter,
  };
}

const appeal = sampleEnvelope('appeal');
const context = suiteContext(appeal.header.sender);
const doc = (text: string) => ({ bytes: Buffer.from(text), mediaType: 'application/x-test' });
const runtime = (module: AdapterModule) =>
  new AdapterRegistry().register(module).create(module.manifest.name);

async function refusal(action: () => Promise<unknown>): Promise<VkhidError> {
  try {
    await action();
  } catch (error) {
    assert.ok(error instanceof VkhidError, String(error));
    return error;
  }
  assert.fail('expected a refusal');
}

describe('RuntimeAdapter: the hub never trusts an adapter', () => {
  it('baseline: a valid canonical model from the adapter is built and passes the XSD', async () => {
    const result = await runtime(jsonModule({ toCanonical: () => appeal })).toCanonical(doc('{}'), context);
    assert.deepEqual(result.envelope, appeal);
    assert.match(result.xml, /^<\?xml/);
  });

  it('refuses canonical output that breaks the envelope XSD with ADAPTER_OUTPUT_INVALID', async () => {
    const forged: Envelope = { ...appeal, header: { ...appeal.header, sender: 'not-a-code' } };
    const error = await refusal(() =>
      runtime(jsonModule({ toCanonical: () => forged })).toCanonical(doc('{}'), context),
    );
    assert.equal(error.code, 'ADAPTER_OUTPUT_INVALID');
    assert.match(error.message, /ENVELOPE_SCHEMA_INVALID/);
  });

  it('refuses canonical output that breaks a model invariant (attachment hash) with ADAPTER_OUTPUT_INVALID', async () => {
    const base = sampleEnvelope('appeal');
    assert.equal(base.body.type, 'appeal');
    const attachment = base.body.appeal.attachments?.[0];
    assert.ok(attachment !== undefined);
    const forged: Envelope = {
      ...base,
      body: {
        type: 'appeal',
        appeal: { ...base.body.appeal, attachments: [{ ...attachment, sha256: '0'.repeat(64) }] },
      },
    };
    const error = await refusal(() =>
      runtime(jsonModule({ toCanonical: () => forged })).toCanonical(doc('{}'), context),
    );
    assert.equal(error.code, 'ADAPTER_OUTPUT_INVALID');
    assert.match(error.field ?? '', /sha256/);
  });

  it('refuses a message type the manifest does not declare', async () => {
    const status = sampleEnvelope('status');
    const error = await refusal(() =>
      runtime(jsonModule({ toCanonical: () => status })).toCanonical(doc('{}'), context),
    );
    assert.equal(error.code, 'ADAPTER_OUTPUT_INVALID');
  });

  it('refuses input over the cap without calling the adapter', async () => {
    let called = false;
    const module = jsonModule({
      toCanonical: () => {
        called = true;
        return appeal;
      },
    });
    const error = await refusal(() => runtime(module).toCanonical(doc('x'.repeat(1001)), context));
    assert.equal(error.code, 'ADAPTER_INPUT_TOO_LARGE');
    assert.equal(called, false);
    await runtime(jsonModule({ toCanonical: () => appeal })).toCanonical(doc('x'.repeat(1000)), context);
  });

  it('refuses a direction the adapter does not implement, and a media type it does not read', async () => {
    const module = jsonModule({ toCanonical: () => appeal }, { directions: ['toCanonical'] });
    assert.equal(
      (await refusal(() => runtime(module).fromCanonical(appeal, context))).code,
      'ADAPTER_UNSUPPORTED',
    );
    const typed = await refusal(() =>
      runtime(module).toCanonical({ bytes: Buffer.from('{}'), mediaType: 'text/plain' }, context),
    );
    assert.equal(typed.code, 'ADAPTER_UNSUPPORTED');
  });

  it('reports an adapter crash as ADAPTER_FAILED without its message', async () => {
    const module = jsonModule({
      toCanonical: () => {
        throw new TypeError('secret internals of the citizen Петренко');
      },
    });
    const error = await refusal(() => runtime(module).toCanonical(doc('{}'), context));
    assert.equal(error.code, 'ADAPTER_FAILED');
    assert.ok(!error.message.includes('Петренко'));
  });

  it('abandons a conversion that outlives the deadline with ADAPTER_TIMEOUT', async () => {
    const module = jsonModule(
      { toCanonical: () => new Promise<Envelope>((resolve) => setTimeout(() => resolve(appeal), 500)) },
      { deadlineMs: 20 },
    );
    assert.equal(
      (await refusal(() => runtime(module).toCanonical(doc('{}'), context))).code,
      'ADAPTER_TIMEOUT',
    );
  });

  it('refuses native output that is empty or of an undeclared media type', async () => {
    const empty = jsonModule({
      fromCanonical: () => ({ bytes: new Uint8Array(0), mediaType: 'application/x-test' }),
    });
    assert.equal(
      (await refusal(() => runtime(empty).fromCanonical(appeal, context))).code,
      'ADAPTER_OUTPUT_INVALID',
    );
    const typed = jsonModule({ fromCanonical: () => ({ bytes: Buffer.from('{}'), mediaType: 'text/html' }) });
    assert.equal(
      (await refusal(() => runtime(typed).fromCanonical(appeal, context))).code,
      'ADAPTER_OUTPUT_INVALID',
    );
  });
});

describe('AdapterRegistry', () => {
  const module = jsonModule({ toCanonical: () => appeal });

  it('refuses a second adapter with the same name', () => {
    const registry = new AdapterRegistry().register(module);
    assert.throws(
      () => registry.register(jsonModule({}, { reads: ['application/x-other'] })),
      (error: unknown) => error instanceof VkhidError && error.code === 'ADAPTER_REGISTRATION',
    );
  });

  it('refuses a second adapter reading a taken media type', () => {
    const registry = new AdapterRegistry().register(module);
    assert.throws(
      () => registry.register(jsonModule({}, { name: 'other' })),
      (error: unknown) =>
        error instanceof VkhidError &&
        error.code === 'ADAPTER_REGISTRATION' &&
        /already read/.test(error.message),
    );
    assert.equal(registry.readerOf('application/x-test; charset=utf-8'), 'test-json');
  });

  it('refuses registration once sealed', () => {
    const registry = new AdapterRegistry().seal();
    assert.throws(
      () => registry.register(module),
      (error: unknown) => error instanceof VkhidError && error.code === 'ADAPTER_REGISTRATION',
    );
  });

  it('refuses invalid manifests', () => {
    for (const bad of [
      { name: 'Bad Name' },
      { version: 'one' },
      { directions: [] },
      { reads: ['not a media type'] },
      { messageTypes: { toCanonical: [], fromCanonical: ['appeal' as const] } },
      { maxInputBytes: 0 },
    ]) {
      assert.throws(
        () => new AdapterRegistry().register(jsonModule({}, bad)),
        (error: unknown) => error instanceof VkhidError && error.code === 'ADAPTER_REGISTRATION',
        JSON.stringify(bad),
      );
    }
  });

  it('answers an unknown adapter with ADAPTER_UNKNOWN and caches instances per settings', () => {
    const registry = new AdapterRegistry().register(module);
    assert.throws(
      () => registry.create('nope'),
      (error: unknown) => error instanceof VkhidError && error.code === 'ADAPTER_UNKNOWN',
    );
    assert.equal(registry.create('test-json', { a: 1, b: 2 }), registry.create('test-json', { b: 2, a: 1 }));
    assert.notEqual(registry.create('test-json', { a: 1 }), registry.create('test-json', { a: 2 }));
  });
});
