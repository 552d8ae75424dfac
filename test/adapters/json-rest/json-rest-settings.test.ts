import assert from 'node:assert/strict';
import { VkhidError } from '../../../gateway/errors/vkhid-error.js';
import { JsonRestAdapter, jsonRestAdapter } from '../../../adapters/json-rest/json-rest-adapter.js';
import { exampleSettings } from './json-rest-case.js';

/** createAdapter checks a participant's settings once, and names the setting at fault. */
describe('json-rest settings', () => {
  const receipt = {
    directions: ['toCanonical', 'fromCanonical'],
    fields: {
      'body.receipt.messageRef': 'ref',
      'body.receipt.at': 'at',
      'body.receipt.outcome.kind': { path: 'state', values: { accepted: 'OK', refused: 'NO' } },
      'body.receipt.outcome.reason': 'why',
    },
  };
  const settings = (messages: Record<string, unknown>, inputSchema: unknown = { type: 'object' }) => ({
    inputSchema,
    messages,
  });

  function refusedAt(value: Record<string, unknown>, field: string | RegExp, why?: RegExp): void {
    assert.throws(
      () => jsonRestAdapter.createAdapter(value),
      (error: unknown) => {
        assert.ok(error instanceof VkhidError, String(error));
        assert.equal(error.code, 'ADAPTER_SETTINGS_INVALID', error.message);
        if (typeof field === 'string') assert.equal(error.field, field, error.message);
        else assert.match(error.field ?? '', field, error.message);
        if (why !== undefined) assert.match(error.message, why);
        return true;
      },
    );
  }

  it('accepts the example settings and a minimal mapping', () => {
    assert.ok(jsonRestAdapter.createAdapter(exampleSettings) instanceof JsonRestAdapter);
    assert.ok(jsonRestAdapter.createAdapter(settings({ receipt })) instanceof JsonRestAdapter);
  });

  it('refuses settings that are not an object, unknown settings and a missing schema', () => {
    refusedAt({ ...settings({ receipt }), extra: 1 }, 'adapterSettings.extra');
    refusedAt({ messages: { receipt } }, 'adapterSettings.inputSchema');
    refusedAt(settings({}), 'adapterSettings.messages', /maps no message type/);
    refusedAt(settings({ memo: receipt }), 'adapterSettings.messages.memo');
    refusedAt({ ...settings({ receipt }), system: '' }, 'adapterSettings.system');
  });

  it('refuses an input schema ajv cannot compile, of an unknown dialect, or with a typo', () => {
    refusedAt(settings({ receipt }, { type: 'objekt' }), 'adapterSettings.inputSchema');
    refusedAt(
      settings({ receipt }, { type: 'object', requird: ['a'] }),
      'adapterSettings.inputSchema',
      /requird/,
    );
    refusedAt(
      settings({ receipt }, { type: 'object', properties: { a: { format: 'hostname' } } }),
      'adapterSettings.inputSchema',
    );
    refusedAt(
      settings({ receipt }, { $schema: 'http://json-schema.org/draft-04/schema#' }),
      'adapterSettings.inputSchema.$schema',
    );
    refusedAt(settings({ receipt }, { $schema: 'toString' }), 'adapterSettings.inputSchema.$schema');
    refusedAt(
      settings({ receipt }, { $ref: 'https://example.com/remote.json' }),
      'adapterSettings.inputSchema',
    );
    refusedAt(settings({ receipt }, []), 'adapterSettings.inputSchema');
  });

  it('refuses mappings to unknown canonical paths, and bad agency paths', () => {
    const fields = (extra: Record<string, unknown>) =>
      settings({ receipt: { ...receipt, fields: { ...receipt.fields, ...extra } } });
    refusedAt(
      fields({ 'body.receipt.colour': 'c' }),
      'adapterSettings.messages.receipt.fields[body.receipt.colour]',
    );
    refusedAt(fields({ 'body.appeal.subject': 's' }), /fields\[body\.appeal\.subject\]$/);
    refusedAt(fields({ 'header.type': 't' }), /fields\[header\.type\]$/);
    refusedAt(fields({ 'header.tracking': '' }), /fields\[header\.tracking\]$/);
    refusedAt(fields({ 'header.tracking': 'a..b' }), /fields\[header\.tracking\]$/);
    refusedAt(fields({ 'header.tracking': '/a/~2' }), /fields\[header\.tracking\]$/);
    refusedAt(fields({ 'header.tracking': '__proto__.x' }), /fields\[header\.tracking\]$/);
    refusedAt(fields({ 'header.tracking': { path: 'n', colour: 1 } }), /fields\[header\.tracking\]\.colour$/);
  });

  it('refuses two fields at one agency path, or one inside the other', () => {
    refusedAt(
      settings({ receipt: { ...receipt, fields: { ...receipt.fields, 'header.tracking': 'ref' } } }),
      /fields$/,
      /\/ref/,
    );
    refusedAt(
      settings({ receipt: { ...receipt, fields: { ...receipt.fields, 'header.tracking': 'at.n' } } }),
      /fields$/,
    );
  });

  it('refuses values maps that are ambiguous, invalid, or on lists', () => {
    const kind = (rule: unknown) =>
      settings({ receipt: { ...receipt, fields: { ...receipt.fields, 'body.receipt.outcome.kind': rule } } });
    refusedAt(
      kind({ path: 'state', values: { accepted: 'OK', refused: ['NO', 'OK'] } }),
      /values\.refused$/,
      /ambiguous/,
    );
    refusedAt(kind({ path: 'state', values: { approved: 'OK' } }), /values\.approved$/);
    refusedAt(kind({ path: 'state', values: { accepted: { x: 1 } } }), /values\.accepted$/);
    refusedAt(kind({ path: 'state', values: {} }), /values$/);
    refusedAt(kind({ path: 'state', values: { accepted: 'OK' }, default: 'refused' }), /default$/);
    refusedAt(
      settings({
        appeal: {
          directions: ['fromCanonical'],
          fields: { 'body.appeal.applicant.contacts.phones': { path: 'p', values: { a: 'b' } } },
        },
      }),
      /values$/,
    );
  });

  it('refuses constants that are invalid or also mapped', () => {
    refusedAt(
      settings({ receipt: { ...receipt, constants: { 'header.recipient': '123' } } }),
      /constants\[header\.recipient\]$/,
    );
    refusedAt(
      settings({ receipt: { ...receipt, constants: { 'body.receipt.at': '2026-03-03T09:12:00Z' } } }),
      /constants\[body\.receipt\.at\]$/,
    );
  });

  it('refuses a mapping read from the agency that leaves a required field without a source', () => {
    const withoutReason: Record<string, unknown> = { ...receipt.fields };
    delete withoutReason['body.receipt.outcome.reason'];
    refusedAt(
      settings({ receipt: { ...receipt, fields: withoutReason } }),
      /receipt\.fields$/,
      /outcome\.reason.*refused/,
    );
    // Only written to the agency: nothing is required.
    assert.ok(
      jsonRestAdapter.createAdapter(
        settings({ receipt: { ...receipt, directions: ['fromCanonical'], fields: withoutReason } }),
      ),
    );
    // An outcome the selector cannot produce needs none of its fields.
    assert.ok(
      jsonRestAdapter.createAdapter(
        settings({
          receipt: {
            ...receipt,
            fields: {
              ...withoutReason,
              'body.receipt.outcome.kind': { path: 'state', values: { accepted: 'OK' } },
            },
          },
        }),
      ),
    );
    refusedAt(
      settings({
        answer: {
          directions: ['toCanonical'],
          fields: {
            'body.answer.answeredAt': 'at',
            'body.answer.result': 'result',
            'body.answer.signatory': 'by',
            'body.answer.text': 'text',
            'body.answer.registration.number': 'number',
          },
        },
      }),
      /answer\.fields$/,
      /registration\.date/,
    );
  });

  it('refuses several message types read from the agency that a document could not be told apart by', () => {
    const status = {
      directions: ['toCanonical'],
      fields: {
        'body.status.at': 'at',
        'body.status.outcome.kind': { path: 'state', values: { answered: 'OK' } },
      },
    };
    // The outcome selectors share the path and the value OK.
    refusedAt(settings({ receipt, status }), /messages\.status\.match$/);
    assert.ok(
      jsonRestAdapter.createAdapter(
        settings({
          receipt,
          status: {
            ...status,
            fields: {
              ...status.fields,
              'body.status.outcome.kind': { path: 'state', values: { answered: 'DONE' } },
            },
          },
        }),
      ),
    );
    const error = {
      directions: ['toCanonical'],
      fields: { 'body.error.messageRef': 'ref', 'body.error.code': 'c', 'body.error.description': 'd' },
    };
    refusedAt(settings({ receipt, error }), /messages\.error\.match$/);
    refusedAt(
      settings({
        receipt: { ...receipt, match: { kind: 'r' } },
        error: { ...error, match: { kind: ['e', 'r'] } },
      }),
      /messages\.error\.match$/,
    );
    assert.ok(
      jsonRestAdapter.createAdapter(
        settings({
          receipt: { ...receipt, match: { kind: 'r' } },
          error: { ...error, match: { kind: 'e' } },
        }),
      ),
    );
  });

  it('refuses a match with several values that the hub would have to write', () => {
    refusedAt(settings({ receipt: { ...receipt, match: { kind: ['r', 'receipt'] } } }), /match\.\/kind$/);
    refusedAt(settings({ receipt: { ...receipt, directions: ['sideways'] } }), /directions$/);
  });
});
