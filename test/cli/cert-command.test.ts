/**
 * `vkhid cert issue|import-ca|import|revoke|list|crl`: each rule with an accepted and a refused case; keys,
 * CSRs and the external CA are made by `openssl`, and what the hub writes is read back by `openssl`. A refusal
 * registers nothing and leaves no output file behind.
 */
import assert from 'node:assert/strict';
import { existsSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  AGENCY,
  CONTACT_CENTER,
  copyHub,
  expectJsonError,
  initialisedHub,
  json,
  openssl,
  opensslCa,
  opensslOutput,
  opensslCsr,
  opensslIssue,
  ok,
  removeTemporaryDirectories,
  temporaryDirectory,
  vkhid,
} from './fixtures/hub-cli.js';
import { expectStderrRefusal } from './fixtures/run-vkhid.js';

interface CertificateJson {
  serialNumber: string;
  fingerprint: string;
  subject: string;
  issuer: string;
  role: string;
  status: string;
  participantCode: string | null;
  notBefore: string;
  notAfter: string;
  overlapUntil: string | null;
  revokedAt: string | null;
  revocationReason: string | null;
  issuedByHub: boolean;
  pem?: string;
}

const PASSWORD_ENV = 'VKHID_TEST_P12_PASSWORD';
const PASSWORD = 'correct-horse-battery-staple';

