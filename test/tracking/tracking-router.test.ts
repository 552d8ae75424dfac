/**
 * The citizen's status endpoint: GET /v1/track/{tracking} with the access code the contact center gets from
 * `vkhid track code`. No client certificate, no personal data, a wrong code indistinguishable from an
 * unknown number, and a rate limit per client address.
 */
import assert from 'node:assert/strict';
import { statSync } from 'node:fs';
import { request, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import express from 'express';
import { AccessCodes, ACCESS_CODE_ALPHABET } from '../../gateway/tracking/access-code.js';
import { createTrackingRouter, type CitizenStatus } from '../../gateway/tracking/tracking-router.js';
import { runVkhid, stdoutJson } from '../cli/fixtures/run-vkhid.js';
import {
  addParticipant,
  appeal,
  post,
  startIntakeHub,
  tlsOf,
  type IntakeHub,
  type Reply,
  type TestParticipant,
} from '../intake/fixtures/intake-hub.js';

const CONTACT_CENTER = '00015622';
const AGENCY = '00022527';

describe('the citizen tracking endpoint', function () {
  this.timeout(60_000);
  let hub: IntakeHub;
  let cc: TestParticipant;
  let tracking: string;

  before(async () => {
    hub = await startIntakeHub();
    cc = await addParticipant(hub.running, CONTACT_CENTER, 'contact-center', ['appeal', 'public-info']);
    await addParticipant(hub.running, AGENCY, 'agency', ['appeal', 'public-info']);
    await hub.running.hub.registry.updateParticipant(AGENCY, { shortName: 'КМДА' }, 'test:setup');
    const envelope = appeal(CONTACT_CENTER, AGENCY);
    tracking = envelope.header.tracking!;
    const accepted = await post(hub, cc.signEnvelope(envelope), { client: tlsOf(cc) });
    assert.equal(accepted.status, 202, accepted.body.toString());
  });
  after(() => hub?.stop());

  async function accessCode(number: string): Promise<string> {
    const run = await runVkhid('track', 'code', number, '--data', hub.dataDir, '--json');
    assert.equal(run.code, 0, run.stderr);
    const json = stdoutJson(run);
    return String(json.code);
  }

  /** GET over HTTPS without a client certificate, as a citizen's browser would. */
  function track(number: string, headers: Record<string, string> = {}, query = ''): Promise<Reply> {
    return post(hub, '', {
      method: 'GET',
      path: `/v1/track/${encodeURIComponent(number)}${query}`,
      contentType: null,
      headers,
    });
  }

  it('shows the state, the holder by name, the deadline and the timeline with the code from the CLI', async () => {
    const code = await accessCode(tracking);
    assert.match(code, new RegExp(`^[${ACCESS_CODE_ALPHABET}]{10}$`));
    assert.doesNotMatch(code, /[01OI]/);

    const reply = await track(tracking, { 'X-Access-Code': code });
    assert.equal(reply.status, 200, reply.body.toString());
    assert.equal(reply.headers['cache-control'], 'no-store');
    const status = JSON.parse(reply.body.toString()) as CitizenStatus;
    assert.deepEqual(Object.keys(status).sort(), ['deadline', 'holder', 'state', 'timeline', 'tracking']);
    assert.equal(status.tracking, tracking);
    assert.equal(status.state, 'routed');
    assert.equal(status.holder, 'КМДА');
    assert.match(status.deadline, /^\d{4}-\d{2}-\d{2}$/);
    assert.deepEqual(
      status.timeline.map((step) => [step.step, step.state]),
      [
        ['register', 'registered'],
        ['route', 'routed'],
      ],
    );
    for (const step of status.timeline) assert.deepEqual(Object.keys(step).sort(), ['at', 'state', 'step']);

    // The code as a person types it, in the query instead of the header.
    const typed = `${code.slice(0, 5).toLowerCase()}-${code.slice(5)}`;
    const byQuery = await track(tracking, {}, `?code=${encodeURIComponent(typed)}`);
    assert.equal(byQuery.status, 200, byQuery.body.toString());
    assert.deepEqual(JSON.parse(byQuery.body.toString()), status);
  });

  it('answers a wrong code, a missing code and an unknown number identically', async () => {
    const code = await accessCode(tracking);
    const wrong = code.startsWith('2') ? `3${code.slice(1)}` : `2${code.slice(1)}`;
    const unknown = 'UKC-NEVER-REGISTERED-1';
    const replies = [
      await track(tracking, { 'X-Access-Code': wrong }),
      await track(tracking),
      await track(unknown, { 'X-Access-Code': await accessCode(unknown) }),
      await track(unknown, { 'X-Access-Code': wrong }),
    ];
    const [first] = replies;
    assert.ok(first);
    assert.equal(first.status, 404);
    assert.equal((JSON.parse(first.body.toString()) as { code: string }).code, 'TRACK_NOT_FOUND');
    for (const reply of replies) {
      assert.equal(reply.status, first.status);
      assert.equal(reply.type, first.type);
      assert.equal(reply.body.toString(), first.body.toString());
    }
    assert.ok(!first.body.toString().includes(tracking));
    assert.ok(!first.body.toString().includes(wrong));
  });

  it('carries no personal data, free text, message ids or participant codes', async () => {
    const reply = await track(tracking, { 'X-Access-Code': await accessCode(tracking) });
    assert.equal(reply.status, 200);
    const body = reply.body.toString();
    const sample = appeal(CONTACT_CENTER, AGENCY).body.appeal;
    for (const secret of [
      sample.applicant.fullName,
      'Коваленко',
      ...(sample.applicant.contacts?.phones ?? []),
      ...(sample.applicant.contacts?.emails ?? []),
      sample.applicant.address ?? 'no address in the sample',
      sample.subject,
      sample.text.slice(0, 40),
      sample.routing.basis ?? 'no basis in the sample',
      CONTACT_CENTER,
      AGENCY,
    ]) {
      assert.ok(!body.includes(secret), `the answer contains ${secret}`);
    }
    const messageIds = await hub.running.hub.store.read((db) =>
      db.query<{ message_id: string }>('SELECT message_id FROM messages WHERE tracking = ?', [tracking]),
    );
    assert.ok(messageIds.length > 0);
    for (const { message_id } of messageIds) assert.ok(!body.toLowerCase().includes(message_id));
  });

  it('keeps the secret in <data>/pki/tracking.key: 32 bytes, readable by the hub user only', () => {
    const stat = statSync(join(hub.dataDir, 'pki', 'tracking.key'));
    assert.equal(stat.mode & 0o777, 0o600);
    assert.equal(stat.size, 32);
  });

  describe('rate limit', () => {
    let server: Server;
    let clock = Date.parse('2026-03-02T09:00:00Z');

    before(async () => {
      const app = express();
      app.use(
        '/v1',
        createTrackingRouter(hub.running.hub, {
          rateLimit: { burst: 2, perMinute: 6 },
          now: () => new Date(clock),
          accessCodes: AccessCodes.forHome(hub.running.hub.home),
        }),
      );
      server = app.listen(0, '127.0.0.1');
      await new Promise((resolve) => server.once('listening', resolve));
    });
    after(() => new Promise((resolve) => server.close(resolve)));

    function get(
      number: string,
      code: string,
    ): Promise<{ status: number; retryAfter?: string; body: string }> {
      const { port } = server.address() as AddressInfo;
      return new Promise((resolve, reject) => {
        const req = request(
          { host: '127.0.0.1', port, path: `/v1/track/${number}`, headers: { 'X-Access-Code': code } },
          (res) => {
            let body = '';
            res.setEncoding('utf8');
            res.on('data', (chunk: string) => (body += chunk));
            res.on('end', () =>
              resolve({
                status: res.statusCode ?? 0,
                body,
                ...(res.headers['retry-after'] === undefined
                  ? {}
                  : { retryAfter: res.headers['retry-after'] }),
              }),
            );
          },
        );
        req.on('error', reject);
        req.end();
      });
    }

    it('refuses a client address over its budget with 429 and Retry-After, and lets it back in later', async () => {
      const code = await accessCode(tracking);
      assert.equal((await get(tracking, code)).status, 200);
      // Wrong guesses spend the budget too: that is what the limit is for.
      assert.equal((await get(tracking, 'WRONGCODE2')).status, 404);
      const limited = await get(tracking, code);
      assert.equal(limited.status, 429);
      assert.equal((JSON.parse(limited.body) as { code: string }).code, 'TRACK_RATE_LIMITED');
      // 6 a minute: one token back every 10 seconds.
      assert.equal(limited.retryAfter, '10');
      clock += 10_000;
      assert.equal((await get(tracking, code)).status, 200);
      assert.equal((await get(tracking, code)).status, 429);
    });
  });
});
