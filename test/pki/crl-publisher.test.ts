import 'reflect-metadata';
import assert from 'node:assert/strict';
import { generateKeyPairSync, verify as verifySignature, X509Certificate } from 'node:crypto';
import { X509Crl, X509CrlReason } from '@peculiar/x509';
import { issueFromCsr } from '../../gateway/pki/certificate-issuer.js';
import {
  createCrl,
  crlToPem,
  parseRevocationReason,
  REVOCATION_REASONS,
  type RevocationReason,
  type RevokedCertificate,
} from '../../gateway/pki/crl-publisher.js';
import { createCsr } from '../../gateway/pki/csr.js';
import { certificateSubject, childrenOf, readSingle, slice } from '../../gateway/pki/der.js';
import { createHubCa, type CreatedHubCa } from '../../gateway/pki/hub-ca.js';
import { DAY, edrpou, expectRejects, Scratch } from './fixtures/pki-kit.js';

const AGENCY = edrpou('2113411');
/** A serial with the high bit set (DER needs a leading zero octet), issued by openssl with the hub CA key. */
const HIGH_BIT_SERIAL = '80F1E2D3C4B5A69788796A5B4C3D2E1F';

describe('CRLs', () => {
  const scratch = new Scratch();
  const thisUpdate = new Date(Math.floor(Date.now() / 1000) * 1000 - 60_000);
  const nextUpdate = new Date(thisUpdate.getTime() + 7 * DAY);
  let ca: CreatedHubCa;
  let revokedSerial: string;
  let goodSerial: string;
  let crl: Buffer;

  async function issueTo(name: string): Promise<string> {
    const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const csr = await createCsr({
      privateKeyPem: privateKey.export({ type: 'pkcs8', format: 'pem' }) as string,
      commonName: name,
    });
    const issued = await issueFromCsr(ca, csr, { participantCode: AGENCY, usage: 'sign', validityDays: 90 });
    scratch.write(`${name}.pem`, issued.certificatePem);
    return issued.serialNumber;
  }

  function verify(name: string, crlFile = 'crl.pem'): { status: number | null; output: string } {
    const result = scratch.openssl([
      'verify',
      '-crl_check',
      '-CAfile',
      'ca.pem',
      '-CRLfile',
      crlFile,
      `${name}.pem`,
    ]);
    return { status: result.status, output: result.stdout + result.stderr };
  }

  before(async () => {
    ca = await createHubCa({ commonName: 'Vkhid CRL Root', organization: 'Vkhid', validityYears: 2 });
    scratch.write('ca.pem', ca.certificatePem);
    scratch.write('ca.key', ca.privateKeyPem);
    revokedSerial = await issueTo('revoked');
    goodSerial = await issueTo('good');
    scratch.opensslOk([
      'req',
      '-new',
      '-newkey',
      'ec',
      '-pkeyopt',
      'ec_paramgen_curve:P-256',
      '-nodes',
      '-keyout',
      'high.key',
      '-subj',
      '/CN=High bit',
      '-out',
      'high.csr',
    ]);
    scratch.write('leaf.ext', 'basicConstraints=critical,CA:FALSE\nkeyUsage=critical,digitalSignature\n');
    scratch.opensslOk([
      'x509',
      '-req',
      '-in',
      'high.csr',
      '-CA',
      'ca.pem',
      '-CAkey',
      'ca.key',
      '-set_serial',
      `0x${HIGH_BIT_SERIAL}`,
      '-days',
      '30',
      '-extfile',
      'leaf.ext',
      '-out',
      'high.pem',
    ]);
    crl = await createCrl(
      ca,
      [
        {
          serialNumber: revokedSerial,
          revokedAt: new Date(thisUpdate.getTime() - DAY),
          reason: 'keyCompromise',
        },
        { serialNumber: HIGH_BIT_SERIAL.toLowerCase(), revokedAt: thisUpdate, reason: 'superseded' },
        { serialNumber: '0A1B2C', revokedAt: thisUpdate, reason: 'unspecified' },
      ],
      { thisUpdate, nextUpdate, crlNumber: 42 },
    );
    scratch.write('crl.der', crl);
    scratch.write('crl.pem', crlToPem(crl));
  });

  after(() => scratch.remove());

  it('openssl reads it: v2, the CA as issuer, CRL number, authority key identifier, update times', () => {
    const text = scratch.opensslOk(['crl', '-inform', 'DER', '-in', 'crl.der', '-noout', '-text']);
    assert.match(text, /Version 2 \(0x1\)/);
    assert.match(text, /Signature Algorithm: sha256WithRSAEncryption/);
    assert.match(text, /Issuer: C = UA, O = Vkhid, CN = Vkhid CRL Root/);
    assert.match(text, /X509v3 CRL Number:\s+42\s/);
    assert.match(text, /X509v3 Authority Key Identifier:/);
    const crlInfo = new X509Crl(new Uint8Array(crl));
    assert.equal(crlInfo.thisUpdate.getTime(), thisUpdate.getTime());
    assert.equal(crlInfo.nextUpdate?.getTime(), nextUpdate.getTime());
  });

  it('lists each revoked serial with its reason code, and no reason code for unspecified', () => {
    const text = scratch.opensslOk(['crl', '-inform', 'DER', '-in', 'crl.der', '-noout', '-text']);
    assert.match(
      text,
      new RegExp(
        `Serial Number: ${revokedSerial}\\s+Revocation Date: [^\\n]+\\s+CRL entry extensions:\\s+X509v3 CRL Reason Code:\\s+Key Compromise`,
      ),
    );
    assert.match(
      text,
      new RegExp(
        `Serial Number: ${HIGH_BIT_SERIAL}\\s+Revocation Date: [^\\n]+\\s+CRL entry extensions:\\s+X509v3 CRL Reason Code:\\s+Superseded`,
      ),
    );
    assert.match(text, /Serial Number: 0A1B2C\s+Revocation Date: [^\n]+\n(?!\s+CRL entry extensions)/);
    const entries = new X509Crl(new Uint8Array(crl)).entries;
    assert.deepEqual(
      entries.map((entry) => [entry.serialNumber.toUpperCase(), entry.reason]),
      [
        [revokedSerial, X509CrlReason.keyCompromise],
        [HIGH_BIT_SERIAL, X509CrlReason.superseded],
        ['0A1B2C', undefined],
      ],
    );
  });

  it('is signed by the CA, and its issuer is the CA subject byte for byte', () => {
    const [tbs, , signature] = childrenOf(crl, readSingle(crl));
    const signatureValue = crl.subarray(signature!.contentStart + 1, signature!.end);
    assert.ok(
      verifySignature(
        'sha256',
        slice(crl, tbs!),
        new X509Certificate(ca.certificatePem).publicKey,
        signatureValue,
      ),
    );
    const [version, , issuer] = childrenOf(crl, tbs!);
    assert.equal(version?.tag, 0x02);
    assert.deepEqual(slice(crl, issuer!), certificateSubject(new X509Certificate(ca.certificatePem).raw));
  });

  it('makes openssl verify -crl_check report the revoked certificates as revoked and the other as OK', () => {
    for (const name of ['revoked', 'high']) {
      const result = verify(name);
      assert.notEqual(result.status, 0, result.output);
      assert.match(result.output, /certificate revoked/);
    }
    const good = verify('good');
    assert.equal(good.status, 0, good.output);
    assert.match(good.output, /good\.pem: OK/);
    assert.ok(goodSerial !== revokedSerial);
  });

  it('an empty CRL revokes nothing', async () => {
    scratch.write('empty.pem', crlToPem(await createCrl(ca, [], { thisUpdate, nextUpdate, crlNumber: 43n })));
    assert.equal(verify('revoked', 'empty.pem').status, 0);
    assert.match(
      scratch.opensslOk(['crl', '-in', 'empty.pem', '-noout', '-text']),
      /No Revoked Certificates/,
    );
  });

  describe('revocation reasons', () => {
    it('parses every RFC 5280 reason the hub uses', () => {
      assert.deepEqual(REVOCATION_REASONS, [
        'unspecified',
        'keyCompromise',
        'cACompromise',
        'affiliationChanged',
        'superseded',
        'cessationOfOperation',
        'privilegeWithdrawn',
      ]);
      for (const reason of REVOCATION_REASONS) assert.equal(parseRevocationReason(reason), reason);
    });

    it('refuses unknown reasons, certificateHold and wrong spellings', async () => {
      for (const reason of [
        'certificateHold',
        'removeFromCRL',
        'aACompromise',
        'KeyCompromise',
        'key_compromise',
        '',
        'superseded ',
      ]) {
        await expectRejects(() => parseRevocationReason(reason), 'PKI_REVOCATION_REASON', 'reason');
      }
      const entry = {
        serialNumber: goodSerial,
        revokedAt: thisUpdate,
        reason: 'certificateHold' as RevocationReason,
      };
      await expectRejects(
        () => createCrl(ca, [entry], { thisUpdate, nextUpdate, crlNumber: 1 }),
        'PKI_REVOCATION_REASON',
      );
    });

    it('writes each reason as its RFC 5280 code, read back by openssl', async () => {
      const serials = REVOCATION_REASONS.map((_, index) =>
        (0x100 + index).toString(16).toUpperCase().padStart(4, '0'),
      );
      const entries = REVOCATION_REASONS.map((reason, index): RevokedCertificate => ({
        serialNumber: serials[index]!,
        revokedAt: thisUpdate,
        reason,
      }));
      const text = scratch.opensslOk(
        ['crl', '-noout', '-text'],
        crlToPem(await createCrl(ca, entries, { thisUpdate, nextUpdate, crlNumber: 44 })),
      );
      for (const label of [
        'Key Compromise',
        'CA Compromise',
        'Affiliation Changed',
        'Superseded',
        'Cessation Of Operation',
        'Privilege Withdrawn',
      ]) {
        assert.match(text, new RegExp(`X509v3 CRL Reason Code:\\s+${label}\\s`));
      }
      assert.equal(text.match(/X509v3 CRL Reason Code/g)?.length, REVOCATION_REASONS.length - 1);
    });
  });

  describe('refusals', () => {
    const entry = (serialNumber: string, revokedAt = thisUpdate): RevokedCertificate => ({
      serialNumber,
      revokedAt,
      reason: 'superseded',
    });

    it('refuses a next update that is not after this update', async () => {
      await expectRejects(
        () => createCrl(ca, [], { thisUpdate, nextUpdate: thisUpdate, crlNumber: 1 }),
        'PKI_REQUEST_INVALID',
        'nextUpdate',
      );
      await expectRejects(
        () => createCrl(ca, [], { thisUpdate, nextUpdate: new Date(Number.NaN), crlNumber: 1 }),
        'PKI_REQUEST_INVALID',
        'nextUpdate',
      );
    });

    it('refuses malformed or repeated serial numbers', async () => {
      for (const serial of ['', 'XYZ', '00', '0x1F', 'AB:CD', '1'.repeat(41)]) {
        await expectRejects(
          () => createCrl(ca, [entry(serial)], { thisUpdate, nextUpdate, crlNumber: 1 }),
          'PKI_REQUEST_INVALID',
          'revoked[0].serialNumber',
        );
      }
      await expectRejects(
        () => createCrl(ca, [entry('0ab1'), entry('AB1')], { thisUpdate, nextUpdate, crlNumber: 1 }),
        'PKI_REQUEST_INVALID',
        'revoked[1].serialNumber',
      );
    });

    it('lists a revocation dated just after this update, and refuses one dated well after', async () => {
      const options = { thisUpdate, nextUpdate, crlNumber: 1 };
      const justAfter = await createCrl(ca, [entry('01', new Date(thisUpdate.getTime() + 1000))], options);
      assert.equal(new X509Crl(new Uint8Array(justAfter)).entries.length, 1);
      await expectRejects(
        () => createCrl(ca, [entry('01', new Date(thisUpdate.getTime() + 6 * 60_000))], options),
        'PKI_REQUEST_INVALID',
        'revoked[0].revokedAt',
      );
    });

    it('refuses a CRL number that is negative, fractional or longer than 20 octets', async () => {
      for (const crlNumber of [-1, 1.5, -1n, 1n << 159n, Number.MAX_SAFE_INTEGER + 2]) {
        await expectRejects(
          () => createCrl(ca, [], { thisUpdate, nextUpdate, crlNumber }),
          'PKI_REQUEST_INVALID',
          'crlNumber',
        );
      }
    });

    it('refuses to sign after the CA expired', async () => {
      const later = new Date(ca.notAfter.getTime() + DAY);
      await expectRejects(
        () =>
          createCrl(ca, [], { thisUpdate: later, nextUpdate: new Date(later.getTime() + DAY), crlNumber: 1 }),
        'CERT_EXPIRED',
      );
    });
  });
});
