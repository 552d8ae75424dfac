import assert from 'node:assert/strict';
import { VkhidError } from '../../gateway/errors/vkhid-error.js';
import { Migrator, type Migration } from '../../gateway/store/migrator.js';

const create = (table: string): string => `CREATE TABLE ${table} (id TEXT PRIMARY KEY)`;

function refusal(migrations: unknown): string {
  try {
    new Migrator(migrations as readonly Migration[]);
  } catch (error) {
    assert.ok(error instanceof VkhidError);
    assert.equal(error.code, 'INTERNAL');
    assert.ok(error.cause instanceof Error);
    return error.cause.message;
  }
  assert.fail('the migration list was accepted');
}

describe('Migrator: the migration list', () => {
  it('accepts versions 1..n and knows the latest', () => {
    assert.equal(new Migrator([]).latestVersion, 0);
    const migrations: Migration[] = [
      { version: 1, name: 'one', statements: [create('one')] },
      { version: 2, name: 'two', statements: { sqlite: [create('two')], postgres: [create('two')] } },
    ];
    assert.equal(new Migrator(migrations).latestVersion, 2);
  });

  it('refuses versions that do not run 1, 2, 3, ... in order', () => {
    const at = (version: number, name = `v${version}`): Migration => ({
      version,
      name,
      statements: [create(name)],
    });
    assert.match(refusal([at(2)]), /found 2 where 1 belongs/);
    assert.match(refusal([at(1), at(3)]), /found 3 where 2 belongs/);
    assert.match(refusal([at(1), at(1, 'again')]), /found 1 where 2 belongs/);
    assert.match(refusal([at(2), at(1)]), /found 2 where 1 belongs/);
    assert.match(refusal([at(0)]), /found 0 where 1 belongs/);
    assert.match(refusal([at(1.5)]), /found 1.5 where 1 belongs/);
    assert.match(refusal([{ ...at(1), version: '1' }]), /found 1 where 1 belongs/);
  });

  it('refuses a migration without a name or without statements', () => {
    assert.match(refusal([{ version: 1, name: ' ', statements: [create('a')] }]), /has no name/);
    assert.match(refusal([{ version: 1, name: 'a', statements: [] }]), /non-empty list/);
    assert.match(refusal([{ version: 1, name: 'a', statements: {} }]), /has no statements/);
    assert.match(refusal([{ version: 1, name: 'a', statements: { sqlite: [] } }]), /non-empty list/);
    assert.match(
      refusal([{ version: 1, name: 'a', statements: [create('a'), '  '] }]),
      /non-empty SQL strings/,
    );
    assert.match(
      refusal([{ version: 1, name: 'a', statements: 'CREATE TABLE a (id TEXT)' }]),
      /has no statements/,
    );
    assert.match(refusal([null]), /is not an object/);
    assert.match(refusal('not a list'), /not an array/);
  });
});
