import assert from 'node:assert/strict';
import { numberPlaceholders, parameterMarkers, scanSql } from '../../gateway/store/scan-sql.js';

describe('scanSql', () => {
  it('finds the ? placeholders outside literals, quoted identifiers and comments', () => {
    const sql = `SELECT '?', "a?b", 'it''s ?' -- a ? here
      /* and ? here */ FROM t WHERE a = ? AND b = ?`;
    const { placeholders, statements, foreignParameter } = scanSql(sql);
    assert.deepEqual(
      placeholders.map((offset) => sql[offset]),
      ['?', '?'],
    );
    assert.equal(placeholders.length, 2);
    assert.equal(statements, 1);
    assert.equal(foreignParameter, undefined);
  });

  it('counts statements: a trailing ; or comment adds none, a second statement does', () => {
    assert.equal(scanSql('SELECT 1').statements, 1);
    assert.equal(scanSql('SELECT 1;  \n').statements, 1);
    assert.equal(scanSql('SELECT 1; -- done').statements, 1);
    assert.equal(scanSql("SELECT ';'").statements, 1);
    assert.equal(scanSql('SELECT 1; SELECT 2').statements, 2);
    assert.equal(scanSql('SELECT 1;; SELECT 2;').statements, 2);
    assert.equal(scanSql('').statements, 0);
    assert.equal(scanSql(' ; -- nothing').statements, 0);
  });

  it('keeps a SQLite trigger body, with its CASE ... END, one statement', () => {
    const trigger = `CREATE TEMP TRIGGER t BEFORE UPDATE ON log BEGIN
      SELECT CASE WHEN old.id = ? THEN RAISE(ABORT, 'no; never') END;
      DELETE FROM other;
    END;`;
    assert.equal(scanSql(trigger).statements, 1);
    assert.equal(scanSql(`${trigger} SELECT 1`).statements, 2);
    // BEGIN outside a trigger is a statement of its own.
    assert.equal(scanSql('BEGIN; SELECT 1; END').statements, 3);
  });

  it('skips PostgreSQL dollar-quoted bodies', () => {
    const sql = 'CREATE FUNCTION f() RETURNS int AS $body$ SELECT 1; SELECT ?; $body$ LANGUAGE sql';
    assert.deepEqual(scanSql(sql), { placeholders: [], statements: 1, foreignParameter: undefined });
    assert.equal(scanSql('SELECT $$a;?$$').placeholders.length, 0);
  });

  it('reports engine-specific parameter forms', () => {
    assert.equal(scanSql('SELECT ?1').foreignParameter, '?1');
    assert.equal(scanSql('SELECT $1, ?').foreignParameter, '$1');
    assert.equal(scanSql('SELECT * FROM t WHERE a = :name').foreignParameter, ':name');
    assert.equal(scanSql('SELECT * FROM t WHERE a = @name').foreignParameter, '@name');
    assert.equal(scanSql('SELECT * FROM t WHERE a = $name').foreignParameter, '$name');
    // Not parameters: a cast, a $ inside an identifier, and anything inside a literal.
    assert.equal(scanSql('SELECT a::int, a$b FROM t').foreignParameter, undefined);
    assert.equal(scanSql("SELECT ':name', '$1', '@x', '?1'").foreignParameter, undefined);
    assert.equal(scanSql("SELECT '12:30'").foreignParameter, undefined);
  });
});

describe('numberPlaceholders', () => {
  it('rewrites ? to $1..$n for PostgreSQL, leaving literals alone', () => {
    assert.equal(
      numberPlaceholders(
        "INSERT INTO t (a, b, c) VALUES (?, '?', ?) -- ?\n ON CONFLICT (a) DO UPDATE SET b = ?",
      ),
      "INSERT INTO t (a, b, c) VALUES ($1, '?', $2) -- ?\n ON CONFLICT (a) DO UPDATE SET b = $3",
    );
    assert.equal(numberPlaceholders('SELECT 1'), 'SELECT 1');
  });
});

describe('parameterMarkers', () => {
  it('writes one ? per parameter, comma-separated', () => {
    assert.equal(parameterMarkers(1), '?');
    assert.equal(parameterMarkers(3), '?, ?, ?');
  });

  it('refuses a count that would write an empty or broken list', () => {
    assert.throws(() => parameterMarkers(0), RangeError);
    assert.throws(() => parameterMarkers(1.5), RangeError);
  });
});
