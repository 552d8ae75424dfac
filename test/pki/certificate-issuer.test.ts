import 'reflect-metadata';
import assert from 'node:assert/strict';
import { createPrivateKey, webcrypto, X509Certificate } from 'node:crypto';
import {
  BasicConstraintsExtension,
  ExtendedKeyUsage,
  ExtendedKeyUsageExtension,
  KeyUsageFlags,
  KeyUsagesExtension,
  Name,
  SubjectAlternativeNameExtension,
  X509Certificate as PeculiarCertificate,
  X509CertificateGenerator,
} from '@peculiar/x509';
import { issueFromCsr, participantCodeOf, MAX_CSR_BYTES } from '../../gateway/pki/certificate-issuer.js';
import { decodePem } from '../../gateway/pki/der.js';
import { createHubCa, type CreatedHubCa } from '../../gateway/pki/hub-ca.js';
import { CertificatePathValidator } from '../../gateway/trust/certificate-path-validator.js';
import { createCa, issueCertificate } from '../support/test-pki.js';
import { DAY, edrpou, expectRejects, invalidEdrpou, Scratch } from './fixtures/pki-kit.js';

const AGENCY = edrpou('4372361');
const AGENCY_NAME = 'Міністерство цифрової трансформації України';

describe('issuing certificates from CSRs', () => {
  const scratch = new Scratch();
  let ca: CreatedHubCa;
  let validator: CertificatePathValidator;
  /** openssl-made requests by name; `<name>.csr` and `<name>.key` in the scratch directory. */
  const csr = (name: string): string => scratch.read(`${name}.csr`).toString('utf8');

  function opensslCsr(
    name: string,
    keyArgs: readonly string[],
    subject: string,
    extra: readonly string[] = [],
  ): void {
    scratch.opensslOk([
      'req',
      '-new',
      ...keyArgs,
      '-nodes',
      '-keyout',
      `${name}.key`,
      '-out',
      `${name}.csr`,
      '-subj',
      subject,
      '-utf8',
      ...extra,
    ]);
  }

  before(async () => {
    ca = await createHubCa({ commonName: 'Vkhid Test Root', organization: 'Vkhid', validityYears: 5 });
    scratch.write('ca.pem', ca.certificatePem);
    validator = new CertificatePathValidator([new X509Certificate(ca.certificatePem)]);
    opensslCsr(
      'rsa2048',
      ['-newkey', 'rsa:2048'],
      `/CN=${AGENCY_NAME}/O=Somebody else/serialNumber=00000000`,
      [
        '-addext',
        'basicConstraints=critical,CA:TRUE',
        '-addext',
        'keyUsage=critical,keyCertSign,cRLSign',
        '-addext',
        'extendedKeyUsage=codeSigning',
        '-addext',
        'subjectAltName=DNS:evil.example',
      ],
    );
    opensslCsr('p256', ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256'], '/CN=EC agency');
    opensslCsr('p384', ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-384'], '/CN=P-384 agency');
    opensslCsr('rsa1024', ['-newkey', 'rsa:1024'], '/CN=Weak agency');
    opensslCsr('k256', ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:secp256k1'], '/CN=Bitcoin agency');
    opensslCsr('ed25519', ['-newkey', 'ed25519'], '/CN=Edwards agency');
    opensslCsr('nocn', ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256'], '/O=Only an organisation');
    opensslCsr('twocn', ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256'], '/CN=One/CN=Two');
    opensslCsr('plain', ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256'], '/CN=Agency A');
    scratch.opensslOk([
      'req',
      '-new',
      '-key',
      'rsa2048.key',
      '-sha1',
      '-subj',
      '/CN=SHA-1 agency',
      '-out',
      'sha1.csr',
    ]);
  });

  after(() => scratch.remove());

  const issue = (request: string | Uint8Array, options: Partial<Parameters<typeof issueFromCsr>[2]> = {}) =>
    issueFromCsr(ca, request, { participantCode: AGENCY, usage: 'sign', validityDays: 365, ...options });

  describe('an openssl RSA-2048 request for signing', () => {
    let issued: Awaited<ReturnType<typeof issueFromCsr>>;
    let certificate: X509Certificate;

    before(async () => {
      issued = await issue(csr('rsa2048'));
      certificate = new X509Certificate(issued.certificatePem);
      scratch.write('rsa2048.pem', issued.certificatePem);
    });

    it('is issued for the key in the request', () => {
      assert.ok(certificate.checkPrivateKey(createPrivateKey(scratch.read('rsa2048.key'))));
      assert.equal(certificate.publicKey.asymmetricKeyDetails?.modulusLength, 2048);
    });

    it('has a subject written by the hub: the CN of the request and the participant code, nothing else', () => {
      assert.equal(certificate.subject, `CN=${AGENCY_NAME}\nserialNumber=${AGENCY}`);
      assert.equal(participantCodeOf(certificate), AGENCY);
    });

    it('ignores the extensions the request asks for: not a CA, signing key usage only, no EKU, no SAN', () => {
      const peculiar = new PeculiarCertificate(certificate.raw);
      assert.equal(peculiar.getExtension(BasicConstraintsExtension)?.ca, false);
      assert.equal(
        peculiar.getExtension(KeyUsagesExtension)?.usages,
        KeyUsageFlags.digitalSignature | KeyUsageFlags.nonRepudiation,
      );
      assert.equal(peculiar.getExtension(ExtendedKeyUsageExtension), null);
      assert.equal(peculiar.getExtension(SubjectAlternativeNameExtension), null);
    });

    it('passes Vkhid’s own path validator and openssl verify against the CA', async () => {
      await validator.validate(certificate, new Date());
      assert.match(scratch.opensslOk(['verify', '-CAfile', 'ca.pem', 'rsa2048.pem']), /rsa2048\.pem: OK/);
    });

    it('reports the serial, fingerprint and validity that were encoded', () => {
      assert.match(issued.serialNumber, /^[4-7][0-9A-F]{31}$/);
      assert.equal(issued.serialNumber, certificate.serialNumber.toUpperCase());
      assert.equal(issued.fingerprint256, certificate.fingerprint256);
      assert.equal(issued.notBefore.getTime(), new Date(certificate.validFrom).getTime());
      assert.equal(issued.notAfter.getTime(), new Date(certificate.validTo).getTime());
      assert.equal(
        Math.round((issued.notAfter.getTime() - issued.notBefore.getTime()) / 60_000),
        365 * 24 * 60 + 5,
      );
    });

    it('accepts the same request as DER bytes', async () => {
      const der = decodePem(csr('rsa2048'), ['CERTIFICATE REQUEST']);
      const again = new X509Certificate((await issue(der)).certificatePem);
      assert.ok(again.publicKey.equals(certificate.publicKey));
      assert.notEqual(again.serialNumber, certificate.serialNumber);
    });
  });

  it('issues from an EC P-256 request, and from P-384', async () => {
    for (const name of ['p256', 'p384']) {
      const issued = await issue(csr(name));
      const certificate = new X509Certificate(issued.certificatePem);
      assert.ok(certificate.checkPrivateKey(createPrivateKey(scratch.read(`${name}.key`))));
      await validator.validate(certificate, new Date());
      scratch.write(`${name}.pem`, issued.certificatePem);
      assert.match(scratch.opensslOk(['verify', '-CAfile', 'ca.pem', `${name}.pem`]), /: OK/);
    }
  });

  describe('usage tls', () => {
    it('has serverAuth + clientAuth and digitalSignature + keyEncipherment for an RSA key', async () => {
      const issued = await issue(csr('rsa2048'), {
        usage: 'tls',
        hostnames: ['edms.thedigital.gov.ua', '192.0.2.7'],
      });
      const peculiar = new PeculiarCertificate(issued.certificatePem);
      assert.deepEqual(
        [...(peculiar.getExtension(ExtendedKeyUsageExtension)?.usages ?? [])],
        [ExtendedKeyUsage.serverAuth, ExtendedKeyUsage.clientAuth],
      );
      assert.equal(
        peculiar.getExtension(KeyUsagesExtension)?.usages,
        KeyUsageFlags.digitalSignature | KeyUsageFlags.keyEncipherment,
      );
      assert.deepEqual(peculiar.getExtension(SubjectAlternativeNameExtension)?.names.toJSON(), [
        { type: 'dns', value: 'edms.thedigital.gov.ua' },
        { type: 'ip', value: '192.0.2.7' },
      ]);
      scratch.write('tls.pem', issued.certificatePem);
      for (const purpose of ['sslserver', 'sslclient']) {
        assert.match(
          scratch.opensslOk(['verify', '-CAfile', 'ca.pem', '-purpose', purpose, 'tls.pem']),
          /: OK/,
        );
      }
      assert.equal(participantCodeOf(new X509Certificate(issued.certificatePem)), AGENCY);
    });

    it('has digitalSignature only for an EC key (RFC 5480: no keyEncipherment) and no SAN unless the hub names hosts', async () => {
      const peculiar = new PeculiarCertificate((await issue(csr('p256'), { usage: 'tls' })).certificatePem);
      assert.equal(peculiar.getExtension(KeyUsagesExtension)?.usages, KeyUsageFlags.digitalSignature);
      assert.equal(peculiar.getExtension(SubjectAlternativeNameExtension), null);
    });

    it('a signing certificate has no EKU, and host names are refused for it', async () => {
      assert.equal(
        new PeculiarCertificate((await issue(csr('p256'))).certificatePem).getExtension(
          ExtendedKeyUsageExtension,
        ),
        null,
      );
      await expectRejects(
        () => issue(csr('p256'), { hostnames: ['edms.example'] }),
        'PKI_REQUEST_INVALID',
        'hostnames',
      );
    });
  });

  describe('weak keys', () => {
    it('refuses an RSA-1024 request', async () => {
      const error = await expectRejects(() => issue(csr('rsa1024')), 'PKI_WEAK_KEY');
      assert.match(error.message, /RSA 1024 bits/);
    });

    it('refuses EC curves other than P-256/P-384, and other key types', async () => {
      assert.match((await expectRejects(() => issue(csr('k256')), 'PKI_WEAK_KEY')).message, /secp256k1/);
      assert.match((await expectRejects(() => issue(csr('ed25519')), 'PKI_WEAK_KEY')).message, /ed25519/);
    });

    it('refuses a key algorithm Node cannot read (such as ДСТУ 4145), naming its OID', async () => {
      const der = decodePem(csr('p256'), ['CERTIFICATE REQUEST']);
      const ecPublicKey = Buffer.from('06072a8648ce3d0201', 'hex');
      const at = der.indexOf(ecPublicKey);
      assert.ok(at > 0);
      der[at + ecPublicKey.length - 1] = 0x09;
      assert.match((await expectRejects(() => issue(der), 'PKI_WEAK_KEY')).message, /1\.2\.840\.10045\.2\.9/);
    });
  });

  describe('malformed or forged requests', () => {
    it('refuses a request whose signed content was changed (CN edited)', async () => {
      const der = decodePem(csr('plain'), ['CERTIFICATE REQUEST']);
      const at = der.indexOf('Agency A');
      assert.ok(at > 0);
      der[at + 7] = 'B'.charCodeAt(0);
      const error = await expectRejects(() => issue(der), 'PKI_CSR_INVALID');
      assert.match(error.message, /does not verify/);
    });

    it('refuses a request whose signature was changed', async () => {
      const der = decodePem(csr('plain'), ['CERTIFICATE REQUEST']);
      // The ECDSA signature's s value ends the request: change its last byte.
      der.writeUInt8(der.readUInt8(der.length - 1) ^ 0x01, der.length - 1);
      await expectRejects(() => issue(der), 'PKI_CSR_INVALID');
    });

    it('refuses what is not one PKCS#10 request', async () => {
      const good = csr('plain');
      const der = decodePem(good, ['CERTIFICATE REQUEST']);
      const cases: (string | Uint8Array)[] = [
        '',
        'hello',
        `${good}${good}`,
        ca.certificatePem,
        good.replace('BEGIN CERTIFICATE REQUEST', 'BEGIN CERTIFICATE'),
        `junk\n${good}`,
        good.replace(/[A-Za-z0-9]{8}\n/, '!!!!!!!!\n'),
        der.subarray(0, der.length - 10),
        Buffer.concat([der, Buffer.of(0)]),
        Buffer.from('3080', 'hex'),
        `-----BEGIN CERTIFICATE REQUEST-----\n${'A'.repeat(MAX_CSR_BYTES)}\n-----END CERTIFICATE REQUEST-----\n`,
      ];
      for (const request of cases) await expectRejects(() => issue(request), 'PKI_CSR_INVALID');
    });

    it('refuses a request without a CN, or with two', async () => {
      assert.match((await expectRejects(() => issue(csr('nocn')), 'PKI_CSR_INVALID')).message, /0 CNs/);
      assert.match((await expectRejects(() => issue(csr('twocn')), 'PKI_CSR_INVALID')).message, /2 CNs/);
    });

    it('refuses a request signed with SHA-1', async () => {
      assert.match((await expectRejects(() => issue(csr('sha1')), 'PKI_CSR_INVALID')).message, /SHA-1/);
    });
  });

  describe('the options', () => {
    it('refuses a participant code that is not a valid ЄДРПОУ code', async () => {
      for (const participantCode of [invalidEdrpou('4372361'), '1234567', 'ABCDEFGH']) {
        await expectRejects(
          () => issue(csr('p256'), { participantCode }),
          'PARTICIPANT_CODE_INVALID',
          'participantCode',
        );
      }
    });

    it('refuses an unknown usage and a validity out of range or beyond the CA', async () => {
      await expectRejects(
        () => issue(csr('p256'), { usage: 'ca' as 'sign' }),
        'PKI_REQUEST_INVALID',
        'usage',
      );
      for (const validityDays of [0, -1, 1.5, 1826]) {
        await expectRejects(
          () => issue(csr('p256'), { validityDays }),
          'PKI_REQUEST_INVALID',
          'validityDays',
        );
      }
      await expectRejects(
        () => issue(csr('p256'), { validityDays: 400, now: new Date(ca.notAfter.getTime() - 300 * DAY) }),
        'PKI_REQUEST_INVALID',
        'validityDays',
      );
      await expectRejects(
        () => issue(csr('p256'), { now: new Date(Number.NaN) }),
        'PKI_REQUEST_INVALID',
        'now',
      );
    });

    it('dates the certificate from `now`, five minutes early for clock skew', async () => {
      const now = new Date(Date.now() + 10 * DAY);
      const issued = await issue(csr('p256'), { now, validityDays: 30 });
      assert.equal(issued.notBefore.getTime(), Math.floor((now.getTime() - 5 * 60_000) / 1000) * 1000);
      assert.equal(issued.notAfter.getTime(), Math.floor((now.getTime() + 30 * DAY) / 1000) * 1000);
    });
  });

  describe('participantCodeOf', () => {
    async function selfSigned(name: Name): Promise<X509Certificate> {
      const algorithm = { name: 'ECDSA', namedCurve: 'P-256', hash: 'SHA-256' };
      const keys = await webcrypto.subtle.generateKey(algorithm, true, ['sign', 'verify']);
      const certificate = await X509CertificateGenerator.createSelfSigned(
        { name, keys, signingAlgorithm: algorithm },
        webcrypto as unknown as Crypto,
      );
      return new X509Certificate(Buffer.from(certificate.rawData));
    }

    it('is undefined for a certificate without a serialNumber attribute', async () => {
      const testCa = await createCa();
      const signer = await issueCertificate(testCa, 'No code', { kind: 'ec' });
      assert.equal(participantCodeOf(signer.certificate), undefined);
    });

    it('is undefined when serialNumber is not a valid ЄДРПОУ code, or appears twice', async () => {
      assert.equal(
        participantCodeOf(await selfSigned(new Name([{ CN: ['x'] }, { '2.5.4.5': [AGENCY] }]))),
        AGENCY,
      );
      assert.equal(
        participantCodeOf(
          await selfSigned(new Name([{ CN: ['x'] }, { '2.5.4.5': [invalidEdrpou('4372361')] }])),
        ),
        undefined,
      );
      assert.equal(
        participantCodeOf(await selfSigned(new Name([{ CN: ['x'] }, { '2.5.4.5': ['UA-' + AGENCY] }]))),
        undefined,
      );
      assert.equal(
        participantCodeOf(
          await selfSigned(new Name([{ '2.5.4.5': [AGENCY] }, { '2.5.4.5': [edrpou('0001562')] }])),
        ),
        undefined,
      );
    });
  });
});
