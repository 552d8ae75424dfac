/**
 * Certificate rules seen through the CLI: an imported certificate is not the hub's to publish in its CRL, and
 * a serial shared by two issuers is refused in favour of the fingerprint.
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import {
  AGENCY,
  CONTACT_CENTER,
  copyHub,
  initialisedHub,
  json,
  ok,
  opensslCa,
  opensslIssue,
  removeTemporaryDirectories,
  temporaryDirectory,
  vkhid,
} from './fixtures/hub-cli.js';

interface CertificateJson {
  serialNumber: string;
  fingerprint: string;
  status: string;
  issuer: string;
  participantCode: string | null;
  issuedByHub: boolean;
}

describe('certificate rules through the CLI', function () {
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
  after(removeTemporaryDirectories);

  const certificates = async (...filter: string[]): Promise<CertificateJson[]> =>
    json<{ certificates: CertificateJson[] }>(ok(await vkhid(data, 'cert', 'list', ...filter, '--json')))
      .certificates;

  // gateway/hub/hub-pki.ts: importParticipantCertificate() goes through register(), which always records
  // issuedByHub: true. currentCrl() then publishes the serial of a certificate another CA issued in the hub
  // CA's CRL: a relying party reading the CRL would take it as revoking the hub certificate with that serial.
  it('an imported certificate issued by an external CA is not recorded as issued by the hub, and is not in the hub CRL', async () => {
    const ca = opensslCa(work, 'qtsp', 'QTSP CA');
    ok(await vkhid(data, 'cert', 'import-ca', ca.certificate));
    const leaf = opensslIssue(work, ca, 'cc', 'Contact center');
    const imported = json<{ certificate: CertificateJson }>(
      ok(await vkhid(data, 'cert', 'import', leaf.certificate, '--participant', CONTACT_CENTER, '--json')),
    ).certificate;
    ok(await vkhid(data, 'cert', 'revoke', imported.serialNumber, '--reason', 'keyCompromise'));
    const crl = json<{ revoked: string[] }>(
      ok(await vkhid(data, 'cert', 'crl', '--out', join(work, 'crl.der'), '--json')),
    );
    assert.deepEqual(crl.revoked, [], 'the hub CRL lists only serials the hub CA issued');
    assert.equal(imported.issuedByHub, false);
  });

  // gateway/registry/registry.ts: findCertificate() matches `serial_number = ?` and returns rows[0]. Serials are
  // unique per issuer only (the table's UNIQUE (issuer, serial_number)), so with two anchors a serial can name two
  // certificates, and `cert revoke SERIAL` revokes whichever row SQLite returns first. An ambiguous serial should
  // be refused (asking for the fingerprint) with nothing revoked. (The audit trail files certificates under their
  // serial too, so the two certificates' histories are also mixed.)
  it('a serial shared by certificates of two different CAs is refused as ambiguous; nothing is revoked', async () => {
    const first = opensslCa(work, 'first-ca', 'First QTSP');
    const second = opensslCa(work, 'second-ca', 'Second QTSP');
    ok(await vkhid(data, 'cert', 'import-ca', first.certificate));
    ok(await vkhid(data, 'cert', 'import-ca', second.certificate));
    const agencyLeaf = opensslIssue(work, first, 'agency', 'Agency', { serial: '0x1001' });
    const ccLeaf = opensslIssue(work, second, 'cc', 'Contact center', { serial: '0x1001' });
    ok(await vkhid(data, 'cert', 'import', agencyLeaf.certificate, '--participant', AGENCY));
    ok(await vkhid(data, 'cert', 'import', ccLeaf.certificate, '--participant', CONTACT_CENTER));
    const run = await vkhid(data, 'cert', 'revoke', '1001', '--reason', 'keyCompromise');
    assert.equal(
      run.code,
      1,
      `revoke of an ambiguous serial must refuse; it printed:\n${run.stdout}${run.stderr}`,
    );
    const statuses = (await certificates()).filter((c) => c.serialNumber === '1001').map((c) => c.status);
    assert.deepEqual(statuses, ['active', 'active']);
  });
});
