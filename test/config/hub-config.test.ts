import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadHubConfig } from '../../gateway/config/hub-config.js';
import { VkhidError } from '../../gateway/errors/vkhid-error.js';

describe('hub configuration', () => {
  const directory = mkdtempSync(join(tmpdir(), 'vkhid-config-'));
  after(() => rmSync(directory, { recursive: true, force: true }));

  const withExtra = (extra: unknown, env: NodeJS.ProcessEnv = {}): ReturnType<typeof loadHubConfig> => {
    const path = join(directory, `extra-${Math.random().toString(36).slice(2)}.json`);
    writeFileSync(path, JSON.stringify(extra));
    return loadHubConfig({ dataDir: directory }, { ...env, VKHID_CONFIG: path });
  };

  const isConfigInvalid =
    (field: string) =>
    (error: unknown): boolean =>
      error instanceof VkhidError && error.code === 'CONFIG_INVALID' && error.field === field;

  it('has usable defaults: delivery, retry (72 h), file drop, ECDSA hub keys', () => {
    const config = loadHubConfig({ dataDir: directory }, {});
    assert.equal(config.retry.maxAgeHours, 72);
    assert.equal(config.pki.hubKeyType, 'ec');
    assert.ok(config.delivery.leaseMs > config.delivery.timeoutMs);
    assert.equal(config.fileDrop.pollMs, 5000);
  });

  it('has the deadline watch of before: hourly at minute 15, no webhook, 10 s timeout, due soon within 72 h', () => {
    assert.deepEqual(loadHubConfig({ dataDir: directory }, {}).deadlines, {
      watchCron: '15 * * * *',
      webhookUrl: null,
      webhookTimeoutMs: 10_000,
      dueSoon: { hours: 72 },
    });
  });

  it('replaces the due-soon window whole: hours in the defaults and working days in a file do not mix', () => {
    const config = withExtra({ deadlines: { dueSoon: { workingDays: 3 }, webhookTimeoutMs: 2500 } });
    assert.deepEqual(config.deadlines.dueSoon, { workingDays: 3 });
    assert.equal(config.deadlines.webhookTimeoutMs, 2500);
    assert.equal(config.deadlines.watchCron, '15 * * * *', 'the rest of the section still merges key by key');
  });

  it('takes the webhook from VKHID_DEADLINE_WEBHOOK_URL over the files, and none when it is empty', () => {
    const inFile = { deadlines: { webhookUrl: 'https://alerts.example.gov.ua/hook' } };
    assert.equal(withExtra(inFile).deadlines.webhookUrl, 'https://alerts.example.gov.ua/hook');
    const fromEnv = 'http://127.0.0.1:9000/alerts?token=s3cret';
    assert.equal(
      loadHubConfig({ dataDir: directory }, { VKHID_DEADLINE_WEBHOOK_URL: fromEnv }).deadlines.webhookUrl,
      fromEnv,
    );
    assert.equal(withExtra(inFile, { VKHID_DEADLINE_WEBHOOK_URL: fromEnv }).deadlines.webhookUrl, fromEnv);
    assert.equal(withExtra(inFile, { VKHID_DEADLINE_WEBHOOK_URL: '' }).deadlines.webhookUrl, null);
  });

  it('refuses a webhook in VKHID_DEADLINE_WEBHOOK_URL that is not http(s), without repeating the URL', () => {
    const url = 'ftp://alerts.example.gov.ua/hook?token=s3cret';
    assert.throws(
      () => loadHubConfig({ dataDir: directory }, { VKHID_DEADLINE_WEBHOOK_URL: url }),
      (error: unknown) =>
        isConfigInvalid('deadlines.webhookUrl')(error) && !(error as Error).message.includes('s3cret'),
    );
  });

  it('merges the file named by VKHID_CONFIG over the defaults, key by key', () => {
    const config = withExtra({ delivery: { pollMs: 20 }, retry: { baseDelayMs: 50 } });
    assert.equal(config.delivery.pollMs, 20);
    assert.equal(config.delivery.batch, loadHubConfig({ dataDir: directory }, {}).delivery.batch);
    assert.equal(config.retry.baseDelayMs, 50);
  });

  for (const [why, extra, field] of [
    [
      'a lease not longer than the HTTP timeout',
      { delivery: { leaseMs: 1000, timeoutMs: 1000 } },
      'delivery.leaseMs',
    ],
    ['a jitter of 1 or more', { retry: { jitter: 1 } }, 'retry.jitter'],
    ['a batch that is not a whole number', { delivery: { batch: 1.5 } }, 'delivery.batch'],
    ['a maximum age of 0', { retry: { maxAgeHours: 0 } }, 'retry.maxAgeHours'],
    ['a text where a number belongs', { fileDrop: { pollMs: 'often' } }, 'fileDrop.pollMs'],
    ['an unknown hub key type', { pki: { hubKeyType: 'dsa' } }, 'pki.hubKeyType'],
    [
      'a watch schedule that is not a cron expression',
      { deadlines: { watchCron: 'hourly' } },
      'deadlines.watchCron',
    ],
    ['a watch schedule that is not a text', { deadlines: { watchCron: 15 } }, 'deadlines.watchCron'],
    ['a webhook that is not a URL', { deadlines: { webhookUrl: 'alerts.example' } }, 'deadlines.webhookUrl'],
    [
      'a webhook on another scheme',
      { deadlines: { webhookUrl: 'file:///tmp/alerts' } },
      'deadlines.webhookUrl',
    ],
    ['a webhook that is not a text', { deadlines: { webhookUrl: 8080 } }, 'deadlines.webhookUrl'],
    ['a webhook timeout of 0', { deadlines: { webhookTimeoutMs: 0 } }, 'deadlines.webhookTimeoutMs'],
    ['a due-soon window of 0 hours', { deadlines: { dueSoon: { hours: 0 } } }, 'deadlines.dueSoon.hours'],
    [
      'a due-soon window of part of a working day',
      { deadlines: { dueSoon: { workingDays: 1.5 } } },
      'deadlines.dueSoon.workingDays',
    ],
    [
      'a due-soon window in both hours and working days',
      { deadlines: { dueSoon: { hours: 24, workingDays: 1 } } },
      'deadlines.dueSoon',
    ],
    ['a due-soon window in weeks', { deadlines: { dueSoon: { weeks: 1 } } }, 'deadlines.dueSoon'],
    ['a due-soon window that is a number', { deadlines: { dueSoon: 72 } }, 'deadlines.dueSoon'],
  ] as const) {
    it(`refuses ${why} with CONFIG_INVALID naming the setting`, () => {
      assert.throws(() => withExtra(extra), isConfigInvalid(field));
    });
  }

  describe('store', () => {
    const secretUrl = 'postgres://vkhid:s3cret-password@db.example.gov.ua:5432/vkhid';

    it('keeps its data in SQLite in the data directory by default', () => {
      assert.deepEqual(loadHubConfig({ dataDir: directory }, {}).store, { url: null });
    });

    it('takes a PostgreSQL URL from a file, and VKHID_STORE_URL over the files (empty: SQLite)', () => {
      const inFile = { store: { url: 'postgresql://localhost/vkhid' } };
      assert.equal(withExtra(inFile).store.url, 'postgresql://localhost/vkhid');
      assert.equal(
        loadHubConfig({ dataDir: directory }, { VKHID_STORE_URL: secretUrl }).store.url,
        secretUrl,
      );
      assert.equal(withExtra(inFile, { VKHID_STORE_URL: secretUrl }).store.url, secretUrl);
      assert.equal(withExtra(inFile, { VKHID_STORE_URL: '' }).store.url, null);
    });

    for (const [why, url] of [
      ['a MySQL URL', 'mysql://vkhid:s3cret-password@db.example.gov.ua/vkhid'],
      ['a file path', '/var/lib/vkhid/s3cret-password.sqlite'],
      ['a URL that does not parse', 'postgres://vkhid:s3cret-password@[broken/vkhid'],
    ] as const) {
      it(`refuses ${why} as store.url with CONFIG_INVALID, without repeating the URL`, () => {
        const refused = (error: unknown): boolean =>
          isConfigInvalid('store.url')(error) && !(error as Error).message.includes('s3cret');
        assert.throws(() => loadHubConfig({ dataDir: directory }, { VKHID_STORE_URL: url }), refused);
        assert.throws(() => withExtra({ store: { url } }), refused);
      });
    }

    it('refuses a store.url that is not a text', () => {
      assert.throws(() => withExtra({ store: { url: 5432 } }), isConfigInvalid('store.url'));
    });
  });
});
