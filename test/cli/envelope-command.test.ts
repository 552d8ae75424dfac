/**
 * `vkhid envelope validate|sign|verify|inspect`, run in-process through runCli with captured output. Keys and
 * certificates are made by test/support/test-pki.ts and written as PEM files to a temporary directory.
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { schemasDirectory } from '../../gateway/package-paths.js';
import { createCa, issueCertificate, type TestIdentity } from '../support/test-pki.js';
import { expectJsonRefusal, expectStderrRefusal, runVkhid, stdoutJson } from './fixtures/run-vkhid.js';

const EXAMPLES = join(schemasDirectory, 'examples');
const exampleFiles = readdirSync(EXAMPLES)
  .filter((name) => name.endsWith('.xml'))
  .sort();
const examplePath = (name: string): string => join(EXAMPLES, name);
const appealPath = examplePath('appeal.xml');
const appeal = readFileSync(appealPath, 'utf8');

/** The text of the first `<name>` element of an example (the header fields are unique and unprefixed). */
function field(xml: string, name: string): string | undefined {
  return new RegExp(`<${name}>([^<]*)</${name}>`).exec(xml)?.[1];
}

function required(xml: string, name: string): string {
  const value = field(xml, name);
  assert.ok(value !== undefined, `no <${name}> in the example`);
  return value;
}

/** The appeal with a DOCTYPE whose internal subset is `subset`, and `&reference;` placed in the Subject. */
function withDoctype(subset: string, reference?: string): string {
  const declared = appeal.replace('<Envelope', `<!DOCTYPE Envelope [${subset}]>\n<Envelope`);
  return reference === undefined ? declared : declared.replace('<Subject>', `<Subject>&${reference};`);
}

/** Ten levels of entities, each ten of the one below: 10^10 characters if anything ever expanded it. */
const BILLION_LAUGHS = Array.from({ length: 10 }, (_, level) =>
  level === 0 ? '<!ENTITY l0 "lol">' : `<!ENTITY l${level} "${`&l${level - 1};`.repeat(10)}">`,
).join('');

const PASSPHRASE_ENV = 'VKHID_TEST_KEY_PASSPHRASE';
const PASSPHRASE = 'correct horse battery staple';

