import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadHubConfig } from '../../gateway/config/hub-config.js';
import { VkhidError } from '../../gateway/errors/vkhid-error.js';

describe('hub configuration', () => {
  const directory = mkdtempSync(join(tmpdir(), 'vkhid-config-'));
  after(() => rmSync(directory, { recursive: true, force: true }));

  const withExtra = (extra: unknown): ReturnType<typeof loadHubConfig> => {
    const path = join(directory, `extra-${Math.random().toString(36).slice(2)}.json`);
    writeFileSync(path, JSON.stringify(extra));
    return loadHubConfig({ dataDir: directory }, { VKHID_CONFIG: path });
  };

  it('has usable defaults: delivery, retry (72 h), file drop, ECDSA hub keys', () => {
    const config = loadHubConfig({ dataDir: directory }, {});
    assert.equal(config.retry.maxAgeHours, 72);
    assert.equal(config.pki.hubKeyType, 'ec');
    assert.ok(config.delivery.leaseMs > config.delivery.timeoutMs);
    assert.equal(config.fileDrop.pollMs, 5000);
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
  ] as const) {
    it(`refuses ${why} with CONFIG_INVALID naming the setting`, () => {
      assert.throws(
        () => withExtra(extra),
        (error: unknown) =>
          error instanceof VkhidError && error.code === 'CONFIG_INVALID' && error.field === field,
      );
    });
  }
});
