import 'reflect-metadata';
import assert from 'node:assert/strict';
import { createPrivateKey, X509Certificate } from 'node:crypto';
import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import { connect, createServer, type TLSSocket } from 'node:tls';
import {
  AuthorityKeyIdentifierExtension,
  ExtendedKeyUsage,
  ExtendedKeyUsageExtension,
  KeyUsageFlags,
  KeyUsagesExtension,
  SubjectAlternativeNameExtension,
  SubjectKeyIdentifierExtension,
  X509Certificate as PeculiarCertificate,
} from '@peculiar/x509';
import { participantCodeOf } from '../../gateway/pki/certificate-issuer.js';
import { certificateIssuer, certificateSubject } from '../../gateway/pki/der.js';
import {
  createHubCa,
  issueHubCertificates,
  type CreatedHubCa,
  type HubCertificates,
} from '../../gateway/pki/hub-ca.js';
import { CertificatePathValidator } from '../../gateway/trust/certificate-path-validator.js';
import { DAY, edrpou, expectRejects, invalidEdrpou, Scratch } from './fixtures/pki-kit.js';

const ORGANIZATION = 'Секретаріат Кабінету Міністрів України';
const HUB_CODE = edrpou('0001562');

describe('the hub CA', () => {
  const scratch = new Scratch();
  const now = new Date();
  let ca: CreatedHubCa;
  let hub: HubCertificates;

  before(async () => {
    ca = await createHubCa({
      commonName: 'Vkhid Root CA',
      organization: ORGANIZATION,
      validityYears: 10,
      now,
    });
    scratch.write('ca.pem', ca.certificatePem);
    hub = await issueHubCertificates(ca, { hubCode: HUB_CODE, hostnames: ['vkhid.gov.ua', '10.20.30.40'] });
    scratch.write('hub-signing.pem', hub.signing.certificatePem);
    scratch.write('hub-tls.pem', hub.tls.certificatePem);
  });

  after(() => scratch.remove());

  describe('createHubCa', () => {
    it('is a self-signed RSA-3072 CA: openssl shows CA:TRUE pathlen 0, keyCertSign and cRLSign, both critical', () => {
      const text = scratch.opensslOk(['x509', '-in', 'ca.pem', '-noout', '-text']);
      assert.match(text, /Public-Key: \(3072 bit\)/);
      assert.match(text, /Signature Algorithm: sha256WithRSAEncryption/);
      assert.match(text, /X509v3 Basic Constraints: critical\s+CA:TRUE, pathlen:0/);
      assert.match(text, /X509v3 Key Usage: critical\s+Certificate Sign, CRL Sign\s/);
      assert.match(text, /X509v3 Subject Key Identifier:/);
      assert.match(scratch.opensslOk(['verify', '-CAfile', 'ca.pem', 'ca.pem']), /ca\.pem: OK/);
    });

    it('keeps a Ukrainian organisation name as UTF-8 and repeats the subject bytes as issuer', () => {
      const certificate = new X509Certificate(ca.certificatePem);
      assert.equal(certificate.subject, `C=UA\nO=${ORGANIZATION}\nCN=Vkhid Root CA`);
      assert.deepEqual(certificateIssuer(certificate.raw), certificateSubject(certificate.raw));
      const subject = scratch.opensslOk([
        'x509',
        '-in',
        'ca.pem',
        '-noout',
        '-subject',
        '-nameopt',
        'utf8,sep_comma_plus',
      ]);
      assert.match(subject, new RegExp(`O=${ORGANIZATION}`));
    });

    it('has a random positive 128-bit serial and reports what was encoded', async () => {
      const certificate = new X509Certificate(ca.certificatePem);
      assert.match(ca.serialNumber, /^[4-7][0-9A-F]{31}$/);
      assert.equal(ca.serialNumber, certificate.serialNumber.toUpperCase());
      assert.equal(ca.fingerprint256, certificate.fingerprint256);
      assert.equal(ca.notBefore.getTime(), new Date(certificate.validFrom).getTime());
      assert.equal(ca.notAfter.getTime(), new Date(certificate.validTo).getTime());
      assert.equal(ca.notBefore.getTime(), Math.floor((now.getTime() - 5 * 60_000) / 1000) * 1000);
      assert.equal(ca.notAfter.getUTCFullYear(), now.getUTCFullYear() + 10);
      const other = await createHubCa({ commonName: 'Another CA', organization: 'Test', validityYears: 1 });
      assert.notEqual(other.serialNumber, ca.serialNumber);
    });

    it('returns an unencrypted PKCS#8 key that belongs to the certificate', () => {
      assert.match(ca.privateKeyPem, /^-----BEGIN PRIVATE KEY-----/);
      assert.equal(ca.passphrase, undefined);
      assert.ok(new X509Certificate(ca.certificatePem).checkPrivateKey(createPrivateKey(ca.privateKeyPem)));
    });

    it('encrypts the key when given a passphrase, which the CA then needs to issue', async () => {
      const locked = await createHubCa({
        commonName: 'Locked CA',
        organization: 'Test',
        validityYears: 1,
        passphrase: 'correct horse battery',
      });
      assert.match(locked.privateKeyPem, /^-----BEGIN ENCRYPTED PRIVATE KEY-----/);
      assert.equal(locked.passphrase, 'correct horse battery');
      const issued = await issueHubCertificates(locked, {
        hubCode: HUB_CODE,
        hostnames: [],
        keyType: 'ec',
      });
      // The default two years is cut to the one-year CA.
      assert.ok(issued.signing.notAfter <= locked.notAfter);
      assert.ok(locked.notAfter.getTime() - issued.signing.notAfter.getTime() < 2 * DAY);
      assert.ok(
        new X509Certificate(issued.signing.certificatePem).checkIssued(
          new X509Certificate(locked.certificatePem),
        ),
      );
      const withoutPassphrase = {
        certificatePem: locked.certificatePem,
        privateKeyPem: locked.privateKeyPem,
      };
      for (const material of [withoutPassphrase, { ...locked, passphrase: 'wrong horse battery' }]) {
        await expectRejects(
          () => issueHubCertificates(material, { hubCode: HUB_CODE, hostnames: [] }),
          'KEY_INVALID',
        );
      }
    });

    it('refuses a validity outside 1..30 whole years and empty names', async () => {
      for (const validityYears of [0, 31, 1.5, Number.NaN]) {
        await expectRejects(
          () => createHubCa({ commonName: 'CA', organization: 'O', validityYears }),
          'PKI_REQUEST_INVALID',
          'validityYears',
        );
      }
      await expectRejects(
        () => createHubCa({ commonName: '', organization: 'O', validityYears: 1 }),
        'PKI_REQUEST_INVALID',
        'commonName',
      );
      await expectRejects(
        () => createHubCa({ commonName: 'CA', organization: ' O', validityYears: 1 }),
        'PKI_REQUEST_INVALID',
        'organization',
      );
    });
  });

  describe('issueHubCertificates', () => {
    it('issues the hub signing certificate: digitalSignature + nonRepudiation, no EKU, not a CA, the hub code as serialNumber', () => {
      const certificate = new PeculiarCertificate(hub.signing.certificatePem);
      const usage = certificate.getExtension(KeyUsagesExtension);
      assert.equal(usage?.usages, KeyUsageFlags.digitalSignature | KeyUsageFlags.nonRepudiation);
      assert.equal(usage?.critical, true);
      assert.equal(certificate.getExtension(ExtendedKeyUsageExtension), null);
      const text = scratch.opensslOk(['x509', '-in', 'hub-signing.pem', '-noout', '-text']);
      assert.match(text, /X509v3 Basic Constraints: critical\s+CA:FALSE/);
      assert.match(text, /Digital Signature, Non Repudiation/);
      assert.equal(
        new X509Certificate(hub.signing.certificatePem).subject,
        `CN=Vkhid hub\nserialNumber=${HUB_CODE}`,
      );
      assert.equal(participantCodeOf(new X509Certificate(hub.signing.certificatePem)), HUB_CODE);
      // The UTF-8 organisation of the CA is repeated byte for byte as the issuer (forge alone would re-encode it).
      const caSubject = certificateSubject(new X509Certificate(ca.certificatePem).raw);
      assert.deepEqual(certificateIssuer(new X509Certificate(hub.signing.certificatePem).raw), caSubject);
      const caKeyId = new PeculiarCertificate(ca.certificatePem).getExtension(
        SubjectKeyIdentifierExtension,
      )?.keyId;
      assert.equal(certificate.getExtension(AuthorityKeyIdentifierExtension)?.keyId, caKeyId);
      assert.ok(createPrivateKey(hub.signing.privateKeyPem).asymmetricKeyDetails?.modulusLength === 3072);
    });

    it('the signing certificate passes the path validator and openssl verify against the CA', async () => {
      const validator = new CertificatePathValidator([new X509Certificate(ca.certificatePem)]);
      await validator.validate(new X509Certificate(hub.signing.certificatePem), new Date());
      assert.match(scratch.opensslOk(['verify', '-CAfile', 'ca.pem', 'hub-signing.pem']), /: OK/);
    });

    it('issues the TLS certificate: serverAuth + clientAuth, SAN localhost, the given names and 127.0.0.1', () => {
      const certificate = new PeculiarCertificate(hub.tls.certificatePem);
      assert.deepEqual(
        [...(certificate.getExtension(ExtendedKeyUsageExtension)?.usages ?? [])],
        [ExtendedKeyUsage.serverAuth, ExtendedKeyUsage.clientAuth],
      );
      assert.equal(
        certificate.getExtension(KeyUsagesExtension)?.usages,
        KeyUsageFlags.digitalSignature | KeyUsageFlags.keyEncipherment,
      );
      const names = certificate.getExtension(SubjectAlternativeNameExtension)?.names.toJSON();
      assert.deepEqual(names, [
        { type: 'dns', value: 'localhost' },
        { type: 'dns', value: 'vkhid.gov.ua' },
        { type: 'ip', value: '10.20.30.40' },
        { type: 'ip', value: '127.0.0.1' },
      ]);
      assert.equal(participantCodeOf(new X509Certificate(hub.tls.certificatePem)), HUB_CODE);
      for (const purpose of ['sslserver', 'sslclient']) {
        assert.match(
          scratch.opensslOk(['verify', '-CAfile', 'ca.pem', '-purpose', purpose, 'hub-tls.pem']),
          /: OK/,
        );
      }
      assert.match(
        scratch.opensslOk(['verify', '-CAfile', 'ca.pem', '-verify_hostname', 'vkhid.gov.ua', 'hub-tls.pem']),
        /: OK/,
      );
      assert.notEqual(
        scratch.openssl(['verify', '-CAfile', 'ca.pem', '-verify_hostname', 'evil.example', 'hub-tls.pem'])
          .status,
        0,
      );
    });

    it('the TLS certificate carries a mutually authenticated TLS connection on localhost', async () => {
      const server = createServer({
        key: hub.tls.privateKeyPem,
        cert: hub.tls.certificatePem,
        ca: [ca.certificatePem],
        requestCert: true,
        rejectUnauthorized: true,
      });
      const peers: string[] = [];
      server.on('secureConnection', (socket: TLSSocket) => {
        peers.push(String(socket.getPeerCertificate().subject.CN));
        socket.end('hello');
      });
      server.listen(0, '127.0.0.1');
      await once(server, 'listening');
      try {
        const client = connect({
          host: '127.0.0.1',
          port: (server.address() as AddressInfo).port,
          servername: 'localhost',
          key: hub.tls.privateKeyPem,
          cert: hub.tls.certificatePem,
          ca: [ca.certificatePem],
        });
        await once(client, 'secureConnect');
        assert.equal(client.authorized, true, String(client.authorizationError));
        const [data] = (await once(client, 'data')) as [Buffer];
        assert.equal(data.toString(), 'hello');
        client.destroy();
        assert.deepEqual(peers, ['vkhid.gov.ua']);
      } finally {
        server.close();
      }
    });

    it('issues EC P-256 keys on request, without keyEncipherment for TLS', async () => {
      const issued = await issueHubCertificates(ca, {
        hubCode: HUB_CODE,
        hostnames: [],
        keyType: 'ec',
        validityDays: 30,
      });
      assert.equal(createPrivateKey(issued.tls.privateKeyPem).asymmetricKeyDetails?.namedCurve, 'prime256v1');
      const usage = new PeculiarCertificate(issued.tls.certificatePem).getExtension(
        KeyUsagesExtension,
      )?.usages;
      assert.equal(usage, KeyUsageFlags.digitalSignature);
      assert.equal(Math.round((issued.signing.notAfter.getTime() - Date.now()) / DAY), 30);
    });

    it('refuses an invalid hub code, a malformed host name and a validity beyond the CA', async () => {
      await expectRejects(
        () => issueHubCertificates(ca, { hubCode: invalidEdrpou('0001562'), hostnames: [] }),
        'PARTICIPANT_CODE_INVALID',
      );
      for (const hostname of ['*.gov.ua', 'under_score.gov.ua', '-bad.gov.ua', '', 'a..b']) {
        await expectRejects(
          () => issueHubCertificates(ca, { hubCode: HUB_CODE, hostnames: [hostname] }),
          'PKI_REQUEST_INVALID',
          'hostnames',
        );
      }
      await expectRejects(
        () =>
          issueHubCertificates(ca, {
            hubCode: HUB_CODE,
            hostnames: [],
            validityDays: 1825,
            now: new Date(ca.notAfter.getTime() - 365 * DAY),
          }),
        'PKI_REQUEST_INVALID',
        'validityDays',
      );
    });
  });

  describe('the CA material', () => {
    it('refuses a key that does not belong to the CA certificate', async () => {
      const other = await createHubCa({ commonName: 'Other CA', organization: 'Test', validityYears: 1 });
      await expectRejects(
        () =>
          issueHubCertificates(
            { certificatePem: ca.certificatePem, privateKeyPem: other.privateKeyPem },
            { hubCode: HUB_CODE, hostnames: [] },
          ),
        'KEY_INVALID',
      );
    });

    it('refuses a certificate that is not a CA', async () => {
      const notCa = { certificatePem: hub.signing.certificatePem, privateKeyPem: hub.signing.privateKeyPem };
      await expectRejects(
        () => issueHubCertificates(notCa, { hubCode: HUB_CODE, hostnames: [] }),
        'CERT_USAGE',
      );
    });

    it('refuses to issue outside the CA validity', async () => {
      await expectRejects(
        () =>
          issueHubCertificates(ca, {
            hubCode: HUB_CODE,
            hostnames: [],
            now: new Date(ca.notAfter.getTime() + DAY),
          }),
        'CERT_EXPIRED',
      );
      await expectRejects(
        () =>
          issueHubCertificates(ca, {
            hubCode: HUB_CODE,
            hostnames: [],
            now: new Date(ca.notBefore.getTime() - DAY),
          }),
        'CERT_NOT_YET_VALID',
      );
    });

    it('refuses an unreadable certificate or key', async () => {
      await expectRejects(
        () =>
          issueHubCertificates(
            { ...ca, certificatePem: 'not a certificate' },
            { hubCode: HUB_CODE, hostnames: [] },
          ),
        'CERT_INVALID',
      );
      await expectRejects(
        () =>
          issueHubCertificates({ ...ca, privateKeyPem: 'not a key' }, { hubCode: HUB_CODE, hostnames: [] }),
        'KEY_INVALID',
      );
    });
  });
});