describe('vkhid envelope (CLI)', function () {
  this.timeout(60_000);

  let dir: string;
  let ca: TestIdentity;
  let signer: TestIdentity;
  let other: TestIdentity;
  const files = { caPem: '', signerCert: '', signerKey: '', otherCert: '', otherKey: '', encryptedKey: '' };
  let counter = 0;

  /** Writes `content` to a fresh file in the temporary directory and returns its path. */
  function write(name: string, content: string | Buffer): string {
    const path = join(dir, `${counter++}-${name}`);
    writeFileSync(path, content);
    return path;
  }

  /** A fresh path in the temporary directory that does not exist yet. */
  function outPath(name: string): string {
    return join(dir, `${counter++}-${name}`);
  }

  /** Signs `file` with the test signer into a new file and returns its path. */
  async function signToFile(file: string, ...extra: string[]): Promise<string> {
    const out = outPath('signed.xml');
    const run = await runVkhid(
      'envelope',
      'sign',
      file,
      '--key',
      files.signerKey,
      '--cert',
      files.signerCert,
      '--out',
      out,
      ...extra,
    );
    assert.equal(run.code, 0, run.stderr);
    return out;
  }

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'vkhid-cli-'));
    ca = await createCa('Vkhid CLI Test CA');
    signer = await issueCertificate(ca, 'Contact center signer');
    other = await issueCertificate(ca, 'Some other participant');
    files.caPem = write('ca.pem', ca.certificatePem);
    files.signerCert = write('signer.crt.pem', signer.certificatePem);
    files.signerKey = write('signer.key.pem', signer.privateKeyPem);
    files.otherCert = write('other.crt.pem', other.certificatePem);
    files.otherKey = write('other.key.pem', other.privateKeyPem);
    files.encryptedKey = write(
      'signer.encrypted.key.pem',
      signer.privateKey.export({
        type: 'pkcs8',
        format: 'pem',
        cipher: 'aes-256-cbc',
        passphrase: PASSPHRASE,
      }),
    );
  });

  after(() => {
    delete process.env[PASSPHRASE_ENV];
    if (dir !== undefined) rmSync(dir, { recursive: true, force: true });
  });

  it('has the five examples to run against', () => {
    assert.deepEqual(exampleFiles, ['answer.xml', 'appeal.xml', 'error.xml', 'receipt.xml', 'status.xml']);
  });

  describe('validate', () => {
    for (const name of exampleFiles) {
      it(`accepts schemas/examples/${name}: exit 0, {"valid":true}`, async () => {
        const run = await runVkhid('envelope', 'validate', examplePath(name));
        assert.equal(run.code, 0, run.stdout + run.stderr);
        assert.deepEqual(stdoutJson(run), { valid: true });
        assert.equal(run.stderr, '');
      });
    }

    it('refuses a schema-invalid envelope (a 7-digit Sender): exit 1, ENVELOPE_SCHEMA_INVALID naming the field', async () => {
      const invalid = appeal.replace('<Sender>00015622</Sender>', '<Sender>0001562</Sender>');
      assert.notEqual(invalid, appeal);
      const json = expectJsonRefusal(
        await runVkhid('envelope', 'validate', write('bad-sender.xml', invalid)),
        'ENVELOPE_SCHEMA_INVALID',
      );
      assert.match(String(json.message), /Sender/);
      assert.equal(typeof json.field, 'string');
    });

    it('refuses a DOCTYPE declaring an external entity (XXE): exit 1, INTAKE_DTD_FORBIDDEN', async () => {
      const secret = write('secret.txt', 'TOP-SECRET-VALUE');
      const doctype = withDoctype(`<!ENTITY secret SYSTEM "file://${secret}">`, 'secret');
      const run = await runVkhid('envelope', 'validate', write('xxe.xml', doctype));
      expectJsonRefusal(run, 'INTAKE_DTD_FORBIDDEN');
      assert.ok(!run.stdout.includes('TOP-SECRET-VALUE'));
    });

    it('refuses a DOCTYPE declaring nested entities (billion laughs): exit 1, INTAKE_DTD_FORBIDDEN', async () => {
      const run = await runVkhid('envelope', 'validate', write('lol.xml', withDoctype(BILLION_LAUGHS, 'l9')));
      expectJsonRefusal(run, 'INTAKE_DTD_FORBIDDEN');
    });

    it('refuses a document nested deeper than the intake limit: exit 1, INTAKE_TOO_DEEP', async () => {
      const deep = appeal.replace('<Subject>', `<Subject>${'<e>'.repeat(40)}${'</e>'.repeat(40)}`);
      expectJsonRefusal(await runVkhid('envelope', 'validate', write('deep.xml', deep)), 'INTAKE_TOO_DEEP');
    });

    it('refuses bytes that are not UTF-8: exit 1, INTAKE_BAD_ENCODING', async () => {
      const bytes = Buffer.from(appeal, 'utf8');
      const at = bytes.indexOf('<Subject>') + '<Subject>'.length;
      bytes[at] = 0xc0;
      expectJsonRefusal(
        await runVkhid('envelope', 'validate', write('bad-utf8.xml', bytes)),
        'INTAKE_BAD_ENCODING',
      );
    });

    it('refuses a missing file: exit 1, CLI_FILE_UNREADABLE naming it', async () => {
      const missing = join(dir, 'no-such-file.xml');
      const json = expectJsonRefusal(await runVkhid('envelope', 'validate', missing), 'CLI_FILE_UNREADABLE');
      assert.ok(String(json.message).includes(missing), String(json.message));
    });
  });

  describe('sign and verify', () => {
    for (const name of exampleFiles) {
      it(`signs schemas/examples/${name} to stdout and verifies it with --ca: valid, with the example's header`, async () => {
        const example = readFileSync(examplePath(name), 'utf8');
        const signedRun = await runVkhid(
          'envelope',
          'sign',
          examplePath(name),
          '--key',
          files.signerKey,
          '--cert',
          files.signerCert,
        );
        assert.equal(signedRun.code, 0, signedRun.stderr);
        assert.equal(signedRun.stderr, '');
        assert.match(signedRun.stdout, /^<\?xml version="1\.0" encoding="UTF-8"\?>/);
        assert.match(
          signedRun.stdout,
          /<ds:Signature xmlns:ds="http:\/\/www\.w3\.org\/2000\/09\/xmldsig#">[\s\S]*<\/ds:Signature><\/Envelope>/,
        );
        const signedFile = write(`signed-${name}`, signedRun.stdout);

        const run = await runVkhid('envelope', 'verify', signedFile, '--ca', files.caPem);
        assert.equal(run.code, 0, run.stdout + run.stderr);
        const json = stdoutJson(run);
        assert.equal(json.valid, true);
        assert.equal(json.messageId, required(example, 'MessageId'));
        assert.equal(json.type, required(example, 'Type'));
        assert.equal(json.type, name.replace(/\.xml$/, ''));
        assert.equal(json.sender, required(example, 'Sender'));
        assert.equal(json.recipient, required(example, 'Recipient'));
        assert.match(String(json.signer), /Contact center signer/);
        assert.equal(json.sha256, createHash('sha256').update(readFileSync(signedFile)).digest('hex'));
      });
    }

    it('sign --out writes the signed file and prints nothing on stdout', async () => {
      const out = outPath('out.xml');
      const run = await runVkhid(
        'envelope',
        'sign',
        appealPath,
        '--key',
        files.signerKey,
        '--cert',
        files.signerCert,
        '--out',
        out,
      );
      assert.equal(run.code, 0, run.stderr);
      assert.equal(run.stdout, '');
      assert.equal(run.stderr, '');
      const signed = readFileSync(out, 'utf8');
      assert.match(signed, /<ds:SignatureValue>/);
      // The original bytes are kept: removing the signature gives back the example.
      assert.equal(signed.replace(/<ds:Signature [\s\S]*<\/ds:Signature>/, ''), appeal);
    });

    it('verify --cert (a pinned signer certificate) accepts the signer', async () => {
      const signed = await signToFile(appealPath);
      const run = await runVkhid(
        'envelope',
        'verify',
        signed,
        '--ca',
        files.caPem,
        '--cert',
        files.signerCert,
      );
      assert.equal(run.code, 0, run.stdout + run.stderr);
      assert.equal(stdoutJson(run).valid, true);
    });

    it('verify --cert with a different pinned certificate refuses: exit 1, SIGNATURE_KEYINFO_MISMATCH', async () => {
      const signed = await signToFile(appealPath);
      const run = await runVkhid(
        'envelope',
        'verify',
        signed,
        '--ca',
        files.caPem,
        '--cert',
        files.otherCert,
      );
      expectJsonRefusal(run, 'SIGNATURE_KEYINFO_MISMATCH');
    });

    it('verify of the unsigned example refuses: exit 1, SIGNATURE_MISSING', async () => {
      expectJsonRefusal(
        await runVkhid('envelope', 'verify', appealPath, '--ca', files.caPem),
        'SIGNATURE_MISSING',
      );
    });

    it('verify of a signed envelope changed afterwards refuses: exit 1, SIGNATURE_DIGEST_MISMATCH', async () => {
      const signed = readFileSync(await signToFile(appealPath), 'utf8');
      const changed = signed.replace('<Urgency>normal</Urgency>', '<Urgency>urgent</Urgency>');
      assert.notEqual(changed, signed);
      expectJsonRefusal(
        await runVkhid('envelope', 'verify', write('changed.xml', changed), '--ca', files.caPem),
        'SIGNATURE_DIGEST_MISMATCH',
      );
    });

    it('verify without --ca is a usage error: exit 2, CLI_USAGE on stderr', async () => {
      const signed = await signToFile(appealPath);
      expectStderrRefusal(await runVkhid('envelope', 'verify', signed), 'CLI_USAGE', 2);
    });

    it('sign with a key that does not belong to the certificate refuses: exit 1, KEY_INVALID', async () => {
      const out = outPath('mismatched-key.xml');
      const run = await runVkhid(
        'envelope',
        'sign',
        appealPath,
        '--key',
        files.otherKey,
        '--cert',
        files.signerCert,
        '--out',
        out,
      );
      expectStderrRefusal(run, 'KEY_INVALID');
      assert.equal(existsSync(out), false);
    });

    it('sign of an already signed file refuses: exit 1, SIGNATURE_ALREADY_SIGNED', async () => {
      const signed = await signToFile(appealPath);
      const run = await runVkhid(
        'envelope',
        'sign',
        signed,
        '--key',
        files.signerKey,
        '--cert',
        files.signerCert,
      );
      expectStderrRefusal(run, 'SIGNATURE_ALREADY_SIGNED');
    });

    it('sign of a schema-invalid file refuses: exit 1, ENVELOPE_SCHEMA_INVALID, and no output file is created', async () => {
      const invalid = write(
        'bad-sender.xml',
        appeal.replace('<Sender>00015622</Sender>', '<Sender>0001562</Sender>'),
      );
      const out = outPath('never-written.xml');
      const run = await runVkhid(
        'envelope',
        'sign',
        invalid,
        '--key',
        files.signerKey,
        '--cert',
        files.signerCert,
        '--out',
        out,
      );
      expectStderrRefusal(run, 'ENVELOPE_SCHEMA_INVALID');
      assert.equal(existsSync(out), false);
    });

    it('sign of a file with a plain DOCTYPE refuses: exit 1, INTAKE_DTD_FORBIDDEN', async () => {
      const doctype = write('doctype.xml', appeal.replace('<Envelope', '<!DOCTYPE Envelope>\n<Envelope'));
      const run = await runVkhid(
        'envelope',
        'sign',
        doctype,
        '--key',
        files.signerKey,
        '--cert',
        files.signerCert,
      );
      expectStderrRefusal(run, 'INTAKE_DTD_FORBIDDEN');
    });

    it('sign of a DOCTYPE declaring an external entity (XXE) refuses: exit 1, INTAKE_DTD_FORBIDDEN', async () => {
      const secret = write('secret.txt', 'TOP-SECRET-VALUE');
      const xxe = write('xxe.xml', withDoctype(`<!ENTITY secret SYSTEM "file://${secret}">`, 'secret'));
      const out = outPath('xxe-signed.xml');
      const run = await runVkhid(
        'envelope',
        'sign',
        xxe,
        '--key',
        files.signerKey,
        '--cert',
        files.signerCert,
        '--out',
        out,
      );
      assert.ok(!run.stdout.includes('TOP-SECRET-VALUE') && !run.stderr.includes('TOP-SECRET-VALUE'));
      expectStderrRefusal(run, 'INTAKE_DTD_FORBIDDEN');
      assert.equal(existsSync(out), false);
    });

    it('sign of a DOCTYPE declaring nested entities (billion laughs) refuses: exit 1, INTAKE_DTD_FORBIDDEN', async () => {
      const lol = write('lol.xml', withDoctype(BILLION_LAUGHS, 'l9'));
      const run = await runVkhid(
        'envelope',
        'sign',
        lol,
        '--key',
        files.signerKey,
        '--cert',
        files.signerCert,
      );
      expectStderrRefusal(run, 'INTAKE_DTD_FORBIDDEN');
    });

    it('sign applies the intake limits before the schema: nested deeper than the limit is INTAKE_TOO_DEEP', async () => {
      const deep = write(
        'deep.xml',
        appeal.replace('<Subject>', `<Subject>${'<e>'.repeat(40)}${'</e>'.repeat(40)}`),
      );
      const run = await runVkhid(
        'envelope',
        'sign',
        deep,
        '--key',
        files.signerKey,
        '--cert',
        files.signerCert,
      );
      expectStderrRefusal(run, 'INTAKE_TOO_DEEP');
    });

    it('verify of a DOCTYPE declaring an external entity refuses: exit 1, INTAKE_DTD_FORBIDDEN', async () => {
      const signed = readFileSync(await signToFile(appealPath), 'utf8');
      const xxe = signed.replace(
        '<Envelope',
        '<!DOCTYPE Envelope [<!ENTITY x SYSTEM "file:///etc/hostname">]>\n<Envelope',
      );
      expectJsonRefusal(
        await runVkhid('envelope', 'verify', write('xxe-signed.xml', xxe), '--ca', files.caPem),
        'INTAKE_DTD_FORBIDDEN',
      );
    });

    it('sign --reference root-id references the root Id, and the result verifies', async () => {
      const withId = write(
        'with-id.xml',
        appeal.replace(
          '<Envelope xmlns="urn:vkhid:envelope:1"',
          '<Envelope xmlns="urn:vkhid:envelope:1" Id="m1"',
        ),
      );
      const signed = await signToFile(withId, '--reference', 'root-id');
      assert.match(readFileSync(signed, 'utf8'), /<ds:Reference URI="#m1">/);
      const run = await runVkhid('envelope', 'verify', signed, '--ca', files.caPem);
      assert.equal(run.code, 0, run.stdout + run.stderr);
    });

    it('sign --reference root-id on a root without Id refuses: exit 1, SIGNATURE_REFERENCE', async () => {
      const run = await runVkhid(
        'envelope',
        'sign',
        appealPath,
        '--key',
        files.signerKey,
        '--cert',
        files.signerCert,
        '--reference',
        'root-id',
      );
      expectStderrRefusal(run, 'SIGNATURE_REFERENCE');
    });

    it('sign --reference bogus is a usage error: exit 2', async () => {
      const out = outPath('bogus-reference.xml');
      const run = await runVkhid(
        'envelope',
        'sign',
        appealPath,
        '--key',
        files.signerKey,
        '--cert',
        files.signerCert,
        '--reference',
        'bogus',
        '--out',
        out,
      );
      expectStderrRefusal(run, 'CLI_USAGE', 2);
      assert.equal(existsSync(out), false);
    });

    describe('an encrypted PKCS#8 key', () => {
      afterEach(() => {
        delete process.env[PASSPHRASE_ENV];
      });

      it('signs with the passphrase from --passphrase-env, and the result verifies', async () => {
        assert.match(readFileSync(files.encryptedKey, 'utf8'), /^-----BEGIN ENCRYPTED PRIVATE KEY-----/);
        process.env[PASSPHRASE_ENV] = PASSPHRASE;
        const out = outPath('signed-encrypted.xml');
        const run = await runVkhid(
          'envelope',
          'sign',
          appealPath,
          '--key',
          files.encryptedKey,
          '--cert',
          files.signerCert,
          '--passphrase-env',
          PASSPHRASE_ENV,
          '--out',
          out,
        );
        assert.equal(run.code, 0, run.stderr);
        const verified = await runVkhid(
          'envelope',
          'verify',
          out,
          '--ca',
          files.caPem,
          '--cert',
          files.signerCert,
        );
        assert.equal(verified.code, 0, verified.stdout + verified.stderr);
      });

      it('refuses a wrong passphrase: exit 1, KEY_INVALID, without echoing the passphrase', async () => {
        process.env[PASSPHRASE_ENV] = 'wrong horse';
        const run = await runVkhid(
          'envelope',
          'sign',
          appealPath,
          '--key',
          files.encryptedKey,
          '--cert',
          files.signerCert,
          '--passphrase-env',
          PASSPHRASE_ENV,
        );
        expectStderrRefusal(run, 'KEY_INVALID');
        assert.ok(!run.stderr.includes('wrong horse'));
      });

      it('refuses the key without a passphrase: exit 1, KEY_INVALID', async () => {
        const run = await runVkhid(
          'envelope',
          'sign',
          appealPath,
          '--key',
          files.encryptedKey,
          '--cert',
          files.signerCert,
        );
        expectStderrRefusal(run, 'KEY_INVALID');
      });
    });
  });

  describe('inspect', () => {
    for (const name of exampleFiles) {
      it(`inspect --json schemas/examples/${name}: the header, signed false`, async () => {
        const example = readFileSync(examplePath(name), 'utf8');
        const run = await runVkhid('envelope', 'inspect', '--json', examplePath(name));
        assert.equal(run.code, 0, run.stderr);
        const json = stdoutJson(run);
        assert.equal(json.messageId, required(example, 'MessageId'));
        assert.equal(json.type, required(example, 'Type'));
        assert.equal(json.sender, required(example, 'Sender'));
        assert.equal(json.recipient, required(example, 'Recipient'));
        assert.equal(json.tracking, field(example, 'Tracking') ?? null);
        assert.equal(json.createdAt, required(example, 'CreatedAt'));
        assert.equal(json.signed, false);
      });
    }

    it('inspect --json of a signed envelope: the header, signed true', async () => {
      const signed = await signToFile(appealPath);
      const run = await runVkhid('envelope', 'inspect', '--json', signed);
      assert.equal(run.code, 0, run.stderr);
      const json = stdoutJson(run);
      assert.equal(json.messageId, required(appeal, 'MessageId'));
      assert.equal(json.type, 'appeal');
      assert.equal(json.sender, required(appeal, 'Sender'));
      assert.equal(json.recipient, required(appeal, 'Recipient'));
      assert.equal(json.tracking, required(appeal, 'Tracking'));
      assert.equal(json.createdAt, required(appeal, 'CreatedAt'));
      assert.equal(json.signed, true);
    });

    it('the human form of a signed envelope names the message id and says the signature is not checked', async () => {
      const signed = await signToFile(appealPath);
      const run = await runVkhid('envelope', 'inspect', signed);
      assert.equal(run.code, 0, run.stderr);
      assert.ok(run.stdout.includes(required(appeal, 'MessageId')), run.stdout);
      assert.match(run.stdout, /not checked/i);
      assert.throws(() => JSON.parse(run.stdout) as unknown, SyntaxError);
    });

    it('the human form of an unsigned envelope names the message id and says it is unsigned', async () => {
      const run = await runVkhid('envelope', 'inspect', appealPath);
      assert.equal(run.code, 0, run.stderr);
      assert.ok(run.stdout.includes(required(appeal, 'MessageId')), run.stdout);
      assert.match(run.stdout, /unsigned/i);
      assert.doesNotMatch(run.stdout, /\(signed/);
    });

    it('prints no personal data of the applicant (name, phone, e-mail, address)', async () => {
      const personal = [
        required(appeal, 'FullName'),
        required(appeal, 'Phone'),
        required(appeal, 'Email'),
        required(appeal, 'Address'),
      ];
      const surname = personal[0]!.split(' ')[0]!;
      const mailbox = personal[2]!.split('@')[0]!;
      const digits = personal[1]!.replace(/\D/g, '').slice(-7);
      const signed = await signToFile(appealPath);
      for (const file of [appealPath, signed]) {
        for (const argv of [
          ['envelope', 'inspect', '--json', file],
          ['envelope', 'inspect', file],
        ]) {
          const run = await runVkhid(...argv);
          assert.equal(run.code, 0, run.stderr);
          const output = run.stdout + run.stderr;
          for (const secret of [...personal, surname, mailbox]) {
            assert.ok(!output.includes(secret), `${argv.join(' ')} prints ${secret}:\n${output}`);
          }
          assert.ok(
            !output.replace(/\D/g, ' ').includes(digits) && !output.includes('123-45-67'),
            `${argv.join(' ')} prints the phone`,
          );
        }
      }
    });

    it('inspect of a DOCTYPE file refuses: exit 1, INTAKE_DTD_FORBIDDEN on stderr', async () => {
      const doctype = write('doctype.xml', appeal.replace('<Envelope', '<!DOCTYPE Envelope>\n<Envelope'));
      expectStderrRefusal(await runVkhid('envelope', 'inspect', '--json', doctype), 'INTAKE_DTD_FORBIDDEN');
    });

    it('inspect of a missing file refuses: exit 1, CLI_FILE_UNREADABLE on stderr', async () => {
      expectStderrRefusal(
        await runVkhid('envelope', 'inspect', join(dir, 'missing.xml')),
        'CLI_FILE_UNREADABLE',
      );
    });
  });

  describe('the command line', () => {
    it('an unknown command is a usage error: exit 2', async () => {
      const run = await runVkhid('frobnicate');
      assert.equal(run.code, 2);
      assert.match(run.stderr, /unknown command/);
      assert.equal(run.stdout, '');
    });

    it('an unknown envelope subcommand is a usage error: exit 2', async () => {
      const run = await runVkhid('envelope', 'frobnicate', appealPath);
      assert.equal(run.code, 2);
      assert.match(run.stderr, /unknown command/);
    });

    it('an unknown option is a usage error: exit 2', async () => {
      const run = await runVkhid('envelope', 'validate', '--frobnicate', appealPath);
      assert.equal(run.code, 2);
      assert.match(run.stderr, /unknown option '--frobnicate'/);
      assert.equal(run.stdout, '');
    });

    it('a missing required option is a usage error: exit 2', async () => {
      const run = await runVkhid('envelope', 'sign', appealPath, '--cert', files.signerCert);
      assert.equal(run.code, 2);
      assert.match(run.stderr, /--key/);
      assert.equal(run.stdout, '');
    });

    it('--help prints the usage on stdout: exit 0', async () => {
      const run = await runVkhid('--help');
      assert.equal(run.code, 0, run.stderr);
      assert.match(run.stdout, /Usage: vkhid/);
      assert.match(run.stdout, /envelope/);
    });

    it('envelope sign --help lists its options: exit 0', async () => {
      const run = await runVkhid('envelope', 'sign', '--help');
      assert.equal(run.code, 0, run.stderr);
      assert.match(run.stdout, /--passphrase-env/);
      assert.match(run.stdout, /--reference/);
    });
  });
});