describe('vkhid cert (CLI)', function () {
  this.timeout(120_000);

  let template: string;
  let data: string;
  let work: string;

  before(async () => {
    template = await initialisedHub();
  });
  beforeEach(async () => {
    data = copyHub(template);
    work = temporaryDirectory();
    ok(await vkhid(data, 'participant', 'add', '--code', AGENCY, '--name', 'КМДА', '--kind', 'agency'));
    ok(
      await vkhid(
        data,
        'participant',
        'add',
        '--code',
        CONTACT_CENTER,
        '--name',
        'УКЦ',
        '--kind',
        'contact-center',
      ),
    );
  });
  afterEach(() => {
    delete process.env[PASSWORD_ENV];
  });
  after(removeTemporaryDirectories);

  const certificates = async (...filter: string[]): Promise<CertificateJson[]> =>
    json<{ certificates: CertificateJson[] }>(ok(await vkhid(data, 'cert', 'list', ...filter, '--json')))
      .certificates;
  const participantCertificates = (code: string) => certificates('--participant', code);
  const issueFromCsr = async (
    code: string,
    csr: string,
    out: string,
    ...extra: string[]
  ): Promise<CertificateJson> =>
    json<{ certificate: CertificateJson }>(
      ok(
        await vkhid(
          data,
          'cert',
          'issue',
          '--participant',
          code,
          '--csr',
          csr,
          '--usage',
          'sign',
          '--out',
          out,
          ...extra,
          '--json',
        ),
      ),
    ).certificate;

  describe('issue --csr', () => {
    it('writes the PEM certificate of the CSR key, bound to the participant, issued by the hub CA', async () => {
      const { key, csr } = opensslCsr(work, 'agency', 'Agency');
      const out = join(work, 'agency.pem');
      const run = ok(
        await vkhid(
          data,
          'cert',
          'issue',
          '--participant',
          AGENCY,
          '--csr',
          csr,
          '--usage',
          'sign',
          '--out',
          out,
          '--days',
          '90',
        ),
      );
      assert.match(run.stdout, /^issued participant-sign certificate [0-9A-F]+ for 00022527\n/);
      assert.equal(
        openssl(['x509', '-in', out, '-noout', '-pubkey'], work),
        openssl(['pkey', '-in', key, '-pubout'], work),
      );
      assert.match(
        openssl(['x509', '-in', out, '-noout', '-subject'], work),
        /CN\s*=\s*Agency, serialNumber\s*=\s*00022527/,
      );
      // openssl verifies the chain to the hub CA written by init.
      assert.match(openssl(['verify', '-CAfile', join(data, 'pki', 'ca.pem'), out], work), /OK/);
      const [record] = await participantCertificates(AGENCY);
      assert.equal(record?.role, 'participant-sign');
      assert.equal(record?.status, 'active');
      assert.equal(record?.issuedByHub, true);
      assert.equal(record?.pem, undefined, 'listings leave the PEM out');
      const days = (Date.parse(record.notAfter) - Date.now()) / 86_400_000;
      assert.ok(days > 89 && days <= 90, `${days} days`);
    });

    it('refuses a CSR with a 1024-bit key: exit 1, PKI_WEAK_KEY; nothing registered, no file written', async () => {
      const { csr } = opensslCsr(work, 'weak', 'Agency', 1024);
      const out = join(work, 'weak.pem');
      const run = await vkhid(
        data,
        'cert',
        'issue',
        '--participant',
        AGENCY,
        '--csr',
        csr,
        '--usage',
        'sign',
        '--out',
        out,
      );
      expectStderrRefusal(run, 'PKI_WEAK_KEY');
      assert.match(run.stderr, /RSA 1024 bits/);
      assert.deepEqual(await participantCertificates(AGENCY), []);
      assert.ok(!existsSync(out));
    });

    it('refuses a file that is not a CSR: exit 1, PKI_CSR_INVALID', async () => {
      const notCsr = join(work, 'not.csr');
      writeFileSync(notCsr, '-----BEGIN CERTIFICATE REQUEST-----\nAAAA\n-----END CERTIFICATE REQUEST-----\n');
      expectJsonError(
        await vkhid(
          data,
          'cert',
          'issue',
          '--participant',
          AGENCY,
          '--csr',
          notCsr,
          '--usage',
          'sign',
          '--out',
          join(work, 'x.pem'),
          '--json',
        ),
        'PKI_CSR_INVALID',
      );
      assert.deepEqual(await participantCertificates(AGENCY), []);
    });

    it('refuses an unregistered participant: exit 1, PARTICIPANT_NOT_FOUND', async () => {
      const { csr } = opensslCsr(work, 'other', 'Other');
      expectStderrRefusal(
        await vkhid(
          data,
          'cert',
          'issue',
          '--participant',
          '03359500',
          '--csr',
          csr,
          '--usage',
          'sign',
          '--out',
          join(work, 'o.pem'),
        ),
        'PARTICIPANT_NOT_FOUND',
      );
    });

    it('refuses a validity the PKI does not allow: exit 1, PKI_REQUEST_INVALID', async () => {
      const { csr } = opensslCsr(work, 'agency', 'Agency');
      expectStderrRefusal(
        await vkhid(
          data,
          'cert',
          'issue',
          '--participant',
          AGENCY,
          '--csr',
          csr,
          '--usage',
          'sign',
          '--out',
          join(work, 'a.pem'),
          '--days',
          '99999',
        ),
        'PKI_REQUEST_INVALID',
      );
      assert.deepEqual(await participantCertificates(AGENCY), []);
    });

    it('usage errors: exit 2 for a bad --usage, --days, both or neither of --csr and --generate, --overlap-days without --rotate', async () => {
      const { csr } = opensslCsr(work, 'agency', 'Agency');
      const out = join(work, 'a.pem');
      const base = ['cert', 'issue', '--participant', AGENCY, '--out', out];
      for (const argv of [
        [...base, '--csr', csr, '--usage', 'encrypt'],
        [...base, '--csr', csr, '--usage', 'sign', '--days', '0'],
        [...base, '--csr', csr, '--usage', 'sign', '--days', 'ten'],
        [...base, '--csr', csr, '--generate', '--usage', 'sign'],
        [...base, '--usage', 'sign'],
        [...base, '--csr', csr, '--usage', 'sign', '--cn', 'Agency'],
        [...base, '--csr', csr, '--usage', 'sign', '--overlap-days', '3'],
      ]) {
        expectStderrRefusal(await vkhid(data, ...argv), 'CLI_USAGE', 2);
      }
      assert.deepEqual(await participantCertificates(AGENCY), []);
      assert.ok(!existsSync(out));
    });

    it('--rotate supersedes the current certificate of the usage, still valid for the overlap', async () => {
      const first = opensslCsr(work, 'first', 'Agency');
      const second = opensslCsr(work, 'second', 'Agency');
      const old = await issueFromCsr(AGENCY, first.csr, join(work, 'first.pem'));
      const fresh = await issueFromCsr(
        AGENCY,
        second.csr,
        join(work, 'second.pem'),
        '--rotate',
        '--overlap-days',
        '3',
      );
      const records = await participantCertificates(AGENCY);
      const superseded = records.find((r) => r.serialNumber === old.serialNumber);
      assert.equal(superseded?.status, 'superseded');
      const overlap = (Date.parse(superseded.overlapUntil!) - Date.now()) / 86_400_000;
      assert.ok(overlap > 2.9 && overlap <= 3, `${overlap} days`);
      assert.equal(records.find((r) => r.serialNumber === fresh.serialNumber)?.status, 'active');
    });

    it('without --rotate, a second certificate of the same usage leaves the first active', async () => {
      const first = opensslCsr(work, 'first', 'Agency');
      const second = opensslCsr(work, 'second', 'Agency');
      await issueFromCsr(AGENCY, first.csr, join(work, 'first.pem'));
      await issueFromCsr(AGENCY, second.csr, join(work, 'second.pem'));
      assert.deepEqual(
        (await participantCertificates(AGENCY)).map((r) => r.status),
        ['active', 'active'],
      );
    });
  });

  describe('issue --generate', () => {
    it('writes a PKCS#12 (mode 0600) that openssl opens with the password from the environment', async () => {
      process.env[PASSWORD_ENV] = PASSWORD;
      const out = join(work, 'cc.p12');
      const run = ok(
        await vkhid(
          data,
          'cert',
          'issue',
          '--participant',
          CONTACT_CENTER,
          '--generate',
          '--cn',
          'Contact center',
          '--usage',
          'sign',
          '--out',
          out,
          '--password-env',
          PASSWORD_ENV,
          '--key-type',
          'ec',
          '--json',
        ),
      );
      const issued = json<{ certificate: CertificateJson; out: string }>(run);
      assert.equal(issued.out, out);
      assert.ok(!run.stdout.includes(PASSWORD));
      assert.equal(statSync(out).mode & 0o777, 0o600);
      const contents = openssl(['pkcs12', '-in', out, '-passin', `env:${PASSWORD_ENV}`, '-nodes'], work);
      assert.match(contents, /BEGIN PRIVATE KEY/);
      assert.match(contents, /subject=CN\s*=\s*Contact center, serialNumber\s*=\s*00015622/);
      const [record] = await participantCertificates(CONTACT_CENTER);
      assert.equal(record?.serialNumber, issued.certificate.serialNumber);
    });

    it('refuses a weak password: exit 1, PKI_WEAK_PASSWORD; nothing registered, no file left', async () => {
      process.env[PASSWORD_ENV] = 'short';
      const out = join(work, 'cc.p12');
      expectStderrRefusal(
        await vkhid(
          data,
          'cert',
          'issue',
          '--participant',
          CONTACT_CENTER,
          '--generate',
          '--cn',
          'CC',
          '--usage',
          'sign',
          '--out',
          out,
          '--password-env',
          PASSWORD_ENV,
        ),
        'PKI_WEAK_PASSWORD',
      );
      assert.ok(!existsSync(out));
      assert.deepEqual(await participantCertificates(CONTACT_CENTER), []);
    });

    it('usage errors: exit 2 without --password-env, with the variable unset, without --cn, over an existing file', async () => {
      const out = join(work, 'cc.p12');
      const base = [
        'cert',
        'issue',
        '--participant',
        CONTACT_CENTER,
        '--generate',
        '--usage',
        'sign',
        '--out',
        out,
      ];
      expectStderrRefusal(await vkhid(data, ...base, '--cn', 'CC'), 'CLI_USAGE', 2);
      expectStderrRefusal(
        await vkhid(data, ...base, '--cn', 'CC', '--password-env', PASSWORD_ENV),
        'CLI_USAGE',
        2,
      );
      process.env[PASSWORD_ENV] = PASSWORD;
      expectStderrRefusal(await vkhid(data, ...base, '--password-env', PASSWORD_ENV), 'CLI_USAGE', 2);
      expectStderrRefusal(
        await vkhid(data, ...base, '--cn', 'CC', '--password-env', PASSWORD_ENV, '--key-type', 'dsa'),
        'CLI_USAGE',
        2,
      );
      writeFileSync(out, 'precious');
      expectStderrRefusal(
        await vkhid(data, ...base, '--cn', 'CC', '--password-env', PASSWORD_ENV),
        'CLI_USAGE',
        2,
      );
      assert.equal(readFileSync(out, 'utf8'), 'precious');
      assert.deepEqual(await participantCertificates(CONTACT_CENTER), []);
    });
  });

  describe('import-ca and import', () => {
    it('imports an openssl CA as an anchor and a certificate it issued for a participant', async () => {
      const ca = opensslCa(work, 'qtsp', 'QTSP CA');
      const anchor = json<{ certificate: CertificateJson }>(
        ok(await vkhid(data, 'cert', 'import-ca', ca.certificate, '--json')),
      ).certificate;
      assert.equal(anchor.role, 'anchor');
      assert.equal(anchor.participantCode, null);
      const leaf = opensslIssue(work, ca, 'cc', 'Contact center');
      const imported = json<{ certificate: CertificateJson }>(
        ok(await vkhid(data, 'cert', 'import', leaf.certificate, '--participant', CONTACT_CENTER, '--json')),
      ).certificate;
      assert.equal(imported.role, 'participant-sign');
      assert.equal(imported.participantCode, CONTACT_CENTER);
      assert.equal(imported.issuer, 'CN=QTSP CA');
    });

    it('refuses a hub certificate of participant A imported for B: exit 1, CERT_PARTICIPANT_MISMATCH; nothing registered for B', async () => {
      const { csr } = opensslCsr(work, 'agency', 'Agency');
      const pem = join(work, 'agency.pem');
      await issueFromCsr(AGENCY, csr, pem);
      const run = await vkhid(data, 'cert', 'import', pem, '--participant', CONTACT_CENTER);
      expectStderrRefusal(run, 'CERT_PARTICIPANT_MISMATCH');
      assert.match(run.stderr, /bound to 00022527, not to 00015622/);
      assert.deepEqual(await participantCertificates(CONTACT_CENTER), []);
      assert.equal((await participantCertificates(AGENCY)).length, 1);
    });

    it('refuses a certificate of a CA that was never imported: exit 1, CERT_UNTRUSTED; nothing registered', async () => {
      const ca = opensslCa(work, 'unknown', 'Unknown CA');
      const leaf = opensslIssue(work, ca, 'cc', 'Contact center');
      expectJsonError(
        await vkhid(data, 'cert', 'import', leaf.certificate, '--participant', CONTACT_CENTER, '--json'),
        'CERT_UNTRUSTED',
      );
      assert.deepEqual(await participantCertificates(CONTACT_CENTER), []);
    });

    it('import-ca refuses a certificate that is not a CA: exit 1, CERT_USAGE; no anchor added', async () => {
      const ca = opensslCa(work, 'qtsp', 'QTSP CA');
      const leaf = opensslIssue(work, ca, 'leaf', 'Leaf');
      const before = await certificates();
      expectStderrRefusal(await vkhid(data, 'cert', 'import-ca', leaf.certificate), 'CERT_USAGE');
      assert.deepEqual(await certificates(), before);
    });

    it('refuses a file that is not a certificate (CERT_INVALID), and the same anchor twice (CERT_EXISTS)', async () => {
      const junk = join(work, 'junk.pem');
      writeFileSync(junk, 'not a certificate');
      expectStderrRefusal(await vkhid(data, 'cert', 'import-ca', junk), 'CERT_INVALID');
      const ca = opensslCa(work, 'qtsp', 'QTSP CA');
      ok(await vkhid(data, 'cert', 'import-ca', ca.certificate));
      expectStderrRefusal(await vkhid(data, 'cert', 'import-ca', ca.certificate), 'CERT_EXISTS');
    });

    it('a bundle of several certificates is a usage error: exit 2', async () => {
      const one = opensslCa(work, 'one', 'One CA');
      const two = opensslCa(work, 'two', 'Two CA');
      const bundle = join(work, 'bundle.pem');
      writeFileSync(bundle, readFileSync(one.certificate, 'utf8') + readFileSync(two.certificate, 'utf8'));
      const before = await certificates();
      expectStderrRefusal(await vkhid(data, 'cert', 'import-ca', bundle), 'CLI_USAGE', 2);
      assert.deepEqual(await certificates(), before);
    });
  });

  describe('revoke', () => {
    let issued: CertificateJson;
    beforeEach(async () => {
      const { csr } = opensslCsr(work, 'agency', 'Agency');
      issued = await issueFromCsr(AGENCY, csr, join(work, 'agency.pem'));
    });

    it('revokes by serial with an RFC 5280 reason', async () => {
      const run = ok(
        await vkhid(
          data,
          'cert',
          'revoke',
          issued.serialNumber,
          '--reason',
          'cessationOfOperation',
          '--json',
        ),
      );
      const revoked = json<{ certificate: CertificateJson }>(run).certificate;
      assert.equal(revoked.status, 'revoked');
      assert.equal(revoked.revocationReason, 'cessationOfOperation');
      assert.equal((await participantCertificates(AGENCY))[0]?.status, 'revoked');
    });

    it('revokes by fingerprint, with or without colons, in either case', async () => {
      ok(
        await vkhid(
          data,
          'cert',
          'revoke',
          issued.fingerprint.replace(/:/g, '').toLowerCase(),
          '--reason',
          'superseded',
        ),
      );
      assert.equal((await participantCertificates(AGENCY))[0]?.status, 'revoked');
    });

    it('refuses a reason RFC 5280 does not name: exit 1, PKI_REVOCATION_REASON; the certificate stays active', async () => {
      expectStderrRefusal(
        await vkhid(data, 'cert', 'revoke', issued.serialNumber, '--reason', 'lost'),
        'PKI_REVOCATION_REASON',
      );
      expectStderrRefusal(
        await vkhid(data, 'cert', 'revoke', issued.serialNumber, '--reason', 'certificateHold'),
        'PKI_REVOCATION_REASON',
      );
      assert.equal((await participantCertificates(AGENCY))[0]?.status, 'active');
    });

    it('refuses a second revocation (CERT_REVOKED) and an unknown serial (CERT_NOT_FOUND)', async () => {
      ok(await vkhid(data, 'cert', 'revoke', issued.serialNumber, '--reason', 'keyCompromise'));
      const [first] = await participantCertificates(AGENCY);
      expectStderrRefusal(
        await vkhid(data, 'cert', 'revoke', issued.serialNumber, '--reason', 'superseded'),
        'CERT_REVOKED',
      );
      assert.deepEqual(await participantCertificates(AGENCY), [first]);
      expectStderrRefusal(
        await vkhid(data, 'cert', 'revoke', 'ABCDEF', '--reason', 'superseded'),
        'CERT_NOT_FOUND',
      );
    });

    it('without --reason is a usage error: exit 2', async () => {
      assert.equal((await vkhid(data, 'cert', 'revoke', issued.serialNumber)).code, 2);
      assert.equal((await participantCertificates(AGENCY))[0]?.status, 'active');
    });
  });

  describe('list', () => {
    it("lists every certificate (the hub's own included) as a table; --participant and --expiring filter", async () => {
      const short = opensslCsr(work, 'short', 'Agency');
      const long = opensslCsr(work, 'long', 'Agency');
      const tenDays = await issueFromCsr(AGENCY, short.csr, join(work, 'short.pem'), '--days', '10');
      const year = await issueFromCsr(AGENCY, long.csr, join(work, 'long.pem'), '--days', '365');
      const all = await certificates();
      assert.deepEqual(all.map((c) => c.role).sort(), [
        'hub-ca',
        'hub-sign',
        'hub-tls',
        'participant-sign',
        'participant-sign',
      ]);
      assert.deepEqual(
        (await certificates('--expiring', '30')).map((c) => c.serialNumber),
        [tenDays.serialNumber],
      );
      assert.deepEqual(
        (await certificates('--expiring', '400')).map((c) => c.serialNumber),
        [tenDays.serialNumber, year.serialNumber],
      );
      assert.deepEqual(await participantCertificates(CONTACT_CENTER), []);
      const table = ok(await vkhid(data, 'cert', 'list', '--participant', AGENCY)).stdout.split('\n');
      assert.match(table[0]!, /^SERIAL\s+ROLE\s+PARTICIPANT\s+STATUS\s+NOT AFTER\s+SUBJECT$/);
      assert.ok(table[1]!.startsWith(`${tenDays.serialNumber}  participant-sign  00022527`));
      assert.equal(
        ok(await vkhid(data, 'cert', 'list', '--participant', CONTACT_CENTER, '--expiring', '30')).stdout,
        'no certificate expires within 30 days\n',
      );
    });

    it('a revoked certificate is not listed as expiring', async () => {
      const short = opensslCsr(work, 'short', 'Agency');
      const tenDays = await issueFromCsr(AGENCY, short.csr, join(work, 'short.pem'), '--days', '10');
      ok(await vkhid(data, 'cert', 'revoke', tenDays.serialNumber, '--reason', 'superseded'));
      assert.deepEqual(await certificates('--expiring', '30'), []);
    });

    it('a bad --expiring is a usage error: exit 2', async () => {
      expectStderrRefusal(await vkhid(data, 'cert', 'list', '--expiring', 'soon'), 'CLI_USAGE', 2);
      expectStderrRefusal(await vkhid(data, 'cert', 'list', '--expiring', '-1'), 'CLI_USAGE', 2);
    });
  });

  describe('crl', () => {
    it('an empty CRL in DER that openssl reads and verifies with the hub CA', async () => {
      const out = join(work, 'empty.crl');
      const run = json<{ revoked: string[]; format: string }>(
        ok(await vkhid(data, 'cert', 'crl', '--out', out, '--json')),
      );
      assert.deepEqual(run.revoked, []);
      assert.equal(run.format, 'der');
      const text = opensslOutput(
        ['crl', '-inform', 'DER', '-in', out, '-noout', '-text', '-CAfile', join(data, 'pki', 'ca.pem')],
        work,
      );
      assert.match(text, /verify OK/);
      assert.match(text, /No Revoked Certificates/);
    });

    it('--pem writes PEM; the revoked serial is listed, the CRL number grows', async () => {
      const { csr } = opensslCsr(work, 'agency', 'Agency');
      const issued = await issueFromCsr(AGENCY, csr, join(work, 'agency.pem'));
      ok(await vkhid(data, 'cert', 'revoke', issued.serialNumber, '--reason', 'affiliationChanged'));
      const first = join(work, 'first.crl.pem');
      const second = join(work, 'second.crl.pem');
      const listed = json<{ revoked: string[] }>(
        ok(await vkhid(data, 'cert', 'crl', '--out', first, '--pem', '--json')),
      ).revoked;
      assert.deepEqual(listed, [issued.serialNumber]);
      ok(await vkhid(data, 'cert', 'crl', '--out', second, '--pem'));
      assert.match(readFileSync(first, 'utf8'), /^-----BEGIN X509 CRL-----/);
      const text = openssl(['crl', '-in', first, '-noout', '-text'], work);
      assert.match(text, new RegExp(`Serial Number: ${issued.serialNumber}`, 'i'));
      assert.match(text, /Affiliation Changed/);
      const number = (file: string) =>
        Number(
          /X509v3 CRL Number:\s*\n\s*(\d+)/.exec(openssl(['crl', '-in', file, '-noout', '-text'], work))?.[1],
        );
      assert.ok(number(second) > number(first));
    });

    it('an unwritable --out refuses before publishing: exit 1, CLI_FILE_UNREADABLE', async () => {
      expectStderrRefusal(
        await vkhid(data, 'cert', 'crl', '--out', '/nonexistent/dir/crl.der'),
        'CLI_FILE_UNREADABLE',
      );
    });
  });
});
