import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import fc from 'fast-check';
import { format, resolveConfig } from 'prettier';
import { newAjv } from '../../../adapters/json-rest/input-schema.js';
import { jsonRestAdapter } from '../../../adapters/json-rest/json-rest-adapter.js';
import { openApiFor } from '../../../adapters/json-rest/json-rest-openapi.js';
import { suiteContext } from '../conformance/conformance-case.js';
import { exampleSettings, jsonRestCase } from './json-rest-case.js';

const EXAMPLE = fileURLToPath(new URL('../../../docs/openapi/json-rest-example.json', import.meta.url));

type Schemas = Record<string, Record<string, unknown>>;

describe('json-rest OpenAPI description', () => {
  const document = openApiFor(exampleSettings);
  const schemas = (document.components as { schemas: Schemas }).schemas;

  /**
   * docs/openapi/json-rest-example.json is generated from example-settings.json; this fails when it is stale.
   * Regenerate with `UPDATE_OPENAPI=1 npx mocha --no-config --import=tsx test/adapters/json-rest/json-rest-openapi.test.ts`.
   */
  it('docs/openapi/json-rest-example.json is what openApiFor(example-settings.json) gives', async () => {
    if (process.env.UPDATE_OPENAPI === '1') {
      const options = (await resolveConfig(EXAMPLE)) ?? {};
      writeFileSync(EXAMPLE, await format(JSON.stringify(document), { ...options, parser: 'json' }));
    }
    const committed = JSON.parse(readFileSync(EXAMPLE, 'utf8')) as unknown;
    assert.deepStrictEqual(committed, document, 'stale: regenerate with UPDATE_OPENAPI=1 (see this test)');
  });

  it('describes the POST the hub sends and the callbacks the agency posts back', () => {
    assert.equal(document.openapi, '3.1.0');
    const post = (document.paths as Record<string, { post: { requestBody: unknown } }>)['/']?.post;
    assert.ok(post !== undefined);
    assert.deepEqual(Object.keys(document.webhooks as object).sort(), [
      'answer',
      'appeal',
      'error',
      'receipt',
      'status',
    ]);
    assert.deepEqual(schemas.AgencyReceipt?.required, ['docType', 'status', 'messageId', 'at']);
    assert.deepEqual((schemas.AgencyReceipt?.properties as Schemas).status?.enum, [
      'ДОСТАВЛЕНО',
      'ПРИЙНЯТО',
      'ЗАРЕЄСТРОВАНО',
      'registered',
      'ВІДХИЛЕНО',
    ]);
    assert.equal(schemas.AgencyInput?.$id, 'urn:vkhid:json-rest:input-schema');
  });

  it('describes exactly what fromCanonical writes: every document validates against its schemas', async () => {
    const ajv = newAjv('2020-12');
    const hub = new Map(
      ['appeal', 'receipt', 'status', 'answer', 'error'].map((type) => {
        const name = type.charAt(0).toUpperCase() + type.slice(1);
        return [
          type,
          [ajv.compile(schemas[`Hub${name}`] ?? {}), ajv.compile(schemas[`Agency${name}`] ?? {})],
        ];
      }),
    );
    const adapter = jsonRestAdapter.createAdapter(exampleSettings);
    const { canonical } = jsonRestCase;
    assert.ok(canonical !== undefined);
    await fc.assert(
      fc.asyncProperty(canonical, async (envelope) => {
        const native = await adapter.fromCanonical?.(envelope, suiteContext(envelope.header.recipient));
        assert.ok(native !== undefined);
        const json = JSON.parse(Buffer.from(native.bytes).toString('utf8')) as unknown;
        for (const validate of hub.get(envelope.body.type) ?? []) {
          assert.ok(validate(json), JSON.stringify(validate.errors));
        }
      }),
      { numRuns: 100 },
    );
  });

  it('is refused for invalid settings as createAdapter refuses them', () => {
    assert.throws(() => openApiFor({ inputSchema: {}, messages: {} }), { code: 'ADAPTER_SETTINGS_INVALID' });
  });
});
