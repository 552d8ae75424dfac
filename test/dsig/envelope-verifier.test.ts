/**
 * The attack suite. Every rule of the signature profile and of hardened intake has a pair: a valid baseline
 * that verifies, then the forged variant refused with its exact error code. A forged variant is always
 * cryptographically sound where it can be (see fixtures/forge-signature.ts), so what is refused is the shape.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { EnvelopeSigner } from '../../gateway/dsig/envelope-signer.js';
import { EnvelopeVerifier } from '../../gateway/dsig/envelope-verifier.js';
import { envelopeSchema } from '../../gateway/envelope/envelope-schema.js';
import type { ErrorCode } from '../../gateway/errors/error-catalogue.js';
import { VkhidError } from '../../gateway/errors/vkhid-error.js';
import { schemasDirectory } from '../../gateway/package-paths.js';
import { StaticTrustStore } from '../../gateway/trust/static-trust-store.js';
import { defaultIntakeLimits } from '../../gateway/xml/xml-intake.js';
import { createCa, DAY, issueCertificate, type TestIdentity } from '../support/test-pki.js';
import { forgeSignature, URIS } from './fixtures/forge-signature.js';

const unsigned = readFileSync(join(schemasDirectory, 'examples', 'appeal.xml'), 'utf8');
const sender = /<Sender>(\d{8})<\/Sender>/.exec(unsigned)![1]!;

let ca: TestIdentity;
let rsaSigner: TestIdentity;
let ecSigner: TestIdentity;
let otherSigner: TestIdentity;

function verifier(
  options: { pinned?: TestIdentity[]; anchors?: TestIdentity[]; now?: Date } = {},
): EnvelopeVerifier {
  const trustStore = new StaticTrustStore({
    anchors: (options.anchors ?? [ca]).map((identity) => identity.certificate),
    ...(options.pinned === undefined
      ? { acceptChainedKeyInfo: true }
      : { pinned: new Map([[sender, options.pinned.map((identity) => identity.certificate)]]) }),
  });
  const now = options.now;
  return new EnvelopeVerifier({ trustStore, schema: envelopeSchema(), ...(now ? { now: () => now } : {}) });
}

function signWith(
  identity: TestIdentity,
  xml = unsigned,
  reference: 'document' | 'root-id' = 'document',
): string {
  return new EnvelopeSigner({
    privateKey: identity.privateKey,
    certificate: identity.certificate,
    reference,
  }).sign(xml);
}

async function rejects(promise: Promise<unknown>, code: ErrorCode): Promise<void> {
  await assert.rejects(promise, (error: unknown) => {
    assert.ok(error instanceof VkhidError, `expected a VkhidError, got ${String(error)}`);
    assert.equal(error.code, code, error.message);
    return true;
  });
}

const bytes = (text: string): Buffer => Buffer.from(text, 'utf8');

describe('EnvelopeVerifier: the signature profile and hardened intake', function () {
  this.timeout(60_000);

  before(async () => {
    ca = await createCa();
    rsaSigner = await issueCertificate(ca, 'Contact center signer');
    ecSigner = await issueCertificate(ca, 'Contact center EC signer', { kind: 'ec' });
    otherSigner = await issueCertificate(ca, 'Some other participant');
  });

  describe('baselines', () => {
    it('verifies an RSA-SHA256 signature and returns exactly the signed canonical content', async () => {
      const verified = await verifier().verify(bytes(signWith(rsaSigner)));
      assert.equal(verified.sender, sender);
      assert.equal(verified.type, 'appeal');
      assert.ok(
        !verified.signedXml.includes('Signature'),
        'the signed content excludes the enveloped Signature',
      );
      assert.ok(verified.signedXml.startsWith('<Envelope xmlns="urn:vkhid:envelope:1"'));
      assert.equal(verified.signer.fingerprint, rsaSigner.certificate.fingerprint256);
    });

    it('verifies an ECDSA-P256-SHA256 signature', async () => {
      const verified = await verifier().verify(bytes(signWith(ecSigner)));
      assert.equal(verified.signer.fingerprint, ecSigner.certificate.fingerprint256);
    });

    it('verifies a reference by the root Id', async () => {
      const withId = unsigned.replace(
        '<Envelope xmlns="urn:vkhid:envelope:1"',
        '<Envelope xmlns="urn:vkhid:envelope:1" Id="m1"',
      );
      const signed = signWith(rsaSigner, withId, 'root-id');
      assert.match(signed, /<ds:Reference URI="#m1">/);
      await verifier().verify(bytes(signed));
    });

    it('verifies with a pinned signer certificate', async () => {
      await verifier({ pinned: [rsaSigner] }).verify(bytes(signWith(rsaSigner)));
    });

    it('verifies a document declared and encoded as windows-1251', async () => {
      const signed = signWith(rsaSigner);
      const declared = signed.replace(/^<\?xml[^?]*\?>/, '<?xml version="1.0" encoding="windows-1251"?>');
      const encoded = Buffer.from(new TextEncoderWindows1251().encode(declared));
      await verifier().verify(encoded);
    });
  });

  describe('content and signature integrity', () => {
    it('refuses a body changed after signing', async () => {
      const signed = signWith(rsaSigner);
      const changed = signed.replace(/<Subject>([^<]*)<\/Subject>/, '<Subject>$1 (змінено)</Subject>');
      assert.notEqual(changed, signed);
      await rejects(verifier().verify(bytes(changed)), 'SIGNATURE_DIGEST_MISMATCH');
    });

    it('refuses a tampered signature value', async () => {
      const signed = signWith(rsaSigner);
      const tampered = signed.replace(
        /<ds:SignatureValue>(.)/,
        (_, first: string) => `<ds:SignatureValue>${first === 'A' ? 'B' : 'A'}`,
      );
      await rejects(verifier().verify(bytes(tampered)), 'SIGNATURE_INVALID');
    });

    it('refuses an unsigned envelope', async () => {
      await rejects(verifier().verify(bytes(unsigned)), 'SIGNATURE_MISSING');
    });

    it('refuses comments inside signed values (c14n drops them, a naive reader would not)', async () => {
      const signed = signWith(rsaSigner);
      await verifier().verify(bytes(signed));
      const commented = signed.replace(/<Sender>(\d{4})(\d{4})<\/Sender>/, '<Sender>$1<!---->$2</Sender>');
      assert.notEqual(commented, signed);
      await rejects(verifier().verify(bytes(commented)), 'ENVELOPE_MARKUP_FORBIDDEN');
    });

    it('refuses a processing instruction inside the envelope', async () => {
      const signed = signWith(rsaSigner);
      await rejects(
        verifier().verify(bytes(signed.replace('<Body>', '<Body><?evil x?>'))),
        'ENVELOPE_MARKUP_FORBIDDEN',
      );
    });

    it('refuses a processing instruction added before the root after signing', async () => {
      const signed = signWith(rsaSigner);
      const added = signed.replace('<Envelope', '<?xml-stylesheet type="text/xsl" href="x.xsl"?>\n<Envelope');
      await rejects(verifier().verify(bytes(added)), 'ENVELOPE_MARKUP_FORBIDDEN');
    });

    it('refuses to sign what the verifier would refuse (a comment or a processing instruction)', () => {
      assert.throws(() => signWith(rsaSigner, unsigned.replace('<Body>', '<Body><!-- note -->')), {
        code: 'ENVELOPE_MARKUP_FORBIDDEN',
      });
      assert.throws(() => signWith(rsaSigner, unsigned.replace('<Envelope', '<?pi x?><Envelope')), {
        code: 'ENVELOPE_MARKUP_FORBIDDEN',
      });
    });

    it('accepts comments outside the root, which no implementation signs', async () => {
      const signed = signWith(
        rsaSigner,
        unsigned.replace('<Envelope', '<!-- exported by EDMS -->\n<Envelope'),
      );
      await verifier().verify(bytes(`${signed}\n<!-- trailing -->`));
    });
  });

  describe('signature wrapping', () => {
    it('refuses the signed envelope moved inside a new root', async () => {
      const signed = signWith(rsaSigner).replace(/^<\?xml[^?]*\?>/, '');
      await rejects(
        verifier().verify(bytes(`<Wrapper xmlns="urn:evil">${signed}</Wrapper>`)),
        'ENVELOPE_FOREIGN_NAMESPACE',
      );
    });

    it('refuses a forged envelope that carries the signed original inside it', async () => {
      const signed = signWith(rsaSigner).replace(/^<\?xml[^?]*\?>/, '');
      const forgedBody = unsigned
        .replace(/<Subject>[^<]*<\/Subject>/, '<Subject>Підроблено</Subject>')
        .replace(/^<\?xml[^?]*\?>/, '');
      const wrapped = forgedBody.replace('</Body>', `</Body>${signed}`);
      await rejects(verifier().verify(bytes(wrapped)), 'SIGNATURE_MISPLACED');
    });

    it('refuses a Signature moved into the Header', async () => {
      const signed = signWith(rsaSigner);
      const signature = /<ds:Signature[\s\S]*<\/ds:Signature>/.exec(signed)![0];
      const moved = signed.replace(signature, '').replace('</Header>', `${signature}</Header>`);
      await rejects(verifier().verify(bytes(moved)), 'SIGNATURE_MISPLACED');
    });

    it('refuses a Signature that is not the last child of the root', async () => {
      const signed = signWith(rsaSigner);
      const signature = /<ds:Signature[\s\S]*<\/ds:Signature>/.exec(signed)![0];
      const moved = signed.replace(signature, '').replace('<Header>', `${signature}<Header>`);
      await rejects(verifier().verify(bytes(moved)), 'SIGNATURE_MISPLACED');
    });

    it('refuses a second element with the referenced Id', async () => {
      const withId = unsigned.replace(
        '<Envelope xmlns="urn:vkhid:envelope:1"',
        '<Envelope xmlns="urn:vkhid:envelope:1" Id="m1"',
      );
      const signed = signWith(rsaSigner, withId, 'root-id');
      await verifier().verify(bytes(signed));
      await rejects(
        verifier().verify(bytes(signed.replace('<Body>', '<Body Id="m1">'))),
        'SIGNATURE_DUPLICATE_ID',
      );
    });

    it('refuses a reference to a part of the document only', async () => {
      const withIds = unsigned.replace('<Body>', '<Body Id="b1">');
      const forged = forgeSignature({
        xml: withIds,
        key: rsaSigner.privateKey,
        certificate: rsaSigner.certificate,
        uri: '#b1',
        transforms: [URIS.excC14n],
        digestOver: 'Body',
      });
      await rejects(verifier().verify(bytes(forged)), 'SIGNATURE_REFERENCE');
    });

    it('refuses two References', async () => {
      const forged = forgeSignature({
        xml: unsigned,
        key: rsaSigner.privateKey,
        certificate: rsaSigner.certificate,
        extraReferences: `<ds:Reference URI=""><ds:Transforms><ds:Transform Algorithm="${URIS.enveloped}"></ds:Transform></ds:Transforms><ds:DigestMethod Algorithm="${URIS.sha256}"></ds:DigestMethod><ds:DigestValue>AAAA</ds:DigestValue></ds:Reference>`,
      });
      await rejects(verifier().verify(bytes(forged)), 'SIGNATURE_REFERENCE');
    });

    it('accepts the forging helper output when it follows the profile (the attack tests are not vacuous)', async () => {
      const genuine = forgeSignature({
        xml: unsigned,
        key: rsaSigner.privateKey,
        certificate: rsaSigner.certificate,
      });
      await verifier().verify(bytes(genuine));
    });

    it('refuses two Signatures', async () => {
      const signed = signWith(rsaSigner);
      const signature = /<ds:Signature[\s\S]*<\/ds:Signature>/.exec(signed)![0];
      await rejects(
        verifier().verify(bytes(signed.replace(signature, signature + signature))),
        'SIGNATURE_MULTIPLE',
      );
    });
  });

  describe('algorithms', () => {
    it('refuses a SHA-1 digest', async () => {
      const forged = forgeSignature({
        xml: unsigned,
        key: rsaSigner.privateKey,
        certificate: rsaSigner.certificate,
        digestMethod: URIS.sha1,
      });
      await rejects(verifier().verify(bytes(forged)), 'SIGNATURE_ALGORITHM_FORBIDDEN');
    });

    it('refuses RSA-SHA1', async () => {
      const forged = forgeSignature({
        xml: unsigned,
        key: rsaSigner.privateKey,
        certificate: rsaSigner.certificate,
        signatureMethod: URIS.rsaSha1,
      });
      await rejects(verifier().verify(bytes(forged)), 'SIGNATURE_ALGORITHM_FORBIDDEN');
    });

    it('refuses HMAC keyed with the public certificate (key confusion)', async () => {
      const forged = forgeSignature({
        xml: unsigned,
        key: rsaSigner.privateKey,
        certificate: rsaSigner.certificate,
        signatureMethod: URIS.hmacSha1,
        hmacSecret: rsaSigner.certificate.raw,
      });
      await rejects(verifier().verify(bytes(forged)), 'SIGNATURE_ALGORITHM_FORBIDDEN');
    });

    it('refuses an XPath transform', async () => {
      const forged = forgeSignature({
        xml: unsigned,
        key: rsaSigner.privateKey,
        certificate: rsaSigner.certificate,
        transforms: [URIS.enveloped, URIS.xpath],
      });
      await rejects(verifier().verify(bytes(forged)), 'SIGNATURE_ALGORITHM_FORBIDDEN');
    });

    it('refuses an ECDSA algorithm claimed with an RSA key', async () => {
      const forged = forgeSignature({
        xml: unsigned,
        key: rsaSigner.privateKey,
        certificate: rsaSigner.certificate,
        signatureMethod: URIS.ecdsaSha256,
      });
      await rejects(verifier().verify(bytes(forged)), 'SIGNATURE_KEY_MISMATCH');
    });
  });

  describe('certificates and trust', () => {
    it('refuses a KeyInfo certificate that is not the one pinned for the sender', async () => {
      await verifier({ pinned: [rsaSigner] }).verify(bytes(signWith(rsaSigner)));
      await rejects(
        verifier({ pinned: [rsaSigner] }).verify(bytes(signWith(otherSigner))),
        'SIGNATURE_KEYINFO_MISMATCH',
      );
    });

    it('takes the key from the trust store, not from KeyInfo', async () => {
      // The document names the pinned certificate in KeyInfo but was signed by another key.
      const signed = signWith(otherSigner);
      const relabelled = signed.replace(
        otherSigner.certificate.raw.toString('base64'),
        rsaSigner.certificate.raw.toString('base64'),
      );
      await rejects(verifier({ pinned: [rsaSigner] }).verify(bytes(relabelled)), 'SIGNATURE_INVALID');
    });

    it('refuses an expired certificate', async () => {
      const expired = await issueCertificate(ca, 'Expired', {
        notBefore: new Date(Date.now() - 30 * DAY),
        notAfter: new Date(Date.now() - DAY),
      });
      await verifier({ now: new Date(Date.now() - 2 * DAY) }).verify(bytes(signWith(expired)));
      await rejects(verifier().verify(bytes(signWith(expired))), 'CERT_EXPIRED');
    });

    it('refuses a certificate that is not yet valid', async () => {
      const future = await issueCertificate(ca, 'Future', {
        notBefore: new Date(Date.now() + DAY),
        notAfter: new Date(Date.now() + 30 * DAY),
      });
      await verifier({ now: new Date(Date.now() + 2 * DAY) }).verify(bytes(signWith(future)));
      await rejects(verifier().verify(bytes(signWith(future))), 'CERT_NOT_YET_VALID');
    });

    it('refuses a certificate from an untrusted CA', async () => {
      const rogueCa = await createCa('Rogue CA');
      const rogue = await issueCertificate(rogueCa, 'Rogue signer');
      await verifier({ anchors: [rogueCa] }).verify(bytes(signWith(rogue)));
      await rejects(verifier().verify(bytes(signWith(rogue))), 'CERT_UNTRUSTED');
    });

    it('refuses a certificate without a signing key usage', async () => {
      const tlsOnly = await issueCertificate(ca, 'TLS only', { usage: 0x20 /* keyEncipherment */ });
      await rejects(verifier().verify(bytes(signWith(tlsOnly))), 'CERT_USAGE');
    });

    it('refuses a 1024-bit RSA signer', async () => {
      const weak = await issueCertificate(ca, 'Weak', { kind: 'rsa1024' });
      await rejects(verifier().verify(bytes(signWith(weak))), 'CERT_WEAK_KEY');
    });

    it('refuses a document without KeyInfo when no certificate is pinned for the sender', async () => {
      const forged = forgeSignature({ xml: unsigned, key: rsaSigner.privateKey });
      await verifier({ pinned: [rsaSigner] }).verify(bytes(forged));
      await rejects(verifier().verify(bytes(forged)), 'CERT_UNKNOWN_SIGNER');
    });
  });

  describe('namespaces and schema', () => {
    it('refuses a root in a foreign namespace', async () => {
      const foreign = unsigned.replace(/urn:vkhid:envelope:1/g, 'urn:vkhid:envelope:2');
      await rejects(verifier().verify(bytes(signWith(rsaSigner, foreign))), 'ENVELOPE_FOREIGN_NAMESPACE');
    });

    it('refuses correctly signed content that does not match the schema (foreign element)', async () => {
      const extended = unsigned.replace('</Header>', '</Header><x:Extra xmlns:x="urn:evil">1</x:Extra>');
      await rejects(verifier().verify(bytes(signWith(rsaSigner, extended))), 'ENVELOPE_SCHEMA_INVALID');
    });
  });

  describe('hardened intake', () => {
    const signedOnce = (): string => signWith(rsaSigner);

    it('refuses XXE (an external entity)', async () => {
      const xxe = signedOnce().replace(
        /^<\?xml[^?]*\?>/,
        '<?xml version="1.0"?><!DOCTYPE e [<!ENTITY x SYSTEM "file:///etc/passwd">]>',
      );
      await rejects(verifier().verify(bytes(xxe)), 'INTAKE_DTD_FORBIDDEN');
    });

    it('refuses entity expansion (billion laughs)', async () => {
      const laughs =
        '<!DOCTYPE l [<!ENTITY a "lol"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;"><!ENTITY c "&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;">]>';
      const bomb = signedOnce()
        .replace(/^<\?xml[^?]*\?>/, `<?xml version="1.0"?>${laughs}`)
        .replace('<Subject>', '<Subject>&c;');
      await rejects(verifier().verify(bytes(bomb)), 'INTAKE_DTD_FORBIDDEN');
    });

    it('refuses a document over the size limit', async () => {
      const signed = signedOnce();
      const limits = { ...defaultIntakeLimits, maxBytes: Buffer.byteLength(signed) };
      const small = new EnvelopeVerifier({
        trustStore: new StaticTrustStore({ anchors: [ca.certificate], acceptChainedKeyInfo: true }),
        schema: envelopeSchema(),
        limits,
      });
      await small.verify(bytes(signed));
      await rejects(small.verify(bytes(`${signed} `)), 'INTAKE_TOO_LARGE');
    });

    it('refuses nesting deeper than the limit', async () => {
      const deep = signedOnce().replace('<Body>', `<Body>${'<a>'.repeat(40)}${'</a>'.repeat(40)}`);
      await rejects(verifier().verify(bytes(deep)), 'INTAKE_TOO_DEEP');
    });

    it('refuses more elements than the limit', async () => {
      const many = signedOnce().replace('<Body>', `<Body>${'<a/>'.repeat(defaultIntakeLimits.maxElements)}`);
      await rejects(verifier().verify(bytes(many)), 'INTAKE_TOO_MANY_ELEMENTS');
    });

    it('refuses more attributes on one element than the limit', async () => {
      const attributes = Array.from({ length: 40 }, (_, i) => ` a${i}="1"`).join('');
      await rejects(
        verifier().verify(bytes(signedOnce().replace('<Body>', `<Body${attributes}>`))),
        'INTAKE_TOO_MANY_ATTRIBUTES',
      );
    });

    it('refuses invalid UTF-8', async () => {
      const signed = bytes(signedOnce());
      const at = signed.indexOf('<Subject>') + '<Subject>'.length;
      const broken = Buffer.concat([signed.subarray(0, at), Buffer.from([0xc3, 0x28]), signed.subarray(at)]);
      await rejects(verifier().verify(broken), 'INTAKE_BAD_ENCODING');
    });

    it('refuses malformed XML', async () => {
      await rejects(verifier().verify(bytes(signedOnce().replace('</Body>', '</Bodx>'))), 'INTAKE_MALFORMED');
    });

    it('refuses an empty document', async () => {
      await rejects(verifier().verify(Buffer.alloc(0)), 'INTAKE_EMPTY');
    });
  });
});

/** windows-1251 encoder for the encoding baseline (Node's TextEncoder only writes UTF-8). */
class TextEncoderWindows1251 {
  private readonly table = new Map<string, number>();
  constructor() {
    const decoder = new TextDecoder('windows-1251');
    for (let byte = 0; byte < 256; byte++) this.table.set(decoder.decode(Uint8Array.of(byte)), byte);
  }
  encode(text: string): Uint8Array {
    return Uint8Array.from(
      [...text].map((char) => {
        const byte = this.table.get(char);
        if (byte === undefined) throw new Error(`not encodable in windows-1251: ${char}`);
        return byte;
      }),
    );
  }
}
