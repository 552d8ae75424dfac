import assert from 'node:assert/strict';
import { X509Certificate } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { request } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { AdminUsers } from '../../gateway/admin/admin-users.js';
import { createLogger } from '../../gateway/observability/logger.js';
import { startHubServer, type RunningHub } from '../../gateway/server/hub-server.js';

const quiet = createLogger({ destination: new Writable({ write: (_c, _e, done) => done() }) });

interface Reply {
  status: number;
  type: string;
  body: Buffer;
}

function get(hub: RunningHub, path: string, headers: Record<string, string> = {}): Promise<Reply> {
  const ca = readFileSync(join(hub.hub.config.dataDir, 'pki', 'ca.pem'));
  return new Promise((resolve, reject) => {
    const req = request(`${hub.url}${path}`, { ca, headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () =>
        resolve({
          status: res.statusCode ?? 0,
          type: String(res.headers['content-type'] ?? ''),
          body: Buffer.concat(chunks),
        }),
      );
    });
    req.on('error', reject);
    req.end();
  });
}

describe('the hub server on the embedded default', function () {
  this.timeout(120_000);
  let dataDir: string;
  let running: RunningHub;

  before(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'vkhid-server-'));
    running = await startHubServer({ dataDir, port: 0, logger: quiet });
  });

  after(async () => {
    await running.stop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('creates the development CA and the hub certificates on first start, and serves HTTPS with them', async () => {
    const ca = new X509Certificate(readFileSync(join(dataDir, 'pki', 'ca.pem')));
    assert.ok(ca.ca);
    const reply = await get(running, '/healthz');
    assert.equal(reply.status, 200);
    assert.deepEqual(JSON.parse(reply.body.toString()), { status: 'ok' });
  });

  it('is ready when the store answers', async () => {
    const reply = await get(running, '/readyz');
    assert.equal(reply.status, 200);
  });

  it('publishes the CRL as DER signed by the hub CA', async () => {
    const reply = await get(running, '/pki/crl');
    assert.equal(reply.status, 200);
    assert.match(reply.type, /application\/pkix-crl/);
    assert.equal(reply.body[0], 0x30, 'a DER SEQUENCE');
  });

  it('answers an unknown route with problem+json ROUTE_NOT_FOUND', async () => {
    const reply = await get(running, '/nowhere');
    assert.equal(reply.status, 404);
    assert.match(reply.type, /application\/problem\+json/);
    assert.equal((JSON.parse(reply.body.toString()) as { code: string }).code, 'ROUTE_NOT_FOUND');
  });

  it('serves the admin API to a token holder and refuses without a token', async () => {
    const refused = await get(running, '/admin/participants');
    assert.equal(refused.status, 401);
    const { token } = await new AdminUsers(running.hub.store).add('auditor1', 'auditor', 'test');
    const allowed = await get(running, '/admin/participants', { authorization: `Bearer ${token}` });
    assert.equal(allowed.status, 200);
  });

  it('lists its scheduled jobs with their next run', () => {
    const names = running.jobs
      .list()
      .map((job) => job.name)
      .sort();
    assert.deepEqual(names, [
      'appeal-deadline-watch',
      'certificate-expiry-warnings',
      'lease-reaper',
      'ledger-checkpoint',
      'memorandum-expiry',
    ]);
    for (const job of running.jobs.list()) assert.notEqual(job.nextRunAt, null);
  });

  it('keeps its CA across a restart (first start only initialises once)', async () => {
    const before = readFileSync(join(dataDir, 'pki', 'ca.pem'), 'utf8');
    await running.stop();
    running = await startHubServer({ dataDir, port: 0, logger: quiet });
    assert.equal(readFileSync(join(dataDir, 'pki', 'ca.pem'), 'utf8'), before);
    assert.equal((await get(running, '/healthz')).status, 200);
  });
});
