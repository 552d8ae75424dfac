import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { errorCatalogue, isErrorCode, type ErrorCode } from '../../gateway/errors/error-catalogue.js';
import { VkhidError } from '../../gateway/errors/vkhid-error.js';
import { packageRoot } from '../../gateway/package-paths.js';

/** Rows of docs/errors.md: "| `CODE` | 400 | meaning |". */
function documentedCodes(): Map<string, number> {
  const markdown = readFileSync(join(packageRoot, 'docs', 'errors.md'), 'utf8');
  const rows = new Map<string, number>();
  for (const match of markdown.matchAll(/^\|\s*`([A-Z0-9_]+)`\s*\|\s*(\d{3})\s*\|/gm)) {
    assert.ok(!rows.has(match[1]!), `${match[1]} is documented twice`);
    rows.set(match[1]!, Number(match[2]));
  }
  return rows;
}

describe('the error catalogue', () => {
  it('documents every code in docs/errors.md with its HTTP status', () => {
    const documented = documentedCodes();
    for (const [code, spec] of Object.entries(errorCatalogue)) {
      assert.ok(documented.has(code), `${code} is missing from docs/errors.md`);
      assert.equal(
        documented.get(code),
        spec.status,
        `${code}: the documented status differs from the catalogue`,
      );
    }
  });

  it('documents no code the catalogue does not have', () => {
    for (const code of documentedCodes().keys())
      assert.ok(isErrorCode(code), `docs/errors.md names unknown code ${code}`);
  });

  it('uses only 4xx and 5xx statuses and upper-case codes', () => {
    for (const [code, spec] of Object.entries(errorCatalogue)) {
      assert.match(code, /^[A-Z][A-Z0-9_]+$/);
      assert.ok(spec.status >= 400 && spec.status < 600, `${code} has status ${spec.status}`);
    }
  });

  it('fills message placeholders in order and keeps code, status, field and cause', () => {
    const cause = new Error('root cause');
    const error = new VkhidError('INTAKE_TOO_LARGE', { args: [30, 20], field: 'body', cause });
    assert.equal(error.message, 'The document is 30 bytes; the limit is 20 bytes');
    assert.equal(error.code, 'INTAKE_TOO_LARGE');
    assert.equal(error.status, 413);
    assert.equal(error.field, 'body');
    assert.equal(error.cause, cause);
    assert.ok(error instanceof Error);
  });

  it('renders RFC 9457 problem details', () => {
    const problem = new VkhidError('SIGNATURE_MISSING').toProblem('/v1/messages');
    assert.deepEqual(problem, {
      type: 'urn:vkhid:error:SIGNATURE_MISSING',
      title: 'SIGNATURE_MISSING',
      status: 401,
      code: 'SIGNATURE_MISSING',
      detail: 'The envelope is not signed',
      instance: '/v1/messages',
    });
  });

  it('turns unknown errors into INTERNAL without leaking their message', () => {
    const wrapped = VkhidError.from(new TypeError('secret internals'));
    assert.equal(wrapped.code, 'INTERNAL' satisfies ErrorCode);
    assert.ok(!wrapped.message.includes('secret'));
    const coded = new VkhidError('CLI_USAGE', { args: ['x'] });
    assert.equal(VkhidError.from(coded), coded);
  });
});
