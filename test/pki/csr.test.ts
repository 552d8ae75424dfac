import assert from 'node:assert/strict';
import { createPrivateKey, generateKeyPairSync, X509Certificate } from 'node:crypto';
import { issueFromCsr } from '../../gateway/pki/certificate-issuer.js';
import { createCsr } from '../../gateway/pki/csr.js';
import { createHubCa, type CreatedHubCa } from '../../gateway/pki/hub-ca.js';
import { edrpou, expectRejects, Scratch } from './fixtures/pki-kit.js';

const AGENCY = edrpou('1234567');
const NAME = 'Управління документообігу';

function pkcs8(type: 'rsa' | 'ec' | 'rsa1024' | 'p521'): string {
  const pair =
    type === 'rsa'
      ? generateKeyPairSync('rsa', { modulusLength: 2048 })
      : type === 'rsa1024'
        ? generateKeyPairSync('rsa', { modulusLength: 1024 })
        : generateKeyPairSync('ec', { namedCurve: type === 'ec' ? 'P-256' : 'P-521' });
  return pair.privateKey.export({ type: 'pkcs8', format: 'pem' }) as string;
}

describe('createCsr', () => {
  const scratch = new Scratch();
  let ca: CreatedHubCa;

  before(async () => {
    ca = await createHubCa({ commonName: 'Vkhid CSR Root', organization: 'Vkhid', validityYears: 1 });
  });

  after(() => scratch.remove());

  for (const type of ['rsa', 'ec'] as const) {
    it(`writes a ${type.toUpperCase()} request that openssl verifies and the hub issues from`, async () => {
      const privateKeyPem = pkcs8(type);
      const csr = await createCsr({ privateKeyPem, commonName: NAME });
      assert.match(
        csr,
        /^-----BEGIN CERTIFICATE REQUEST-----\n[A-Za-z0-9+/=\n]+\n-----END CERTIFICATE REQUEST-----\n$/,
      );
      scratch.write(`${type}.csr`, csr);
      const result = scratch.openssl([
        'req',
        '-in',
        `${type}.csr`,
        '-verify',
        '-noout',
        '-subject',
        '-nameopt',
        'utf8',
      ]);
      assert.equal(result.status, 0, result.stderr);
      assert.match(result.stdout + result.stderr, /verify OK|Certificate request self-signature verify OK/);
      assert.match(result.stdout, new RegExp(`CN ?= ?${NAME}`));
      const issued = await issueFromCsr(ca, csr, {
        participantCode: AGENCY,
        usage: 'sign',
        validityDays: 30,
      });
      const certificate = new X509Certificate(issued.certificatePem);
      assert.equal(certificate.subject, `CN=${NAME}\nserialNumber=${AGENCY}`);
      assert.ok(certificate.checkPrivateKey(createPrivateKey(privateKeyPem)));
    });
  }

  it('reads an encrypted key with its passphrase', async () => {
    const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-384' });
    const encrypted = privateKey.export({
      type: 'pkcs8',
      format: 'pem',
      cipher: 'aes-256-cbc',
      passphrase: 'secret passphrase',
    }) as string;
    const csr = await createCsr({
      privateKeyPem: encrypted,
      passphrase: 'secret passphrase',
      commonName: 'P-384',
    });
    assert.ok(
      (await issueFromCsr(ca, csr, { participantCode: AGENCY, usage: 'tls', validityDays: 30 }))
        .certificatePem,
    );
    await expectRejects(() => createCsr({ privateKeyPem: encrypted, commonName: 'P-384' }), 'KEY_INVALID');
  });

  it('refuses keys the hub would refuse, an unreadable key and an unusable CN', async () => {
    await expectRejects(
      () => createCsr({ privateKeyPem: pkcs8('rsa1024'), commonName: 'x' }),
      'PKI_WEAK_KEY',
    );
    await expectRejects(() => createCsr({ privateKeyPem: pkcs8('p521'), commonName: 'x' }), 'PKI_WEAK_KEY');
    await expectRejects(() => createCsr({ privateKeyPem: 'not a key', commonName: 'x' }), 'KEY_INVALID');
    await expectRejects(
      () => createCsr({ privateKeyPem: pkcs8('ec'), commonName: '' }),
      'PKI_REQUEST_INVALID',
      'commonName',
    );
  });
});
