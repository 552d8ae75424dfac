/**
 * The issue's "done when", end to end through the command line: a new administrator initialises a hub,
 * registers the contact center and an agency with memoranda, issues certificates from CSRs made by `openssl`,
 * imports an external CA and a certificate it issued, and `vkhid envelope verify` (without --ca) follows every
 * registry decision: valid, revoked, restored, memorandum suspended.
 */
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { schemasDirectory } from '../../gateway/package-paths.js';
import {
  activeParticipant,
  AGENCY,
  CONTACT_CENTER,
  json,
  openssl,
  opensslCa,
  opensslCsr,
  opensslIssue,
  ok,
  removeTemporaryDirectories,
  signEnvelope,
  temporaryDirectory,
  vkhid,
} from './fixtures/hub-cli.js';
import { expectJsonRefusal, expectStderrRefusal, stdoutJson } from './fixtures/run-vkhid.js';

const APPEAL = join(schemasDirectory, 'examples', 'appeal.xml');

interface CertificateJson {
  serialNumber: string;
  fingerprint: string;
  role: string;
  status: string;
  participantCode: string | null;
  notAfter: string;
  issuedByHub: boolean;
}

describe('vkhid registry workflow (CLI, end to end)', function () {
  this.timeout(180_000);

  after(removeTemporaryDirectories);

  it('init, participants, memoranda, certificates from CSRs and an external CA: verify follows the registry', async () => {
    const work = temporaryDirectory();
    const data = join(work, 'data');

    // 1. A new user initialises a hub; a second init is refused.
    const init = json<{
      ok: boolean;
      dataDir: string;
      ca: { certificate: string; key: string; fingerprint: string; notAfter: string };
    }>(ok(await vkhid(data, 'init', '--json')));
    assert.equal(init.ok, true);
    assert.equal(init.dataDir, data);
    assert.ok(existsSync(init.ca.certificate) && existsSync(init.ca.key));
    assert.match(init.ca.fingerprint, /^([0-9A-F]{2}:){31}[0-9A-F]{2}$/);
    assert.ok(Date.parse(init.ca.notAfter) > Date.now() + 5 * 365 * 86_400_000);
    expectStderrRefusal(await vkhid(data, 'init'), 'HUB_ALREADY_INITIALISED');

    // 2. The contact center and the agency, each active with a memorandum covering appeals in force today.
    await activeParticipant(data, CONTACT_CENTER, 'contact-center', { number: 'CC-1/2025' });
    await activeParticipant(data, AGENCY, 'agency', { number: 'KMDA-7/2025' });
    const participants = json<{ participants: { code: string; status: string }[] }>(
      ok(await vkhid(data, 'participant', 'list', '--json')),
    );
    assert.deepEqual(
      participants.participants.map((p) => [p.code, p.status]),
      [
        [CONTACT_CENTER, 'active'],
        [AGENCY, 'active'],
      ],
    );

    // 3. Certificates for the agency from CSRs made by openssl: signing for a year, TLS for ten days.
    const agencySign = opensslCsr(work, 'agency-sign', 'Agency');
    const agencyTls = opensslCsr(work, 'agency-tls', 'Agency');
    const signPem = join(work, 'agency-sign.pem');
    const tlsPem = join(work, 'agency-tls.pem');
    const issuedSign = json<{ certificate: CertificateJson }>(
      ok(
        await vkhid(
          data,
          'cert',
          'issue',
          '--participant',
          AGENCY,
          '--csr',
          agencySign.csr,
          '--usage',
          'sign',
          '--out',
          signPem,
          '--days',
          '365',
          '--json',
        ),
      ),
    ).certificate;
    const issuedTls = json<{ certificate: CertificateJson }>(
      ok(
        await vkhid(
          data,
          'cert',
          'issue',
          '--participant',
          AGENCY,
          '--csr',
          agencyTls.csr,
          '--usage',
          'tls',
          '--out',
          tlsPem,
          '--days',
          '10',
          '--json',
        ),
      ),
    ).certificate;
    assert.equal(issuedSign.role, 'participant-sign');
    assert.equal(issuedTls.role, 'participant-tls');
    // The written PEM is the certificate of the CSR's key, bound to the agency in its subject.
    assert.match(
      openssl(['x509', '-in', signPem, '-noout', '-subject'], work),
      /serialNumber\s*=\s*00022527/,
    );
    assert.equal(
      openssl(['x509', '-in', signPem, '-noout', '-pubkey'], work),
      openssl(['pkey', '-in', agencySign.key, '-pubout'], work),
    );

    // 4. The contact center's signing certificate from its CSR; it signs the example appeal, verify says valid.
    const ccRequest = opensslCsr(work, 'cc-sign', 'Contact center');
    const ccPem = join(work, 'cc-sign.pem');
    const ccCertificate = json<{ certificate: CertificateJson }>(
      ok(
        await vkhid(
          data,
          'cert',
          'issue',
          '--participant',
          CONTACT_CENTER,
          '--csr',
          ccRequest.csr,
          '--usage',
          'sign',
          '--out',
          ccPem,
          '--json',
        ),
      ),
    ).certificate;
    const signed = await signEnvelope(APPEAL, ccRequest.key, ccPem, join(work, 'signed.xml'));
    const valid = stdoutJson(ok(await vkhid(data, 'envelope', 'verify', signed)));
    assert.equal(valid.valid, true);
    assert.equal(valid.sender, CONTACT_CENTER);
    assert.equal(valid.recipient, AGENCY);
    assert.match(String(valid.signer), /Contact center/);

    // 5. Revoked: verify says CERT_REVOKED, and the DER CRL openssl reads lists the serial.
    ok(await vkhid(data, 'cert', 'revoke', ccCertificate.serialNumber, '--reason', 'keyCompromise'));
    expectJsonRefusal(await vkhid(data, 'envelope', 'verify', signed), 'CERT_REVOKED');
    const crl = join(work, 'crl.der');
    ok(await vkhid(data, 'cert', 'crl', '--out', crl));
    const crlText = openssl(['crl', '-inform', 'DER', '-in', crl, '-noout', '-text'], work);
    assert.match(crlText, new RegExp(`Serial Number: ${ccCertificate.serialNumber}\\b`, 'i'));
    assert.match(crlText, /Key Compromise/);

    // 6. Restored with a new certificate, from an external CA made by openssl and imported as an anchor.
    const externalCa = opensslCa(work, 'external-ca', 'Qualified Trust Service Provider');
    const anchor = json<{ certificate: CertificateJson }>(
      ok(await vkhid(data, 'cert', 'import-ca', externalCa.certificate, '--json')),
    ).certificate;
    assert.equal(anchor.role, 'anchor');
    const external = opensslIssue(work, externalCa, 'cc-external', 'Contact center (QTSP)');
    const imported = json<{ certificate: CertificateJson }>(
      ok(
        await vkhid(
          data,
          'cert',
          'import',
          '--participant',
          CONTACT_CENTER,
          external.certificate,
          '--usage',
          'sign',
          '--json',
        ),
      ),
    ).certificate;
    assert.equal(imported.participantCode, CONTACT_CENTER);
    const signedAgain = await signEnvelope(
      APPEAL,
      external.key,
      external.certificate,
      join(work, 'signed-again.xml'),
    );
    assert.equal(stdoutJson(ok(await vkhid(data, 'envelope', 'verify', signedAgain))).valid, true);

    // 7. The contact center's memorandum suspended: verify says MEMORANDUM_NOT_IN_FORCE.
    ok(await vkhid(data, 'memorandum', 'suspend', 'CC-1/2025', '--reason', 'audit of the contact center'));
    const refused = expectJsonRefusal(
      await vkhid(data, 'envelope', 'verify', signedAgain),
      'MEMORANDUM_NOT_IN_FORCE',
    );
    assert.match(String(refused.message), /00015622/);

    // 8. Expiring within 30 days: the ten-day certificate, not the one-year one.
    const expiring = json<{ certificates: CertificateJson[] }>(
      ok(await vkhid(data, 'cert', 'list', '--expiring', '30', '--json')),
    ).certificates;
    const serials = expiring.map((c) => c.serialNumber);
    assert.ok(
      serials.includes(issuedTls.serialNumber),
      `the 10-day certificate is listed: ${serials.join(', ')}`,
    );
    assert.ok(!serials.includes(issuedSign.serialNumber), 'the 365-day certificate is not listed');
    const expiringText = ok(await vkhid(data, 'cert', 'list', '--expiring', '30')).stdout;
    assert.ok(expiringText.includes(issuedTls.serialNumber));
    assert.ok(!expiringText.includes(issuedSign.serialNumber));

    // 9. The audit trail has the suspension with its before and after.
    const trail = json<{
      entries: { action: string; actor: string; before: { status: string }; after: { status: string } }[];
    }>(
      ok(await vkhid(data, 'audit', 'list', '--entity', 'memorandum', '--id', 'CC-1/2025', '--json')),
    ).entries;
    const suspension = trail.find((entry) => entry.action === 'memorandum.suspended');
    assert.ok(suspension !== undefined, JSON.stringify(trail));
    assert.equal(suspension.before.status, 'active');
    assert.equal(suspension.after.status, 'suspended');
    assert.match(suspension.actor, /^cli:.+/);
    assert.ok(readFileSync(crl).length > 0);
  });
});
