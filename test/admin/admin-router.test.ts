import assert from 'node:assert/strict';
import { createHash, X509Certificate } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { AdminUsers } from '../../gateway/admin/admin-users.js';
import { CrlCache } from '../../gateway/admin/crl-cache.js';
import type { ExpiryWarning } from '../../gateway/admin/expiry-warnings.js';
import type {
  AuditEntry,
  CertificateRecord,
  Memorandum,
  Participant,
} from '../../gateway/registry/registry-model.js';
import {
  assertProblem,
  call,
  edrpou,
  invalidEdrpou,
  openssl,
  opensslCsr,
  openTestHub,
  startAdminServer,
  writeScratch,
  type CallOptions,
  type Problem,
  type Reply,
  type TestHub,
  type TestServer,
} from './admin-test-hub.js';

describe('the admin API', () => {
  let testHub: TestHub;
  let server: TestServer;
  const tokens = { admin: '', operator: '', auditor: '', disabled: '' };

  const agency = edrpou('1234567');
  const second = edrpou('2345678');

  function api<T = Problem>(method: string, path: string, options: CallOptions = {}): Promise<Reply<T>> {
    return call<T>(server.baseUrl, method, path, options);
  }
  const as = (role: keyof typeof tokens, options: CallOptions = {}): CallOptions => ({
    ...options,
    token: tokens[role],
  });

  async function participantCount(): Promise<number> {
    return (await testHub.hub.registry.listParticipants()).length;
  }
  async function auditCount(): Promise<number> {
    return (await testHub.hub.registry.auditTrail({ limit: 100_000 })).length;
  }

  before(async () => {
    testHub = await openTestHub();
    const users = new AdminUsers(testHub.hub.store);
    tokens.admin = (await users.add('alice', 'admin', 'test:setup')).token;
    tokens.operator = (await users.add('oscar', 'operator', 'test:setup')).token;
    tokens.auditor = (await users.add('audrey', 'auditor', 'test:setup')).token;
    tokens.disabled = (await users.add('dave', 'admin', 'test:setup')).token;
    await users.disable('dave', 'test:setup');
    server = await startAdminServer(testHub.hub);
  });

  after(async () => {
    await server?.close();
    await testHub?.close();
  });

  describe('authentication', () => {
    it('refuses a request without a token: 401 problem+json ADMIN_UNAUTHENTICATED', async () => {
      const reply = await api('GET', '/admin/participants');
      assertProblem(reply, 401, 'ADMIN_UNAUTHENTICATED');
      assert.equal(reply.json.instance, '/admin/participants');
      assert.match(reply.headers.get('www-authenticate') ?? '', /^Bearer /);
    });

    it('refuses a wrong token, a malformed header and another scheme', async () => {
      assertProblem(
        await api('GET', '/admin/participants', { token: 'A'.repeat(43) }),
        401,
        'ADMIN_UNAUTHENTICATED',
      );
      assertProblem(
        await api('GET', '/admin/participants', { token: `${tokens.admin}x` }),
        401,
        'ADMIN_UNAUTHENTICATED',
      );
      assertProblem(
        await api('GET', '/admin/participants', { headers: { authorization: `Basic ${tokens.admin}` } }),
        401,
        'ADMIN_UNAUTHENTICATED',
      );
      assertProblem(
        await api('GET', '/admin/participants', { headers: { authorization: 'Bearer' } }),
        401,
        'ADMIN_UNAUTHENTICATED',
      );
    });

    it('refuses the token of a disabled user', async () => {
      assertProblem(await api('GET', '/admin/participants', as('disabled')), 401, 'ADMIN_UNAUTHENTICATED');
    });

    it('authenticates before reading the body: malformed JSON without a token is 401, not 400', async () => {
      assertProblem(
        await api('POST', '/admin/participants', { raw: '{"code":' }),
        401,
        'ADMIN_UNAUTHENTICATED',
      );
    });

    it('accepts a valid token (bearer scheme in any case) and marks the answer not cacheable', async () => {
      const reply = await api<{ participants: Participant[] }>('GET', '/admin/participants', {
        headers: { authorization: `bearer ${tokens.auditor}` },
      });
      assert.equal(reply.status, 200);
      assert.match(reply.headers.get('content-type') ?? '', /^application\/json/);
      assert.equal(reply.headers.get('cache-control'), 'no-store');
      assert.ok(Array.isArray(reply.json.participants));
    });
  });

  describe('roles', () => {
    const candidate = edrpou('3456789');

    it('lets an auditor read but not add a participant (403 ADMIN_FORBIDDEN, nothing stored)', async () => {
      assert.equal((await api('GET', '/admin/participants', as('auditor'))).status, 200);
      assert.equal((await api('GET', '/admin/audit', as('auditor'))).status, 200);
      assert.equal((await api('GET', '/admin/certificates', as('auditor'))).status, 200);
      const [participants, audit] = [await participantCount(), await auditCount()];
      const reply = await api(
        'POST',
        '/admin/participants',
        as('auditor', { body: { code: candidate, fullName: 'Forbidden', kind: 'agency' } }),
      );
      assertProblem(reply, 403, 'ADMIN_FORBIDDEN');
      assert.match(reply.json.detail, /auditor may not add participants/);
      assert.equal(await participantCount(), participants);
      assert.equal(await auditCount(), audit);
      assertProblem(
        await api('GET', `/admin/participants/${candidate}`, as('auditor')),
        404,
        'PARTICIPANT_NOT_FOUND',
      );
    });

    it('checks the role before reading the body: an auditor sending malformed JSON gets 403', async () => {
      assertProblem(
        await api('POST', '/admin/participants', as('auditor', { raw: '{"code":' })),
        403,
        'ADMIN_FORBIDDEN',
      );
    });

    it('refuses every change to an auditor', async () => {
      const changes: [string, string][] = [
        ['POST', `/admin/participants/${candidate}/status`],
        ['PATCH', `/admin/participants/${candidate}`],
        ['POST', '/admin/memoranda'],
        ['POST', '/admin/memoranda/x/status'],
        ['POST', '/admin/memoranda/expire'],
        ['POST', '/admin/certificates/issue'],
        ['POST', '/admin/certificates/anchors'],
        ['POST', '/admin/certificates/import'],
        ['POST', '/admin/certificates/x/revoke'],
        ['POST', '/admin/users'],
        ['POST', '/admin/users/alice/disable'],
      ];
      for (const [method, path] of changes)
        assertProblem(await api(method, path, as('auditor', { body: {} })), 403, 'ADMIN_FORBIDDEN');
    });

    it('keeps the list of administrators to admins', async () => {
      assertProblem(await api('GET', '/admin/users', as('auditor')), 403, 'ADMIN_FORBIDDEN');
      assertProblem(await api('GET', '/admin/users', as('operator')), 403, 'ADMIN_FORBIDDEN');
      const reply = await api<{ users: { name: string; role: string; disabledAt: string | null }[] }>(
        'GET',
        '/admin/users',
        as('admin'),
      );
      assert.equal(reply.status, 200);
      assert.deepEqual(
        reply.json.users.map((user) => [user.name, user.role, user.disabledAt === null]),
        [
          ['alice', 'admin', true],
          ['audrey', 'auditor', true],
          ['dave', 'admin', false],
          ['oscar', 'operator', true],
        ],
      );
      const text = reply.body.toString();
      for (const token of Object.values(tokens)) {
        assert.ok(!text.includes(token));
        assert.ok(!text.includes(createHash('sha256').update(token).digest('hex')));
      }
    });

    it('lets an operator change a status but not add a participant, a memorandum or a certificate', async () => {
      const before = await participantCount();
      assertProblem(
        await api(
          'POST',
          '/admin/participants',
          as('operator', { body: { code: candidate, fullName: 'Nope', kind: 'agency' } }),
        ),
        403,
        'ADMIN_FORBIDDEN',
      );
      assert.equal(await participantCount(), before);
      assertProblem(
        await api('POST', '/admin/memoranda', as('operator', { body: {} })),
        403,
        'ADMIN_FORBIDDEN',
      );
      assertProblem(
        await api('POST', '/admin/certificates/issue', as('operator', { body: {} })),
        403,
        'ADMIN_FORBIDDEN',
      );
      assertProblem(
        await api('POST', '/admin/users', as('operator', { body: { name: 'mallory', role: 'admin' } })),
        403,
        'ADMIN_FORBIDDEN',
      );

      assert.equal(
        (
          await api(
            'POST',
            '/admin/participants',
            as('admin', { body: { code: candidate, fullName: 'Державне агентство', kind: 'agency' } }),
          )
        ).status,
        201,
      );
      const activated = await api<Participant>(
        'POST',
        `/admin/participants/${candidate}/status`,
        as('operator', { body: { status: 'active', reason: 'memorandum signed' } }),
      );
      assert.equal(activated.status, 200);
      assert.equal(activated.json.status, 'active');
      const suspended = await api<Participant>(
        'POST',
        `/admin/participants/${candidate}/status`,
        as('operator', { body: { status: 'suspended', reason: 'endpoint down' } }),
      );
      assert.equal(suspended.status, 200);
      assert.equal(suspended.json.status, 'suspended');
      assert.equal((await testHub.hub.registry.getParticipant(candidate)).status, 'suspended');
    });

    it('lets an operator run the memorandum expiry, not an auditor', async () => {
      const reply = await api<{ expired: Memorandum[] }>('POST', '/admin/memoranda/expire', as('operator'));
      assert.equal(reply.status, 200);
      assert.ok(Array.isArray(reply.json.expired));
      assertProblem(await api('POST', '/admin/memoranda/expire', as('auditor')), 403, 'ADMIN_FORBIDDEN');
    });

    it('lets only an admin edit a participant', async () => {
      assertProblem(
        await api('PATCH', `/admin/participants/${candidate}`, as('operator', { body: { shortName: 'ДА' } })),
        403,
        'ADMIN_FORBIDDEN',
      );
      const reply = await api<Participant>(
        'PATCH',
        `/admin/participants/${candidate}`,
        as('admin', { body: { shortName: 'ДА', endpoints: ['https://sed.example.gov.ua/vkhid'] } }),
      );
      assert.equal(reply.status, 200);
      assert.equal(reply.json.shortName, 'ДА');
      assert.deepEqual(reply.json.endpoints, ['https://sed.example.gov.ua/vkhid']);
      assert.equal(reply.json.status, 'suspended');
      assertProblem(
        await api(
          'PATCH',
          `/admin/participants/${candidate}`,
          as('admin', { body: { kind: 'contact-center' } }),
        ),
        400,
        'REQUEST_INVALID_JSON',
        'kind',
      );
      assertProblem(
        await api(
          'PATCH',
          `/admin/participants/${candidate}`,
          as('admin', { body: { endpoints: ['http://plain.example'] } }),
        ),
        400,
        'PARTICIPANT_INVALID',
        'endpoints[0]',
      );
    });
  });

  describe('refusals of malformed requests', () => {
    it('refuses a participant with an invalid ЄДРПОУ: 400 PARTICIPANT_CODE_INVALID, nothing stored', async () => {
      const code = invalidEdrpou('4567890');
      const [participants, audit] = [await participantCount(), await auditCount()];
      const reply = await api(
        'POST',
        '/admin/participants',
        as('admin', { body: { code, fullName: 'Invalid code', kind: 'agency' } }),
      );
      assertProblem(reply, 400, 'PARTICIPANT_CODE_INVALID', 'code');
      assert.equal(await participantCount(), participants);
      assert.equal(await auditCount(), audit);
      assertProblem(
        await api('GET', `/admin/participants/${code}`, as('admin')),
        404,
        'PARTICIPANT_NOT_FOUND',
      );
    });

    it('refuses malformed JSON with 400 REQUEST_INVALID_JSON', async () => {
      const reply = await api('POST', '/admin/participants', as('admin', { raw: '{"code": "12345678", ' }));
      assertProblem(reply, 400, 'REQUEST_INVALID_JSON');
      assert.equal(reply.json.instance, '/admin/participants');
    });

    it('refuses a body that is not an object, an unknown field and a field of the wrong type', async () => {
      assertProblem(
        await api('POST', '/admin/participants', as('admin', { raw: '"text"' })),
        400,
        'REQUEST_INVALID_JSON',
      );
      assertProblem(
        await api('POST', '/admin/participants', as('admin', { raw: '[1, 2]' })),
        400,
        'REQUEST_INVALID_JSON',
      );
      assertProblem(
        await api(
          'POST',
          '/admin/participants',
          as('admin', { body: { code: agency, fullName: 'X', kind: 'agency', fulName: 'typo' } }),
        ),
        400,
        'REQUEST_INVALID_JSON',
        'fulName',
      );
      assertProblem(
        await api(
          'POST',
          '/admin/participants',
          as('admin', { body: { code: agency, fullName: 42, kind: 'agency' } }),
        ),
        400,
        'REQUEST_INVALID_JSON',
        'fullName',
      );
      assertProblem(
        await api('POST', '/admin/participants', as('admin', { body: { code: agency, kind: 'agency' } })),
        400,
        'REQUEST_INVALID_JSON',
        'fullName',
      );
      assertProblem(
        await api(
          'POST',
          '/admin/participants',
          as('admin', { body: { code: agency, fullName: 'X', kind: 'ministry' } }),
        ),
        400,
        'PARTICIPANT_INVALID',
        'kind',
      );
      assertProblem(
        await api('GET', '/admin/audit?limit=abc', as('auditor')),
        400,
        'REQUEST_INVALID_JSON',
        'limit',
      );
      assertProblem(
        await api('GET', '/admin/audit?limit=1&limit=2', as('auditor')),
        400,
        'REQUEST_INVALID_JSON',
        'limit',
      );
      assertProblem(
        await api('GET', '/admin/certificates?expiring=soon', as('auditor')),
        400,
        'PKI_REQUEST_INVALID',
        'expiring',
      );
      assertProblem(
        await api('GET', '/admin/participants?status=sleeping', as('auditor')),
        400,
        'REQUEST_INVALID_JSON',
        'status',
      );
    });

    it('refuses a body over 1 MB with 413 INTAKE_TOO_LARGE', async () => {
      const reply = await api(
        'POST',
        '/admin/participants',
        as('admin', { body: { code: agency, fullName: 'x'.repeat(1024 * 1024), kind: 'agency' } }),
      );
      assertProblem(reply, 413, 'INTAKE_TOO_LARGE');
    });

    it('refuses an unknown status value with 400 and an impossible transition with 409', async () => {
      const code = edrpou('5678901');
      assert.equal(
        (
          await api(
            'POST',
            '/admin/participants',
            as('admin', { body: { code, fullName: 'Transitions', kind: 'agency' } }),
          )
        ).status,
        201,
      );
      assertProblem(
        await api(
          'POST',
          `/admin/participants/${code}/status`,
          as('operator', { body: { status: 'asleep', reason: 'x' } }),
        ),
        400,
        'PARTICIPANT_INVALID',
        'status',
      );
      assertProblem(
        await api(
          'POST',
          `/admin/participants/${code}/status`,
          as('operator', { body: { status: 'active' } }),
        ),
        400,
        'REQUEST_INVALID_JSON',
        'reason',
      );
      assertProblem(
        await api(
          'POST',
          `/admin/participants/${code}/status`,
          as('operator', { body: { status: 'suspended', reason: 'x' } }),
        ),
        409,
        'PARTICIPANT_STATUS_TRANSITION',
      );
      assertProblem(
        await api(
          'POST',
          `/admin/participants/${edrpou('9999999')}/status`,
          as('operator', { body: { status: 'active', reason: 'x' } }),
        ),
        404,
        'PARTICIPANT_NOT_FOUND',
      );
    });

    it('answers an unexpected error with 500 INTERNAL and no details, and logs it', async () => {
      const registry = testHub.hub.registry;
      const original = registry.listParticipants.bind(registry);
      const logged: unknown[][] = [];
      const originalError = console.error;
      registry.listParticipants = () => Promise.reject(new TypeError('secret internals at /srv/vkhid'));
      console.error = (...args: unknown[]) => void logged.push(args);
      try {
        const reply = await api('GET', '/admin/participants', as('auditor'));
        assertProblem(reply, 500, 'INTERNAL');
        assert.equal(reply.json.detail, 'Internal error');
        assert.ok(!reply.body.toString().includes('secret'));
      } finally {
        registry.listParticipants = original;
        console.error = originalError;
      }
      assert.equal(logged.length, 1);
      assert.ok(logged[0]!.some((arg) => arg instanceof TypeError));
    });
  });

  describe('the whole flow: participant, memorandum, certificate, revocation, CRL', () => {
    let memorandum: Memorandum;
    let issued: CertificateRecord;

    it('adds a participant', async () => {
      const reply = await api<Participant>(
        'POST',
        '/admin/participants',
        as('admin', {
          body: {
            code: agency,
            fullName: 'Міністерство цифрової трансформації',
            kind: 'agency',
            edmsId: 'MDT-1',
            alertContact: 'ops@example.gov.ua',
          },
        }),
      );
      assert.equal(reply.status, 201);
      assert.equal(reply.json.code, agency);
      assert.equal(reply.json.status, 'pending');
      assert.equal(
        (await api<Participant>('GET', `/admin/participants/${agency}`, as('auditor'))).json.fullName,
        'Міністерство цифрової трансформації',
      );
      assertProblem(
        await api(
          'POST',
          '/admin/participants',
          as('admin', { body: { code: agency, fullName: 'Again', kind: 'agency' } }),
        ),
        409,
        'PARTICIPANT_EXISTS',
      );
    });

    it('registers a memorandum with its scanned document', async () => {
      const scan = Buffer.from('%PDF-1.7 memorandum scan');
      const reply = await api<Memorandum>(
        'POST',
        '/admin/memoranda',
        as('admin', {
          body: {
            participantCode: agency,
            number: 'М-17/2025',
            signedOn: '2025-01-10',
            effectiveFrom: '2025-01-15',
            effectiveUntil: null,
            scopeKinds: ['appeal', 'public-info'],
            scopeChannels: ['web'],
            document: { name: 'memorandum.pdf', contentBase64: scan.toString('base64') },
          },
        }),
      );
      assert.equal(reply.status, 201);
      memorandum = reply.json;
      assert.equal(memorandum.status, 'active');
      assert.equal(memorandum.documentName, 'memorandum.pdf');
      assert.equal(memorandum.documentSha256, createHash('sha256').update(scan).digest('hex'));
      const listed = await api<{ memoranda: Memorandum[] }>(
        'GET',
        `/admin/memoranda?participant=${agency}`,
        as('auditor'),
      );
      assert.deepEqual(
        listed.json.memoranda.map((m) => m.id),
        [memorandum.id],
      );
    });

    it('refuses a memorandum with bad dates, an overlap, or a document that is not base64', async () => {
      const base = {
        participantCode: agency,
        number: 'М-18',
        signedOn: '2025-02-01',
        effectiveFrom: '2025-02-01',
        scopeKinds: ['appeal'],
      };
      assertProblem(
        await api('POST', '/admin/memoranda', as('admin', { body: { ...base, signedOn: '2025-03-01' } })),
        400,
        'MEMORANDUM_DATES',
      );
      assertProblem(
        await api('POST', '/admin/memoranda', as('admin', { body: base })),
        409,
        'MEMORANDUM_OVERLAP',
      );
      assertProblem(
        await api(
          'POST',
          '/admin/memoranda',
          as('admin', {
            body: {
              ...base,
              scopeKinds: ['sensitive'],
              document: { name: 'x.pdf', contentBase64: 'not base64!' },
            },
          }),
        ),
        400,
        'MEMORANDUM_INVALID',
        'document.contentBase64',
      );
      assertProblem(
        await api('POST', '/admin/memoranda', as('admin', { body: { ...base, scopeKinds: 'appeal' } })),
        400,
        'REQUEST_INVALID_JSON',
        'scopeKinds',
      );
      assertProblem(
        await api(
          'POST',
          '/admin/memoranda',
          as('admin', { body: { ...base, participantCode: edrpou('7777777') } }),
        ),
        404,
        'PARTICIPANT_NOT_FOUND',
      );
    });

    it('issues a certificate from an openssl CSR', async () => {
      const csrPem = opensslCsr(testHub.scratch, 'agency', 'Agency EDMS');
      const reply = await api<{ pem: string; record: CertificateRecord }>(
        'POST',
        '/admin/certificates/issue',
        as('admin', { body: { participantCode: agency, usage: 'sign', csrPem, validityDays: 365 } }),
      );
      assert.equal(reply.status, 201, reply.body.toString());
      issued = reply.json.record;
      assert.equal(issued.participantCode, agency);
      assert.equal(issued.role, 'participant-sign');
      assert.equal(issued.status, 'active');
      const certificate = new X509Certificate(reply.json.pem);
      assert.equal(certificate.serialNumber.toUpperCase(), issued.serialNumber);
      const ca = new X509Certificate(testHub.hub.home.read('ca.pem'));
      assert.ok(certificate.verify(ca.publicKey), 'issued by the hub CA');
      const listed = await api<{ certificates: CertificateRecord[] }>(
        'GET',
        `/admin/certificates?participant=${agency}`,
        as('auditor'),
      );
      assert.deepEqual(
        listed.json.certificates.map((c) => c.serialNumber),
        [issued.serialNumber],
      );
      const one = await api<CertificateRecord>(
        'GET',
        `/admin/certificates/${issued.serialNumber}`,
        as('auditor'),
      );
      assert.equal(one.json.fingerprint, issued.fingerprint);
    });

    it('refuses to issue for a broken CSR, an unknown usage, or an unknown participant', async () => {
      const csrPem = readFileSync(join(testHub.scratch, 'agency.csr'), 'utf8');
      assertProblem(
        await api(
          'POST',
          '/admin/certificates/issue',
          as('admin', { body: { participantCode: agency, usage: 'sign', csrPem: 'garbage' } }),
        ),
        400,
        'PKI_CSR_INVALID',
      );
      assertProblem(
        await api(
          'POST',
          '/admin/certificates/issue',
          as('admin', { body: { participantCode: agency, usage: 'email', csrPem } }),
        ),
        400,
        'PKI_REQUEST_INVALID',
        'usage',
      );
      assertProblem(
        await api(
          'POST',
          '/admin/certificates/issue',
          as('admin', { body: { participantCode: edrpou('7777777'), usage: 'sign', csrPem } }),
        ),
        404,
        'PARTICIPANT_NOT_FOUND',
      );
      assertProblem(
        await api(
          'POST',
          '/admin/certificates/issue',
          as('admin', {
            body: { participantCode: agency, usage: 'sign', csrPem, overlapDays: -3, rotate: true },
          }),
        ),
        400,
        'PKI_REQUEST_INVALID',
        'overlapDays',
      );
    });

    it('revokes the certificate and publishes it in the CRL (DER that openssl reads)', async () => {
      // A CRL fetched before the revocation is cached; the revocation must not wait for the cache to expire.
      const first = await api('GET', '/pki/crl');
      assert.equal(first.status, 200);
      assertProblem(
        await api(
          'POST',
          `/admin/certificates/${issued.serialNumber}/revoke`,
          as('admin', { body: { reason: 'stolen' } }),
        ),
        400,
        'PKI_REVOCATION_REASON',
        'reason',
      );
      const reply = await api<CertificateRecord>(
        'POST',
        `/admin/certificates/${issued.serialNumber}/revoke`,
        as('admin', { body: { reason: 'keyCompromise' } }),
      );
      assert.equal(reply.status, 200);
      assert.equal(reply.json.status, 'revoked');
      assert.equal(reply.json.revocationReason, 'keyCompromise');
      assertProblem(
        await api(
          'POST',
          `/admin/certificates/${issued.serialNumber}/revoke`,
          as('admin', { body: { reason: 'keyCompromise' } }),
        ),
        403,
        'CERT_REVOKED',
      );

      const crl = await api('GET', '/pki/crl');
      assert.equal(crl.status, 200);
      assert.equal(crl.headers.get('content-type'), 'application/pkix-crl');
      assert.equal(crl.body[0], 0x30, 'DER, not PEM');
      const path = writeScratch(testHub.scratch, 'hub.crl', crl.body);
      const text = openssl(['crl', '-inform', 'DER', '-noout', '-text', '-in', path], testHub.scratch);
      const serial = issued.serialNumber.replace(/^0+/, '');
      assert.match(text, new RegExp(`Serial Number: 0*${serial}`, 'i'));
      assert.match(text, /Key Compromise/);
      // And its signature verifies with the CA certificate served next to it.
      const caPem = await api('GET', '/pki/ca.pem');
      assert.equal(caPem.status, 200);
      assert.match(caPem.body.toString(), /^-----BEGIN CERTIFICATE-----/);
      const caPath = writeScratch(testHub.scratch, 'served-ca.pem', caPem.body);
      const verified = openssl(
        ['crl', '-inform', 'DER', '-in', path, '-CAfile', caPath, '-noout'],
        testHub.scratch,
      );
      assert.equal(verified.trim(), '');
    });

    it('shows the before and after of a status change in the audit trail, with the actor admin:<name>', async () => {
      assert.equal(
        (
          await api(
            'POST',
            `/admin/participants/${agency}/status`,
            as('operator', { body: { status: 'active', reason: 'memorandum in force' } }),
          )
        ).status,
        200,
      );
      assert.equal(
        (
          await api(
            'POST',
            `/admin/participants/${agency}/status`,
            as('operator', { body: { status: 'suspended', reason: 'certificate compromised' } }),
          )
        ).status,
        200,
      );
      const reply = await api<{ entries: AuditEntry[] }>(
        'GET',
        `/admin/audit?entity=participant&id=${agency}&limit=2`,
        as('auditor'),
      );
      assert.equal(reply.status, 200);
      const [latest, previous] = reply.json.entries;
      assert.equal(reply.json.entries.length, 2);
      assert.equal(latest!.action, 'participant.suspend');
      assert.equal(latest!.actor, 'admin:oscar');
      assert.equal((latest!.before as Participant).status, 'active');
      assert.equal((latest!.after as Participant).status, 'suspended');
      assert.equal((latest!.after as Participant).statusReason, 'certificate compromised');
      assert.equal(previous!.action, 'participant.activate');

      const creation = await api<{ entries: AuditEntry[] }>(
        'GET',
        `/admin/audit?entity=participant&id=${agency}`,
        as('auditor'),
      );
      const added = creation.json.entries.find((entry) => entry.action === 'participant.add');
      assert.equal(added?.actor, 'admin:alice');
      assert.equal(added?.before, null);

      const revocation = await api<{ entries: AuditEntry[] }>(
        'GET',
        `/admin/audit?entity=certificate&id=${issued.serialNumber}`,
        as('auditor'),
      );
      assert.deepEqual(
        revocation.json.entries.map((entry) => [entry.action, entry.actor]),
        [
          ['certificate.revoke', 'admin:alice'],
          ['certificate.add', 'admin:alice'],
        ],
      );
    });

    it('changes a memorandum status (operator) with its audit entry', async () => {
      const reply = await api<Memorandum>(
        'POST',
        `/admin/memoranda/${memorandum.id}/status`,
        as('operator', { body: { status: 'suspended', reason: 'under review' } }),
      );
      assert.equal(reply.status, 200);
      assert.equal(reply.json.status, 'suspended');
      assertProblem(
        await api(
          'POST',
          `/admin/memoranda/${memorandum.id}/status`,
          as('operator', { body: { status: 'draft', reason: 'x' } }),
        ),
        409,
        'MEMORANDUM_STATUS_TRANSITION',
      );
      assertProblem(
        await api(
          'POST',
          `/admin/memoranda/${memorandum.id}/status`,
          as('operator', { body: { status: 'paused', reason: 'x' } }),
        ),
        400,
        'MEMORANDUM_INVALID',
        'status',
      );
      assertProblem(
        await api(
          'POST',
          '/admin/memoranda/no-such/status',
          as('operator', { body: { status: 'active', reason: 'x' } }),
        ),
        404,
        'MEMORANDUM_NOT_FOUND',
      );
      const audit = await api<{ entries: AuditEntry[] }>(
        'GET',
        `/admin/audit?entity=memorandum&id=${memorandum.id}&limit=1`,
        as('auditor'),
      );
      assert.equal(audit.json.entries[0]?.action, 'memorandum.suspended');
      assert.equal(audit.json.entries[0]?.actor, 'admin:oscar');
    });

    it('lists a certificate close to its end under its expiry threshold', async () => {
      const csrPem = opensslCsr(testHub.scratch, 'short', 'Short-lived', [
        'ec',
        '-pkeyopt',
        'ec_paramgen_curve:P-256',
      ]);
      const reply = await api<{ record: CertificateRecord }>(
        'POST',
        '/admin/certificates/issue',
        as('admin', { body: { participantCode: agency, usage: 'tls', csrPem, validityDays: 5 } }),
      );
      assert.equal(reply.status, 201, reply.body.toString());
      const expiring = await api<{ thresholds: number[]; warnings: ExpiryWarning[] }>(
        'GET',
        '/admin/certificates/expiring',
        as('auditor'),
      );
      assert.equal(expiring.status, 200);
      assert.deepEqual(expiring.json.thresholds, [30, 7, 1]);
      assert.deepEqual(
        expiring.json.warnings.map((w) => [
          w.serialNumber,
          w.participantCode,
          w.role,
          w.daysLeft,
          w.threshold,
        ]),
        [[reply.json.record.serialNumber, agency, 'participant-tls', 5, 7]],
      );
      const soon = await api<{ certificates: CertificateRecord[] }>(
        'GET',
        '/admin/certificates?expiring=10',
        as('auditor'),
      );
      assert.deepEqual(
        soon.json.certificates.map((c) => c.serialNumber),
        [reply.json.record.serialNumber],
      );
    });
  });

  describe('anchors and imported certificates', () => {
    let anchorPem: string;
    let foreignPem: string;

    before(() => {
      const dir = testHub.scratch;
      openssl(
        [
          'req',
          '-x509',
          '-newkey',
          'ec',
          '-pkeyopt',
          'ec_paramgen_curve:P-256',
          '-nodes',
          '-keyout',
          'qtsp.key',
          '-out',
          'qtsp.pem',
          '-days',
          '365',
          '-subj',
          '/CN=Test QTSP CA',
          '-addext',
          'basicConstraints=critical,CA:TRUE',
          '-addext',
          'keyUsage=critical,keyCertSign,cRLSign',
        ],
        dir,
      );
      opensslCsr(dir, 'foreign', 'Second agency', ['ec', '-pkeyopt', 'ec_paramgen_curve:P-256']);
      writeScratch(
        dir,
        'foreign.ext',
        'basicConstraints=CA:FALSE\nkeyUsage=critical,digitalSignature,nonRepudiation\n',
      );
      openssl(
        [
          'x509',
          '-req',
          '-in',
          'foreign.csr',
          '-CA',
          'qtsp.pem',
          '-CAkey',
          'qtsp.key',
          '-CAcreateserial',
          '-days',
          '200',
          '-extfile',
          'foreign.ext',
          '-out',
          'foreign.pem',
        ],
        dir,
      );
      anchorPem = readFileSync(join(dir, 'qtsp.pem'), 'utf8');
      foreignPem = readFileSync(join(dir, 'foreign.pem'), 'utf8');
    });

    it('imports an anchor (admin only), then a participant certificate chaining to it', async () => {
      assertProblem(
        await api(
          'POST',
          '/admin/certificates/import',
          as('admin', { body: { participantCode: second, usage: 'sign', pem: foreignPem } }),
        ),
        404,
        'PARTICIPANT_NOT_FOUND',
      );
      assert.equal(
        (
          await api(
            'POST',
            '/admin/participants',
            as('admin', { body: { code: second, fullName: 'Друге агентство', kind: 'agency' } }),
          )
        ).status,
        201,
      );
      assertProblem(
        await api(
          'POST',
          '/admin/certificates/import',
          as('admin', { body: { participantCode: second, usage: 'sign', pem: foreignPem } }),
        ),
        403,
        'CERT_UNTRUSTED',
      );
      assertProblem(
        await api('POST', '/admin/certificates/anchors', as('operator', { body: { pem: anchorPem } })),
        403,
        'ADMIN_FORBIDDEN',
      );
      assertProblem(
        await api('POST', '/admin/certificates/anchors', as('admin', { body: { pem: foreignPem } })),
        403,
        'CERT_USAGE',
      );
      assertProblem(
        await api('POST', '/admin/certificates/anchors', as('admin', { body: { pem: 'not a certificate' } })),
        400,
        'CERT_INVALID',
      );
      const anchor = await api<CertificateRecord>(
        'POST',
        '/admin/certificates/anchors',
        as('admin', { body: { pem: anchorPem } }),
      );
      assert.equal(anchor.status, 201);
      assert.equal(anchor.json.role, 'anchor');
      const imported = await api<CertificateRecord>(
        'POST',
        '/admin/certificates/import',
        as('admin', { body: { participantCode: second, usage: 'sign', pem: foreignPem } }),
      );
      assert.equal(imported.status, 201, imported.body.toString());
      assert.equal(imported.json.role, 'participant-sign');
      // (issuedByHub comes back true here: a bug in hub-pki's import, see test/admin/known-bugs.ts.)
      assertProblem(
        await api(
          'POST',
          '/admin/certificates/import',
          as('admin', { body: { participantCode: second, usage: 'sign', pem: foreignPem } }),
        ),
        409,
        'CERT_EXISTS',
      );
    });
  });

  describe('administrators', () => {
    it('lets an admin add a user whose token then works, and disable it', async () => {
      const added = await api<{ name: string; role: string; token: string; createdAt: string }>(
        'POST',
        '/admin/users',
        as('admin', { body: { name: 'zoe', role: 'auditor' } }),
      );
      assert.equal(added.status, 201);
      assert.equal(added.json.role, 'auditor');
      assert.match(added.json.token, /^[A-Za-z0-9_-]{43}$/);
      assert.equal((await api('GET', '/admin/participants', { token: added.json.token })).status, 200);
      assertProblem(
        await api('POST', '/admin/users', as('admin', { body: { name: 'zoe', role: 'admin' } })),
        409,
        'ADMIN_USER_EXISTS',
        'name',
      );
      assertProblem(
        await api('POST', '/admin/users', as('admin', { body: { name: 'bad name', role: 'admin' } })),
        400,
        'ADMIN_USER_INVALID',
        'name',
      );
      assertProblem(
        await api('POST', '/admin/users', as('admin', { body: { name: 'root', role: 'superuser' } })),
        400,
        'ADMIN_USER_INVALID',
        'role',
      );

      const disabled = await api<{ disabledAt: string | null }>(
        'POST',
        '/admin/users/zoe/disable',
        as('admin'),
      );
      assert.equal(disabled.status, 200);
      assert.notEqual(disabled.json.disabledAt, null);
      assertProblem(
        await api('GET', '/admin/participants', { token: added.json.token }),
        401,
        'ADMIN_UNAUTHENTICATED',
      );

      const audit = await api<{ entries: AuditEntry[] }>(
        'GET',
        '/admin/audit?entity=admin-user&id=zoe',
        as('auditor'),
      );
      assert.deepEqual(
        audit.json.entries.map((entry) => [entry.action, entry.actor]),
        [
          ['admin-user.disable', 'admin:alice'],
          ['admin-user.add', 'admin:alice'],
        ],
      );
      assert.ok(!audit.body.toString().includes(added.json.token));
    });
  });

  describe('refusals', () => {
    it('lists recorded refusals, newest first, in the model’s camelCase', async () => {
      await testHub.hub.registry
        .authorizeExchange({
          sender: second,
          recipient: agency,
          scope: 'appeal',
          at: new Date(),
          messageId: 'm-1',
          messageType: 'appeal',
        })
        .catch(() => undefined);
      const reply = await api<{ refusals: { code: string; sender: string; messageId: string | null }[] }>(
        'GET',
        '/admin/refusals?limit=5',
        as('auditor'),
      );
      assert.equal(reply.status, 200);
      assert.equal(reply.json.refusals[0]?.code, 'PARTICIPANT_NOT_ACTIVE');
      assert.equal(reply.json.refusals[0]?.sender, second);
      assert.equal(reply.json.refusals[0]?.messageId, 'm-1');
    });
  });

  describe('the CRL endpoint', () => {
    it('serves the same CRL for a minute instead of signing one per request', async () => {
      const counter = async (): Promise<number> =>
        Number(
          (
            await testHub.hub.store.read((db) =>
              db.query<{ value: number }>(`SELECT value FROM hub_counters WHERE name = 'crl-number'`),
            )
          )[0]?.value ?? 0,
        );
      const before = await counter();
      const replies = await Promise.all(Array.from({ length: 20 }, () => api('GET', '/pki/crl')));
      for (const reply of replies) {
        assert.equal(reply.status, 200);
        assert.deepEqual(reply.body, replies[0]!.body);
      }
      assert.ok((await counter()) - before <= 1, 'at most one CRL signed for 20 requests');
    });

    it('CrlCache: one signing for concurrent callers, a new CRL after the minute or after invalidate', async () => {
      let clock = 1_000_000;
      const cache = new CrlCache(testHub.hub, 60_000, () => clock);
      const [a, b] = await Promise.all([cache.get(), cache.get()]);
      assert.equal(a, b);
      clock += 59_000;
      assert.equal(await cache.get(), a);
      clock += 2_000;
      const c = await cache.get();
      assert.notDeepEqual(c, a, 'a new CRL number');
      cache.invalidate();
      assert.notDeepEqual(await cache.get(), c);
    });

    it('needs no token', async () => {
      assert.equal((await api('GET', '/pki/crl')).status, 200);
      assert.equal((await api('GET', '/pki/ca.pem')).status, 200);
    });
  });
});

describe('the PKI endpoints of a hub that is not initialised', () => {
  let testHub: TestHub;
  let server: TestServer;

  before(async () => {
    testHub = await openTestHub({ initialise: false });
    server = await startAdminServer(testHub.hub);
  });

  after(async () => {
    await server?.close();
    await testHub?.close();
  });

  it('answer 409 HUB_NOT_INITIALISED as problem+json', async () => {
    assertProblem(await call(server.baseUrl, 'GET', '/pki/crl'), 409, 'HUB_NOT_INITIALISED');
    assertProblem(await call(server.baseUrl, 'GET', '/pki/ca.pem'), 409, 'HUB_NOT_INITIALISED');
  });
});
