/**
 * Password-protected PKCS#12 files for keys the hub generates for a participant.
 *
 * Layout (node-forge's): one unencrypted SafeContents with the certificate bags (the participant's
 * certificate, then the CA certificate), one with the private key as a pkcs8ShroudedKeyBag, encrypted with
 * PBES2 (PBKDF2-HMAC-SHA256, 100,000 iterations, 16-byte salt) and AES-256-CBC; the key and its certificate
 * share a localKeyId (SHA-1 of the certificate) and a friendlyName; integrity by an HMAC-SHA1 MAC (PKCS#12
 * key derivation, the same iterations). OpenSSL 3, Windows and Java read it.
 *
 * RSA keys go through `forge.pkcs12.toPkcs12Asn1`. forge cannot represent EC keys or parse certificates of
 * EC keys, so for those the same structure is assembled here from forge's own parts (`encryptPrivateKeyInfo`
 * with the same options, `pkcs12.generateKey` and HMAC for the MAC).
 */
import { createHash, type KeyObject } from 'node:crypto';
import forge from 'node-forge';
import { VkhidError } from '../errors/vkhid-error.js';
import { toForgeRsaKey } from './key-material.js';

const { asn1 } = forge;

export const MIN_PASSWORD_LENGTH = 12;
const MAX_PASSWORD_LENGTH = 256;
export const PKCS12_ITERATIONS = 100_000;
const SALT_BYTES = 16;

const OPTIONS = {
  algorithm: 'aes256',
  count: PKCS12_ITERATIONS,
  saltSize: SALT_BYTES,
  prfAlgorithm: 'sha256',
} as const;

/**
 * At least 12 characters, printable ASCII only: PKCS#12 readers disagree on how other characters become
 * bytes (OpenSSL uses UTF-8 for PBES2 and UTF-16 for the MAC, forge and older Windows neither), so a file
 * protected by such a password may not open elsewhere. Throws PKI_WEAK_PASSWORD.
 */
export function checkPkcs12Password(password: string): void {
  if (typeof password !== 'string' || password.length < MIN_PASSWORD_LENGTH) {
    throw new VkhidError('PKI_WEAK_PASSWORD', {
      args: [`it must have at least ${MIN_PASSWORD_LENGTH} characters`],
      field: 'password',
    });
  }
  if (password.length > MAX_PASSWORD_LENGTH) {
    throw new VkhidError('PKI_WEAK_PASSWORD', {
      args: [`it must have at most ${MAX_PASSWORD_LENGTH} characters`],
      field: 'password',
    });
  }
  if (!/^[\x20-\x7e]+$/.test(password)) {
    throw new VkhidError('PKI_WEAK_PASSWORD', {
      args: ['only printable ASCII characters are portable between PKCS#12 readers'],
      field: 'password',
    });
  }
}

export interface Pkcs12Contents {
  readonly privateKey: KeyObject;
  /** The certificate of `privateKey` (DER). */
  readonly certificate: Buffer;
  /** Further certificates (DER), the CA first. */
  readonly chain: readonly Buffer[];
  readonly password: string;
  readonly friendlyName: string;
}

export function buildPkcs12(contents: Pkcs12Contents): Buffer {
  checkPkcs12Password(contents.password);
  const pfx =
    contents.privateKey.asymmetricKeyType === 'rsa'
      ? forge.pkcs12.toPkcs12Asn1(
          toForgeRsaKey(contents.privateKey),
          [contents.certificate, ...contents.chain].map((der) =>
            forge.pki.certificateFromAsn1(asn1.fromDer(der.toString('binary'))),
          ),
          contents.password,
          { ...OPTIONS, friendlyName: contents.friendlyName, generateLocalKeyId: true },
        )
      : assemblePkcs12(contents);
  return Buffer.from(asn1.toDer(pfx).getBytes(), 'binary');
}

/** forge's toPkcs12Asn1 for any PKCS#8 key and any certificates. */
function assemblePkcs12(contents: Pkcs12Contents): forge.asn1.Asn1 {
  const localKeyId = createHash('sha1').update(contents.certificate).digest('binary');
  const attributes = create(asn1.Type.SET, [
    attribute(forge.pki.oids.localKeyId!, create(asn1.Type.OCTETSTRING, localKeyId)),
    attribute(forge.pki.oids.friendlyName!, create(asn1.Type.BMPSTRING, contents.friendlyName)),
  ]);
  const certificateBags = [contents.certificate, ...contents.chain].map((der, index) =>
    sequence([
      oid(forge.pki.oids.certBag!),
      explicit(0, [
        sequence([
          oid(forge.pki.oids.x509Certificate!),
          explicit(0, [create(asn1.Type.OCTETSTRING, der.toString('binary'))]),
        ]),
      ]),
      ...(index === 0 ? [attributes] : []),
    ]),
  );
  const privateKeyInfo = asn1.fromDer(
    contents.privateKey.export({ type: 'pkcs8', format: 'der' }).toString('binary'),
  );
  const keyBag = sequence([
    oid(forge.pki.oids.pkcs8ShroudedKeyBag!),
    explicit(0, [forge.pki.encryptPrivateKeyInfo(privateKeyInfo, contents.password, { ...OPTIONS })]),
    attributes,
  ]);
  const safe = sequence([data(sequence(certificateBags)), data(sequence([keyBag]))]);
  const safeDer = asn1.toDer(safe).getBytes();

  const macSalt = forge.random.getBytesSync(SALT_BYTES);
  const sha1 = forge.md.sha1.create();
  const macKey = forge.pkcs12.generateKey(
    contents.password,
    forge.util.createBuffer(macSalt),
    3,
    PKCS12_ITERATIONS,
    20,
  );
  const hmac = forge.hmac.create();
  hmac.start(sha1, macKey);
  hmac.update(safeDer);
  const macData = sequence([
    sequence([
      sequence([oid(forge.pki.oids.sha1!), create(asn1.Type.NULL, '')]),
      create(asn1.Type.OCTETSTRING, hmac.getMac().getBytes()),
    ]),
    create(asn1.Type.OCTETSTRING, macSalt),
    create(asn1.Type.INTEGER, asn1.integerToDer(PKCS12_ITERATIONS).getBytes()),
  ]);
  return sequence([create(asn1.Type.INTEGER, asn1.integerToDer(3).getBytes()), data(safe), macData]);
}

function create(type: forge.asn1.Type, value: string | forge.asn1.Asn1[]): forge.asn1.Asn1 {
  return asn1.create(asn1.Class.UNIVERSAL, type, Array.isArray(value), value);
}

function sequence(values: forge.asn1.Asn1[]): forge.asn1.Asn1 {
  return create(asn1.Type.SEQUENCE, values);
}

function oid(value: string): forge.asn1.Asn1 {
  return create(asn1.Type.OID, asn1.oidToDer(value).getBytes());
}

function explicit(tag: number, values: forge.asn1.Asn1[]): forge.asn1.Asn1 {
  return asn1.create(asn1.Class.CONTEXT_SPECIFIC, tag, true, values);
}

function attribute(type: string, value: forge.asn1.Asn1): forge.asn1.Asn1 {
  return sequence([oid(type), create(asn1.Type.SET, [value])]);
}

/** A PKCS#7 ContentInfo of type data around `content`. */
function data(content: forge.asn1.Asn1): forge.asn1.Asn1 {
  return sequence([
    oid(forge.pki.oids.data!),
    explicit(0, [create(asn1.Type.OCTETSTRING, asn1.toDer(content).getBytes())]),
  ]);
}
