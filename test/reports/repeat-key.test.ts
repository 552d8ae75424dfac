/**
 * The repeat-appeal key: one key per applicant, category and subject however they were typed, another for any
 * other person, subject or hub secret.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { hubMigrations } from '../../gateway/hub/hub-context.js';
import { SqliteDialect } from '../../gateway/store/sqlite-dialect.js';
import { Store } from '../../gateway/store/store.js';
import type { Appeal } from '../../gateway/envelope/envelope-model.js';
import { normaliseForRepeatKey, repeatKeyOf } from '../../gateway/reports/repeat-key.js';
import { sampleEnvelope } from '../envelope/fixtures/sample-envelopes.js';

const SECRET = Buffer.from('0123456789abcdef0123456789abcdef');

function appeal(fullName: string, subject: string, category = 'roads.repair'): Appeal {
  const base = sampleEnvelope('appeal').body.appeal;
  return { ...base, category, subject, applicant: { ...base.applicant, fullName } };
}

describe('repeatKeyOf', () => {
  const reference = repeatKeyOf(SECRET, appeal("Мар'яна Коваленко", 'Ремонт дороги на вул. Київській'));

  it('is 64 hex digits of HMAC-SHA256', () => {
    assert.match(reference, /^[0-9a-f]{64}$/);
  });

  it('is the same whatever the spacing, case, apostrophe or Unicode composition', () => {
    for (const [name, subject] of [
      ['  мар’яна   КОВАЛЕНКО ', 'ремонт дороги на вул.  київській'],
      ['Марʼяна Коваленко', 'Ремонт дороги\nна вул. Київській'],
      ['Мар`яна\tКоваленко', 'РЕМОНТ ДОРОГИ НА ВУЛ. КИЇВСЬКІЙ'],
      // "ї" and "й" decomposed (і + U+0308, и + U+0306), as some keyboards and PDFs produce them.
      ["Мар'яна Коваленко", 'Ремонт дороги на вул. Київській'.normalize('NFD')],
    ]) {
      assert.equal(repeatKeyOf(SECRET, appeal(name!, subject!)), reference, `${name} / ${subject}`);
    }
  });

  it('differs for another person, subject, category or secret', () => {
    assert.notEqual(
      repeatKeyOf(SECRET, appeal('Марина Коваленко', 'Ремонт дороги на вул. Київській')),
      reference,
    );
    assert.notEqual(
      repeatKeyOf(SECRET, appeal("Мар'яна Коваленко", 'Ремонт тротуару на вул. Київській')),
      reference,
    );
    assert.notEqual(
      repeatKeyOf(SECRET, appeal("Мар'яна Коваленко", 'Ремонт дороги на вул. Київській', 'roads.lighting')),
      reference,
    );
    const otherSecret = Buffer.from('fedcba9876543210fedcba9876543210');
    assert.notEqual(
      repeatKeyOf(otherSecret, appeal("Мар'яна Коваленко", 'Ремонт дороги на вул. Київській')),
      reference,
    );
  });

  it('cannot be confused by moving text between name and subject', () => {
    // The fields are joined by a line break, which normalisation removes from inside each field.
    assert.notEqual(
      repeatKeyOf(SECRET, appeal('Коваленко', 'Марія ремонт')),
      repeatKeyOf(SECRET, appeal('Коваленко Марія', 'ремонт')),
    );
  });

  it('refuses an empty secret', () => {
    assert.throws(() => repeatKeyOf(new Uint8Array(0), appeal('А', 'Б')), RangeError);
  });

  it('normalises to a single line without outer spaces, and is idempotent', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary-ascii' }), fc.string(), (a, b) => {
        const text = `${a}${b}`;
        const once = normaliseForRepeatKey(text);
        assert.equal(normaliseForRepeatKey(once), once);
        assert.doesNotMatch(once, /\n|^\s|\s$|\s{2}/);
      }),
    );
  });
});

describe('the repeat_key column (tracking migration 7)', () => {
  it('is added, empty and indexed, to a database holding appeals from before it', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'vkhid-repeat-key-'));
    try {
      const dialect = (): SqliteDialect => new SqliteDialect({ dataDirectory: dir });
      const before = hubMigrations.filter((migration) => migration.version < 7);
      const old = await Store.open(dialect(), { migrations: before });
      await old.transaction((tx) =>
        tx.execute(
          `INSERT INTO appeals (tracking, state, contact_center, holder, kind, channel, category, lifecycle,
             deadlines, answer_by, registered_at, updated_at)
           VALUES ('OLD-1', 'routed', '00015622', '00022527', 'citizen-appeal', 'hotline', 'roads', '{}', '{}',
             '2026-04-02T00:00:00+03:00', '2026-03-02T09:00:00+02:00', '2026-03-02T10:00:00+02:00')`,
        ),
      );
      await old.close();
      const store = await Store.open(dialect(), { migrations: hubMigrations });
      try {
        const rows = await store.read((db) => db.query('SELECT tracking, repeat_key FROM appeals'));
        assert.deepEqual(rows, [{ tracking: 'OLD-1', repeat_key: null }]);
        const indexes = await store.read((db) =>
          db.query("SELECT name FROM sqlite_master WHERE type = 'index' AND name = 'appeals_by_repeat_key'"),
        );
        assert.equal(indexes.length, 1);
      } finally {
        await store.close();
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
