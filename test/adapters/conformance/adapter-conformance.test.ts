import assert from 'node:assert/strict';
import fc from 'fast-check';
import { AdapterRegistry } from '../../../gateway/adapters/adapter-registry.js';
import type { RuntimeAdapter } from '../../../gateway/adapters/runtime-adapter.js';
import { VkhidError } from '../../../gateway/errors/vkhid-error.js';
import { suiteContext, type ConformanceCase } from './conformance-case.js';
import { conformanceCases } from './conformance-cases.js';

/**
 * The conformance suite every adapter must pass to join the hub (issue #5). It drives each adapter through the
 * hub's RuntimeAdapter, as the hub does, so what is checked is what runs: the manifest is accepted, every golden
 * document converts (to the expected model where one is given) and passes the envelope XSD, every bad document
 * is refused with its code and field, oversized and mistyped input is refused unread, random bytes never crash
 * it, and canonical → native → canonical keeps every field the format can carry (fast-check).
 */
async function refusalOf(action: () => Promise<unknown>): Promise<VkhidError> {
  try {
    await action();
  } catch (error) {
    assert.ok(error instanceof VkhidError, `expected a coded refusal, got ${String(error)}`);
    return error;
  }
  assert.fail('expected a refusal, the document was converted');
}

function runtimeOf(testCase: ConformanceCase): RuntimeAdapter {
  return new AdapterRegistry()
    .register(testCase.module)
    .seal()
    .create(testCase.module.manifest.name, testCase.settings);
}

for (const testCase of conformanceCases) {
  const { manifest } = testCase.module;
  describe(`adapter conformance: ${manifest.name}`, () => {
    const context = suiteContext(testCase.participantCode);

    it('has a manifest the registry accepts, and accepts its example settings', () => {
      const runtime = runtimeOf(testCase);
      assert.equal(runtime.name, manifest.name);
      for (const direction of manifest.directions) assert.ok(runtime.supports(direction), direction);
    });

    if (manifest.directions.includes('toCanonical')) {
      for (const golden of testCase.goldens) {
        it(`reads ${golden.name}`, async () => {
          const result = await runtimeOf(testCase).toCanonical(golden.document, context);
          if (golden.expected !== undefined) assert.deepStrictEqual(result.envelope, golden.expected);
        });
      }

      for (const refusal of testCase.refusals) {
        it(`refuses ${refusal.name} with ${refusal.code}`, async () => {
          const error = await refusalOf(() => runtimeOf(testCase).toCanonical(refusal.document, context));
          assert.equal(error.code, refusal.code, error.message);
          if (typeof refusal.field === 'string') assert.equal(error.field, refusal.field, error.message);
          if (refusal.field instanceof RegExp) assert.match(error.field ?? '', refusal.field, error.message);
        });
      }

      it('refuses a document over its size cap unread', async () => {
        const mediaType = manifest.reads[0] as string;
        const error = await refusalOf(() =>
          runtimeOf(testCase).toCanonical(
            { bytes: new Uint8Array(manifest.maxInputBytes + 1), mediaType },
            context,
          ),
        );
        assert.equal(error.code, 'ADAPTER_INPUT_TOO_LARGE');
      });

      it('refuses a media type it does not read', async () => {
        const golden = testCase.goldens[0];
        assert.ok(golden !== undefined, 'a case needs at least one golden document');
        const error = await refusalOf(() =>
          runtimeOf(testCase).toCanonical(
            { ...golden.document, mediaType: 'application/x-not-a-format' },
            context,
          ),
        );
        assert.equal(error.code, 'ADAPTER_UNSUPPORTED');
      });

      it('answers random bytes with a coded refusal, never a crash', async () => {
        const runtime = runtimeOf(testCase);
        const mediaType = manifest.reads[0] as string;
        await fc.assert(
          fc.asyncProperty(fc.uint8Array({ maxLength: 2048 }), async (bytes) => {
            try {
              await runtime.toCanonical({ bytes, mediaType }, context);
            } catch (error) {
              assert.ok(error instanceof VkhidError, String(error));
              assert.notEqual(error.code, 'ADAPTER_FAILED', error.message);
              assert.notEqual(error.code, 'INTERNAL', error.message);
            }
          }),
          { numRuns: 200 },
        );
      });
    }

    const { canonical, project } = testCase;
    if (canonical !== undefined && project !== undefined) {
      it('keeps every field the format carries through canonical → native → canonical', async () => {
        const runtime = runtimeOf(testCase);
        await fc.assert(
          fc.asyncProperty(canonical, async (envelope) => {
            const native = await runtime.fromCanonical(envelope, suiteContext(envelope.header.recipient));
            const back = await runtime.toCanonical(native, suiteContext(envelope.header.sender));
            assert.deepStrictEqual(back.envelope, project(envelope));
          }),
          { numRuns: 60 },
        );
      });
    }
  });
}
