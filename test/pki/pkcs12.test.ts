import assert from 'node:assert/strict';
import { createPrivateKey, X509Certificate } from 'node:crypto';
import forge from 'node-forge';
import {
  issueWithGeneratedKey,
  participantCodeOf,
  type IssuedPkcs12,
} from '../../gateway/pki/certificate-issuer.js';
import { createHubCa, type CreatedHubCa } from '../../gateway/pki/hub-ca.js';
import { CertificatePathValidator } from '../../gateway/trust/certificate-path-validator.js';
import { edrpou, expectRejects, invalidEdrpou, Scratch } from './fixtures/pki-kit.js';

const AGENCY = edrpou('3825473');
const PASSWORD = 'Grain-of-Wheat-2024';
const COMMON_NAME = 'Державна служба статистики';

const PEM_CERTIFICATE = /-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----\n?/g;

describe('issuing with a generated key, delivered as PKCS#12', () => {
  const scratch = new Scratch();
  let ca: CreatedHubCa;
  const files: Partial<Record<'rsa' | 'ec', IssuedPkcs12>> = {};
  const issued = (keyType: 'rsa' | 'ec'): IssuedPkcs12 => files[keyType]!;

  before(async () => {
    ca = await createHubCa({ commonName: 'Vkhid PKCS#12 Root', organization: 'Vkhid', validityYears: 3 });
    for (const keyType of ['rsa', 'ec'] as const) {
      files[keyType] = await issueWithGeneratedKey(ca, {
        participantCode: AGENCY,
        commonName: COMMON_NAME,
        usage: keyType === 'rsa' ? 'sign' : 'tls',
        validityDays: 365,
        password: PASSWORD,
        keyType,
      });
      scratch.write(`${keyType}.p12`, issued(keyType).pkcs12);
    }
  });

  after(() => scratch.remove());

  for (const keyType of ['rsa', 'ec'] as const) {
    describe(`with an ${keyType.toUpperCase()} key`, () => {
      it('opens with openssl and the right password: the certificate and the CA certificate, no key with -nokeys', () => {
        const output = scratch.opensslOk([
          'pkcs12',
          '-in',
          `${keyType}.p12`,
          '-passin',
          `pass:${PASSWORD}`,
          '-nokeys',
        ]);
        assert.doesNotMatch(output, /PRIVATE KEY/);
        const certificates = (output.match(PEM_CERTIFICATE) ?? []).map((pem) => new X509Certificate(pem));
        assert.equal(certificates.length, 2);
        assert.equal(certificates[0]!.fingerprint256, issued(keyType).certificate.fingerprint256);
        assert.equal(certificates[1]!.fingerprint256, ca.fingerprint256);
        // The key and its certificate are paired by localKeyID (openssl prints the BMPString friendlyName lossily).
        assert.equal(output.match(/localKeyID: /g)?.length, 1);
        assert.equal(output.match(/friendlyName: /g)?.length, 1);
      });

      it('holds the private key of the certificate, AES-256-CBC encrypted with PBKDF2-HMAC-SHA256', () => {
        const keyPem = scratch.opensslOk([
          'pkcs12',
          '-in',
          `${keyType}.p12`,
          '-passin',
          `pass:${PASSWORD}`,
          '-nocerts',
          '-nodes',
        ]);
        const certificate = new X509Certificate(issued(keyType).certificate.certificatePem);
        const key = createPrivateKey(keyPem);
        assert.equal(key.asymmetricKeyType, keyType);
        assert.ok(certificate.checkPrivateKey(key));
        const info = scratch.openssl([
          'pkcs12',
          '-in',
          `${keyType}.p12`,
          '-passin',
          `pass:${PASSWORD}`,
          '-info',
          '-noout',
        ]);
        assert.equal(info.status, 0, info.stderr);
        assert.match(info.stderr, /MAC: sha1, Iteration 100000/);
        assert.match(
          info.stderr,
          /Shrouded Keybag: PBES2, PBKDF2, AES-256-CBC, Iteration 100000, PRF hmacWithSHA256/,
        );
      });

      it('does not open with a wrong password', () => {
        const result = scratch.openssl([
          'pkcs12',
          '-in',
          `${keyType}.p12`,
          '-passin',
          `pass:${PASSWORD}x`,
          '-nokeys',
        ]);
        assert.notEqual(result.status, 0);
        assert.match(result.stderr, /mac verify failure|invalid password/i);
      });

      it('opens with node-forge and the right password, not with a wrong one', () => {
        const asn1 = forge.asn1.fromDer(issued(keyType).pkcs12.toString('binary'));
        const pfx = forge.pkcs12.pkcs12FromAsn1(asn1, PASSWORD);
        const keyBags =
          pfx.getBags({ bagType: forge.pki.oids.pkcs8ShroudedKeyBag! })[
            forge.pki.oids.pkcs8ShroudedKeyBag!
          ] ?? [];
        assert.equal(keyBags.length, 1);
        // forge decodes RSA keys; an EC key stays ASN.1 (forge has no EC keys), which Node reads.
        const keyDer = Buffer.from(
          forge.asn1
            .toDer(
              keyType === 'rsa'
                ? forge.pki.wrapRsaPrivateKey(forge.pki.privateKeyToAsn1(keyBags[0]!.key!))
                : keyBags[0]!.asn1,
            )
            .getBytes(),
          'binary',
        );
        const key = createPrivateKey({ key: keyDer, format: 'der', type: 'pkcs8' });
        assert.ok(new X509Certificate(issued(keyType).certificate.certificatePem).checkPrivateKey(key));
        const certificateBags =
          pfx.getBags({ bagType: forge.pki.oids.certBag! })[forge.pki.oids.certBag!] ?? [];
        assert.equal(certificateBags.length, 2);
        const keyAttributes = keyBags[0]!.attributes as Record<string, unknown>;
        const certificateAttributes = certificateBags[0]!.attributes as Record<string, unknown>;
        assert.deepEqual(keyAttributes.friendlyName, [COMMON_NAME]);
        assert.deepEqual(certificateAttributes.friendlyName, [COMMON_NAME]);
        assert.deepEqual(keyAttributes.localKeyId, certificateAttributes.localKeyId);
        assert.throws(
          () =>
            forge.pkcs12.pkcs12FromAsn1(
              forge.asn1.fromDer(issued(keyType).pkcs12.toString('binary')),
              'Wrong-password-123',
            ),
          /MAC|password/i,
        );
      });

      it('the certificate passes the path validator and names the participant', async () => {
        const certificate = new X509Certificate(issued(keyType).certificate.certificatePem);
        await new CertificatePathValidator([new X509Certificate(ca.certificatePem)]).validate(
          certificate,
          new Date(),
        );
        assert.equal(participantCodeOf(certificate), AGENCY);
        assert.equal(certificate.subject, `CN=${COMMON_NAME}\nserialNumber=${AGENCY}`);
      });
    });
  }

  it('generates RSA-3072 and P-256 keys', () => {
    assert.equal(
      new X509Certificate(issued('rsa').certificate.certificatePem).publicKey.asymmetricKeyDetails
        ?.modulusLength,
      3072,
    );
    assert.equal(
      new X509Certificate(issued('ec').certificate.certificatePem).publicKey.asymmetricKeyDetails?.namedCurve,
      'prime256v1',
    );
  });

  it('refuses a password shorter than 12 characters or outside printable ASCII, before generating anything', async () => {
    const options = {
      participantCode: AGENCY,
      commonName: 'x',
      usage: 'sign',
      validityDays: 30,
      keyType: 'ec',
    } as const;
    for (const password of [
      '',
      'short',
      'elevenchars',
      'пароль-довгий-дуже',
      'tab\tin-the-middle',
      'x'.repeat(257),
    ]) {
      await expectRejects(
        () => issueWithGeneratedKey(ca, { ...options, password }),
        'PKI_WEAK_PASSWORD',
        'password',
      );
    }
    const accepted = await issueWithGeneratedKey(ca, { ...options, password: 'twelve chars' });
    assert.ok(accepted.pkcs12.length > 0);
  });

  it('refuses an invalid participant code, key type or common name', async () => {
    const options = {
      participantCode: AGENCY,
      commonName: 'x',
      usage: 'sign',
      validityDays: 30,
      keyType: 'ec',
      password: PASSWORD,
    } as const;
    await expectRejects(
      () => issueWithGeneratedKey(ca, { ...options, participantCode: invalidEdrpou('3825473') }),
      'PARTICIPANT_CODE_INVALID',
    );
    await expectRejects(
      () => issueWithGeneratedKey(ca, { ...options, keyType: 'dsa' as 'ec' }),
      'PKI_REQUEST_INVALID',
      'keyType',
    );
    await expectRejects(
      () => issueWithGeneratedKey(ca, { ...options, commonName: 'x'.repeat(65) }),
      'PKI_REQUEST_INVALID',
      'commonName',
    );
    await expectRejects(
      () => issueWithGeneratedKey(ca, { ...options, commonName: 'line\nbreak' }),
      'PKI_REQUEST_INVALID',
      'commonName',
    );
  });
});
