/**
 * Rules of certificate import, revocation and the audit trail that the admin API relies on (hub-pki.ts and
 * registry.ts): imported certificates never enter the hub CA's CRL, an import names a real usage, an
 * ambiguous serial is refused, and a limited audit trail is the latest entries.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { VkhidError } from '../../gateway/errors/vkhid-error.js';
import {
  currentCrl,
  importAnchor,
  importParticipantCertificate,
  issueParticipantCertificate,
  revokeCertificate,
} from '../../gateway/hub/hub-pki.js';
import type { CertificateUsage } from '../../gateway/pki/certificate-issuer.js';
import { edrpou, openssl, opensslCsr, openTestHub, writeScratch, type TestHub } from './admin-test-hub.js';

describe('certificate import, revocation and audit rules', () => {
  let testHub: TestHub;
  const agency = edrpou('2468024');

  /** A foreign CA (anchor) and a signing certificate it issued for `agency`, optionally with a chosen serial. */
  function foreignCertificate(name: string, serialHex?: string): string {
    const dir = testHub.scratch;
    opensslCsr(dir, name, `Foreign ${name}`, ['ec', '-pkeyopt', 'ec_paramgen_curve:P-256']);
    writeScratch(
      dir,
      `${name}.ext`,
      'basicConstraints=CA:FALSE\nkeyUsage=critical,digitalSignature,nonRepudiation\n',
    );
    openssl(
      [
        'x509',
        '-req',
        '-in',
        `${name}.csr`,
        '-CA',
        'qtsp.pem',
        '-CAkey',
        'qtsp.key',
        ...(serialHex === undefined ? ['-CAcreateserial'] : ['-set_serial', `0x${serialHex}`]),
        '-days',
        '200',
        '-extfile',
        `${name}.ext`,
        '-out',
        `${name}.pem`,
      ],
      dir,
    );
    return readFileSync(join(dir, `${name}.pem`), 'utf8');
  }

  before(async () => {
    testHub = await openTestHub();
    await testHub.hub.registry.addParticipant({ code: agency, fullName: 'Agency', kind: 'agency' }, 'test');
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
        '/CN=Known-bugs QTSP',
        '-addext',
        'basicConstraints=critical,CA:TRUE',
        '-addext',
        'keyUsage=critical,keyCertSign,cRLSign',
      ],
      testHub.scratch,
    );
    await importAnchor(testHub.hub, readFileSync(join(testHub.scratch, 'qtsp.pem'), 'utf8'), 'test');
  });

  after(async () => {
    await testHub?.close();
  });

  it('hub-pki importParticipantCertificate records an imported certificate as not issued by the hub, and the hub CRL does not list it', async () => {
    const imported = await importParticipantCertificate(
      testHub.hub,
      foreignCertificate('imported'),
      { participantCode: agency, usage: 'sign' },
      'test',
    );
    await revokeCertificate(testHub.hub, imported.fingerprint, 'keyCompromise', 'test');
    const crl = writeScratch(testHub.scratch, 'known-bugs.crl', await currentCrl(testHub.hub));
    const text = openssl(['crl', '-inform', 'DER', '-noout', '-text', '-in', crl], testHub.scratch);
    assert.doesNotMatch(text, new RegExp(imported.serialNumber, 'i'));
    assert.equal(imported.issuedByHub, false);
  });

  it('hub-pki importParticipantCertificate refuses a usage other than sign or tls', async () => {
    const pem = foreignCertificate('usage');
    await assert.rejects(
      importParticipantCertificate(
        testHub.hub,
        pem,
        { participantCode: agency, usage: 'email' as CertificateUsage },
        'test',
      ),
      (error: unknown) => error instanceof VkhidError && error.code === 'PKI_REQUEST_INVALID',
    );
  });

  it('registry revokeCertificate by serial refuses when two issuers used that serial, instead of revoking one of them', async () => {
    const csr = opensslCsr(testHub.scratch, 'hub-issued', 'Hub issued', [
      'ec',
      '-pkeyopt',
      'ec_paramgen_curve:P-256',
    ]);
    const hubIssued = await issueParticipantCertificate(
      testHub.hub,
      csr,
      { participantCode: agency, usage: 'sign', validityDays: 30 },
      'test',
    );
    const twin = await importParticipantCertificate(
      testHub.hub,
      foreignCertificate('twin', hubIssued.serialNumber),
      { participantCode: agency, usage: 'tls' },
      'test',
    );
    assert.equal(
      twin.serialNumber,
      hubIssued.serialNumber,
      'the same serial from another issuer (UNIQUE (issuer, serial_number) allows it)',
    );
    // Serials are unique per issuer only: the serial alone is refused, the fingerprint is not.
    await assert.rejects(revokeCertificate(testHub.hub, hubIssued.serialNumber, 'superseded', 'test'), {
      code: 'CERT_AMBIGUOUS',
    });
    const revoked = await revokeCertificate(testHub.hub, hubIssued.fingerprint, 'superseded', 'test');
    assert.equal(revoked.fingerprint, hubIssued.fingerprint);
  });

  it('registry auditTrail({ limit }) returns the latest entries, not the oldest', async () => {
    for (let index = 0; index < 5; index += 1) {
      await testHub.hub.registry.updateParticipant(agency, { shortName: `Agency ${index}` }, 'test:audit');
    }
    const [latest] = await testHub.hub.registry.auditTrail({
      entity: 'participant',
      entityId: agency,
      limit: 1,
    });
    assert.equal((latest?.after as { shortName?: string } | undefined)?.shortName, 'Agency 4');
  });
});
