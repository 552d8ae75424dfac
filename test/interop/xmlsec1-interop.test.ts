/**
 * Interoperability with an independent XMLDSig implementation: xmlsec1 (libxmlsec1 over libxml2 and OpenSSL).
 *
 * Both directions, for RSA-2048 (rsa-sha256) and ECDSA P-256 (ecdsa-sha256), with keys and certificates made by
 * the openssl CLI (not by our own test PKI, so a shared misunderstanding cannot hide):
 *
 * - Vkhid signs the example envelopes through the CLI; `xmlsec1 --verify` must accept them, both with
 *   Reference URI="" and with URI="#Id";
 * - xmlsec1 signs the examples from hand-written, pretty-printed templates (fixtures/, with a `ds:` prefix and
 *   with the default namespace); `vkhid envelope verify` must accept them under `--ca` and under `--cert`;
 * - one changed character in signed text is refused by the other side, and a CA that did not issue the signer
 *   is refused with CERT_UNTRUSTED.
 *
 * xmlsec1 and openssl are required: a missing tool fails the suite (it is a broken CI setup, never a skip).
 * `.ci/run` installs them.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { runCli } from '../../gateway/cli/run-cli.js';
import { schemasDirectory } from '../../gateway/package-paths.js';

const fixtures = join(dirname(fileURLToPath(import.meta.url)), 'fixtures');
const examples = join(schemasDirectory, 'examples');

/** appeal.xml carries a Subject (the text the negative twins change); the others widen the coverage. */
const EXAMPLES = ['appeal.xml', 'receipt.xml', 'status.xml', 'answer.xml', 'error.xml'] as const;
const TEMPLATE_STYLES = ['ds-prefix', 'default-ns'] as const;
const ENVELOPE_NAMESPACE = 'urn:vkhid:envelope:1';

type KeyKind = 'rsa' | 'ec';

interface Pki {
  readonly kind: KeyKind;
  readonly caPem: string;
  readonly keyPem: string;
  readonly certPem: string;
  /** A CA of the same key type that did not issue the signer. */
  readonly otherCaPem: string;
  readonly signerCn: string;
}

interface ToolResult {
  readonly status: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

interface CliResult {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

function run(command: string, args: readonly string[], cwd?: string): ToolResult {
  const result = spawnSync(command, args, {
    cwd,
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'],
    timeout: 60_000,
  });
  if (result.error !== undefined) {
    const code = (result.error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT')
      assert.fail(`${command} is not installed: .ci/run installs it (apt-get install ${command})`);
    throw result.error;
  }
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

/** Runs a tool that must succeed; its output is in the assertion message when it does not. */
function must(command: string, args: readonly string[], cwd?: string): ToolResult {
  const result = run(command, args, cwd);
  assert.equal(
    result.status,
    0,
    `${command} ${args.join(' ')} exited ${String(result.status)}\n${result.stdout}\n${result.stderr}`,
  );
  return result;
}

/** The Vkhid CLI, in-process, exactly as `vkhid` runs it. */
async function vkhid(argv: readonly string[]): Promise<CliResult> {
  let stdout = '';
  let stderr = '';
  const code = await runCli(argv, {
    stdout: (text) => {
      stdout += text;
    },
    stderr: (text) => {
      stderr += text;
    },
  });
  return { code, stdout, stderr };
}

/** The one JSON object `vkhid envelope verify` prints. */
function verdict(result: CliResult): Record<string, unknown> {
  try {
    return JSON.parse(result.stdout) as Record<string, unknown>;
  } catch {
    assert.fail(
      `vkhid printed no JSON (exit ${result.code})\nstdout: ${result.stdout}\nstderr: ${result.stderr}`,
    );
  }
}

/**
 * A CA (self-signed, CA:TRUE critical, keyCertSign+cRLSign) and an end-entity signer it issues
 * (CA:FALSE, digitalSignature+nonRepudiation), plus an unrelated CA, all with the openssl CLI.
 */
function makePki(directory: string, kind: KeyKind): Pki {
  const genpkey = (out: string): void => {
    must(
      'openssl',
      kind === 'rsa'
        ? ['genpkey', '-algorithm', 'RSA', '-pkeyopt', 'rsa_keygen_bits:2048', '-out', out]
        : [
            'genpkey',
            '-algorithm',
            'EC',
            '-pkeyopt',
            'ec_paramgen_curve:P-256',
            '-pkeyopt',
            'ec_param_enc:named_curve',
            '-out',
            out,
          ],
      directory,
    );
  };
  const makeCa = (name: string, cn: string): void => {
    genpkey(`${name}.key`);
    must(
      'openssl',
      [
        'req',
        '-x509',
        '-new',
        '-key',
        `${name}.key`,
        '-sha256',
        '-days',
        '30',
        '-subj',
        `/O=Vkhid interop/CN=${cn}`,
        '-addext',
        'basicConstraints=critical,CA:TRUE',
        '-addext',
        'keyUsage=keyCertSign,cRLSign',
        '-out',
        `${name}.pem`,
      ],
      directory,
    );
  };
  makeCa('ca', `xmlsec1 interop ${kind} CA`);
  makeCa('other-ca', `Unrelated ${kind} CA`);

  const signerCn = `xmlsec1 interop ${kind} signer`;
  genpkey('signer.key');
  must(
    'openssl',
    ['req', '-new', '-key', 'signer.key', '-subj', `/O=Vkhid interop/CN=${signerCn}`, '-out', 'signer.csr'],
    directory,
  );
  writeFileSync(
    join(directory, 'signer.ext'),
    'basicConstraints=CA:FALSE\nkeyUsage=digitalSignature,nonRepudiation\n',
  );
  must(
    'openssl',
    [
      'x509',
      '-req',
      '-in',
      'signer.csr',
      '-CA',
      'ca.pem',
      '-CAkey',
      'ca.key',
      '-CAcreateserial',
      '-sha256',
      '-days',
      '30',
      '-extfile',
      'signer.ext',
      '-out',
      'signer.pem',
    ],
    directory,
  );
  return {
    kind,
    caPem: join(directory, 'ca.pem'),
    keyPem: join(directory, 'signer.key'),
    certPem: join(directory, 'signer.pem'),
    otherCaPem: join(directory, 'other-ca.pem'),
    signerCn,
  };
}

function readExample(name: string): string {
  return readFileSync(join(examples, name), 'utf8');
}

/** The example with Id="m1" on the root, for Reference URI="#m1". */
function withRootId(xml: string): string {
  const withId = xml.replace(
    `<Envelope xmlns="${ENVELOPE_NAMESPACE}"`,
    `<Envelope xmlns="${ENVELOPE_NAMESPACE}" Id="m1"`,
  );
  assert.notEqual(withId, xml, 'the example root is not <Envelope xmlns="urn:vkhid:envelope:1" ...>');
  return withId;
}

/** Inserts a Signature template as the last child of the root, before `</Envelope>`. */
function withTemplate(xml: string, template: string): string {
  const at = xml.lastIndexOf('</Envelope>');
  assert.ok(at > 0, 'the example has no </Envelope>');
  return xml.slice(0, at) + template + xml.slice(at);
}

function template(style: (typeof TEMPLATE_STYLES)[number], kind: KeyKind): string {
  return readFileSync(
    join(fixtures, `signature-template.${style}.${kind === 'rsa' ? 'rsa' : 'ecdsa'}-sha256.xml`),
    'utf8',
  );
}

/** Changes one character of the appeal's Subject: signed text content. */
function tamperSubject(xml: string): string {
  const tampered = xml.replace(
    /<Subject>(.)/u,
    (_match, first: string) => `<Subject>${first === 'X' ? 'Y' : 'X'}`,
  );
  assert.notEqual(tampered, xml, 'no <Subject> to tamper with');
  return tampered;
}

function messageIdOf(xml: string): string {
  const match = /<MessageId>([^<]+)<\/MessageId>/.exec(xml);
  assert.ok(match?.[1] !== undefined, 'the example has no MessageId');
  return match[1];
}

function xmlsecVerify(file: string, caPem: string, extra: readonly string[] = []): ToolResult {
  return run('xmlsec1', ['--verify', ...extra, '--trusted-pem', caPem, file]);
}

function assertXmlsecAccepts(result: ToolResult, what: string): void {
  assert.equal(result.status, 0, `xmlsec1 refused ${what}:\n${result.stderr}`);
  assert.match(result.stderr, /^OK$/m, `xmlsec1 did not print OK for ${what}:\n${result.stderr}`);
}

/** Options for a Reference URI="" signature: only the empty URI may be dereferenced. */
const XMLSEC_DOCUMENT_REFERENCE = ['--enabled-reference-uris', 'empty'];
/** Options for a Reference URI="#m1": same-document references, Id declared as an ID on the root. */
const XMLSEC_ROOT_ID_REFERENCE = [
  '--enabled-reference-uris',
  'same-doc',
  '--id-attr:Id',
  `${ENVELOPE_NAMESPACE}:Envelope`,
];

describe('Interop with xmlsec1 (independent XMLDSig implementation)', function () {
  this.timeout(120_000);

  let work: string;

  before(function () {
    const version = run('xmlsec1', ['--version']);
    assert.equal(version.status, 0, `xmlsec1 --version failed: ${version.stderr}`);
    assert.match(
      version.stdout,
      /^xmlsec1 1\.[23]\.\d+ \(openssl\)/m,
      `unexpected xmlsec1: ${version.stdout}`,
    );
    must('openssl', ['version']);
    work = mkdtempSync(join(tmpdir(), 'vkhid-xmlsec1-'));
  });

  after(function () {
    if (work !== undefined) rmSync(work, { recursive: true, force: true });
  });

  for (const kind of ['rsa', 'ec'] as const) {
    describe(kind === 'rsa' ? 'RSA-2048, rsa-sha256' : 'ECDSA P-256, ecdsa-sha256', function () {
      let pki: Pki;
      let dir: string;
      const file = (name: string): string => join(dir, name);

      before(function () {
        dir = mkdtempSync(join(work, `${kind}-`));
        pki = makePki(dir, kind);
      });

      /** `vkhid envelope sign` into a file; returns its path. */
      async function vkhidSign(source: string, out: string, reference?: 'root-id'): Promise<string> {
        const result = await vkhid([
          'envelope',
          'sign',
          source,
          '--key',
          pki.keyPem,
          '--cert',
          pki.certPem,
          '--out',
          out,
          ...(reference === undefined ? [] : ['--reference', reference]),
        ]);
        assert.equal(result.code, 0, `vkhid envelope sign failed:\n${result.stderr}${result.stdout}`);
        return out;
      }

      /** `xmlsec1 --sign` of the example with a template inserted; returns the signed path. */
      function xmlsecSign(name: string, xml: string): string {
        writeFileSync(file(`${name}.tmpl.xml`), xml);
        must('xmlsec1', [
          '--sign',
          '--privkey-pem',
          `${pki.keyPem},${pki.certPem}`,
          '--output',
          file(`${name}.signed.xml`),
          ...(xml.includes('URI="#m1"') ? ['--id-attr:Id', `${ENVELOPE_NAMESPACE}:Envelope`] : []),
          file(`${name}.tmpl.xml`),
        ]);
        return file(`${name}.signed.xml`);
      }

      async function assertVkhidAccepts(
        signed: string,
        trust: readonly string[],
        expectedMessageId: string,
      ): Promise<void> {
        const result = await vkhid(['envelope', 'verify', signed, ...trust]);
        const json = verdict(result);
        assert.equal(
          json.valid,
          true,
          `vkhid refused ${signed} (${trust.join(' ')}): ${result.stdout}${result.stderr}`,
        );
        assert.equal(result.code, 0);
        assert.equal(json.messageId, expectedMessageId);
        assert.match(String(json.signer), new RegExp(`CN=${pki.signerCn}`));
      }

      describe('Vkhid signs, xmlsec1 verifies', function () {
        for (const name of EXAMPLES) {
          it(`${name}, Reference URI=""`, async function () {
            const signed = await vkhidSign(join(examples, name), file(`vkhid-${name}`));
            assert.match(readFileSync(signed, 'utf8'), /<ds:Reference URI="">/);
            assertXmlsecAccepts(
              xmlsecVerify(signed, pki.caPem, XMLSEC_DOCUMENT_REFERENCE),
              `Vkhid-signed ${name}`,
            );
          });
        }

        it('appeal.xml, Reference URI="#m1" (--reference root-id)', async function () {
          writeFileSync(file('appeal-id.xml'), withRootId(readExample('appeal.xml')));
          const signed = await vkhidSign(file('appeal-id.xml'), file('vkhid-appeal-id.xml'), 'root-id');
          assert.match(readFileSync(signed, 'utf8'), /<ds:Reference URI="#m1">/);
          assertXmlsecAccepts(
            xmlsecVerify(signed, pki.caPem, XMLSEC_ROOT_ID_REFERENCE),
            'Vkhid-signed appeal.xml (#m1)',
          );
        });

        it('status.xml, Reference URI="#m1" (--reference root-id)', async function () {
          writeFileSync(file('status-id.xml'), withRootId(readExample('status.xml')));
          const signed = await vkhidSign(file('status-id.xml'), file('vkhid-status-id.xml'), 'root-id');
          assertXmlsecAccepts(
            xmlsecVerify(signed, pki.caPem, XMLSEC_ROOT_ID_REFERENCE),
            'Vkhid-signed status.xml (#m1)',
          );
        });

        it('control: xmlsec1 refuses the Vkhid signature under a CA that did not issue the signer', async function () {
          const signed = await vkhidSign(join(examples, 'appeal.xml'), file('vkhid-appeal-control.xml'));
          const result = xmlsecVerify(signed, pki.otherCaPem, XMLSEC_DOCUMENT_REFERENCE);
          assert.notEqual(
            result.status,
            0,
            `xmlsec1 accepted a signer its trusted CA did not issue:\n${result.stderr}`,
          );
        });

        it('negative twin: one changed character in the Subject of a Vkhid-signed appeal, xmlsec1 refuses', async function () {
          const signed = await vkhidSign(
            join(examples, 'appeal.xml'),
            file('vkhid-appeal-tampered-base.xml'),
          );
          assertXmlsecAccepts(
            xmlsecVerify(signed, pki.caPem, XMLSEC_DOCUMENT_REFERENCE),
            'the untampered twin',
          );
          writeFileSync(file('vkhid-appeal-tampered.xml'), tamperSubject(readFileSync(signed, 'utf8')));
          const result = xmlsecVerify(
            file('vkhid-appeal-tampered.xml'),
            pki.caPem,
            XMLSEC_DOCUMENT_REFERENCE,
          );
          assert.notEqual(result.status, 0, `xmlsec1 accepted a tampered document:\n${result.stderr}`);
          assert.doesNotMatch(result.stderr, /^OK$/m);
        });
      });

      describe('xmlsec1 signs, Vkhid verifies', function () {
        for (const style of TEMPLATE_STYLES) {
          for (const name of ['appeal.xml', 'receipt.xml', 'answer.xml'] as const) {
            it(`${name}, ${style} template, trusted by --ca and pinned by --cert`, async function () {
              const xml = readExample(name);
              const signed = xmlsecSign(`${style}-${name}`, withTemplate(xml, template(style, kind)));
              const text = readFileSync(signed, 'utf8');
              assert.doesNotMatch(
                text,
                /<(?:ds:)?DigestValue\s*\/>|<(?:ds:)?DigestValue><\//,
                'xmlsec1 left DigestValue empty',
              );
              assert.match(text, /X509Certificate>/, 'xmlsec1 did not publish the certificate in X509Data');
              await assertVkhidAccepts(signed, ['--ca', pki.caPem], messageIdOf(xml));
              await assertVkhidAccepts(signed, ['--ca', pki.caPem, '--cert', pki.certPem], messageIdOf(xml));
            });
          }
        }

        it('appeal.xml, ds-prefix template with Reference URI="#m1"', async function () {
          const xml = withRootId(readExample('appeal.xml'));
          const signed = xmlsecSign(
            'ds-prefix-id-appeal.xml',
            withTemplate(xml, template('ds-prefix', kind).replace('URI=""', 'URI="#m1"')),
          );
          assert.match(readFileSync(signed, 'utf8'), /<ds:Reference URI="#m1">/);
          await assertVkhidAccepts(signed, ['--ca', pki.caPem], messageIdOf(xml));
          await assertVkhidAccepts(signed, ['--ca', pki.caPem, '--cert', pki.certPem], messageIdOf(xml));
        });

        for (const style of TEMPLATE_STYLES) {
          it(`negative twin: one changed character in the Subject of an xmlsec1-signed appeal (${style}), SIGNATURE_DIGEST_MISMATCH`, async function () {
            const signed = xmlsecSign(
              `${style}-tampered-appeal.xml`,
              withTemplate(readExample('appeal.xml'), template(style, kind)),
            );
            writeFileSync(file(`${style}-tampered-appeal.xml`), tamperSubject(readFileSync(signed, 'utf8')));
            // xmlsec1 agrees that the twin is broken, so the refusal is about the change and nothing else.
            assert.notEqual(
              xmlsecVerify(file(`${style}-tampered-appeal.xml`), pki.caPem, XMLSEC_DOCUMENT_REFERENCE).status,
              0,
            );
            const result = await vkhid([
              'envelope',
              'verify',
              file(`${style}-tampered-appeal.xml`),
              '--ca',
              pki.caPem,
            ]);
            const json = verdict(result);
            assert.equal(result.code, 1, result.stdout + result.stderr);
            assert.equal(json.valid, false);
            assert.equal(json.code, 'SIGNATURE_DIGEST_MISMATCH', result.stdout);
          });
        }
      });

      describe('trust', function () {
        it('vkhid verify with a CA that did not issue the signer: exit 1, CERT_UNTRUSTED', async function () {
          const signed = xmlsecSign(
            'untrusted-appeal.xml',
            withTemplate(readExample('appeal.xml'), template('ds-prefix', kind)),
          );
          const result = await vkhid(['envelope', 'verify', signed, '--ca', pki.otherCaPem]);
          const json = verdict(result);
          assert.equal(result.code, 1, result.stdout + result.stderr);
          assert.equal(json.valid, false);
          assert.equal(json.code, 'CERT_UNTRUSTED', result.stdout);
        });

        it('the same for a Vkhid-signed envelope', async function () {
          const signed = await vkhidSign(join(examples, 'receipt.xml'), file('vkhid-receipt-untrusted.xml'));
          const result = await vkhid(['envelope', 'verify', signed, '--ca', pki.otherCaPem]);
          assert.equal(result.code, 1, result.stdout + result.stderr);
          assert.equal(verdict(result).code, 'CERT_UNTRUSTED', result.stdout);
        });
      });

      describe('processing instructions outside the root (URI="" covers them for xmlsec1)', function () {
        // XMLDSig 4.3.3.3: URI="" is the whole document minus comments, and C14N 2.1 keeps processing
        // instructions outside the document element. Vkhid keeps one meaning on both sides by refusing PIs.
        it('Vkhid refuses to sign a document with <?xml-stylesheet?> before the root', async function () {
          const xml = readExample('appeal.xml').replace(
            '<Envelope',
            '<?xml-stylesheet type="text/xsl" href="view.xsl"?>\n<Envelope',
          );
          writeFileSync(file('pi-appeal.xml'), xml);
          const result = await vkhid([
            'envelope',
            'sign',
            file('pi-appeal.xml'),
            '--key',
            pki.keyPem,
            '--cert',
            pki.certPem,
            '--out',
            file('vkhid-pi-appeal.xml'),
          ]);
          assert.equal(result.code, 1);
          assert.match(result.stderr, /ENVELOPE_MARKUP_FORBIDDEN/);
        });

        it('a processing instruction added before the root after signing is refused by Vkhid, as by xmlsec1', async function () {
          const signed = await vkhidSign(join(examples, 'appeal.xml'), file('vkhid-appeal-pi-base.xml'));
          const added = readFileSync(signed, 'utf8').replace(
            '<Envelope',
            '<?xml-stylesheet type="text/xsl" href="x.xsl"?>\n<Envelope',
          );
          writeFileSync(file('vkhid-appeal-pi-added.xml'), added);
          assert.notEqual(
            xmlsecVerify(file('vkhid-appeal-pi-added.xml'), pki.caPem, XMLSEC_DOCUMENT_REFERENCE).status,
            0,
          );
          const result = await vkhid([
            'envelope',
            'verify',
            file('vkhid-appeal-pi-added.xml'),
            '--ca',
            pki.caPem,
          ]);
          assert.equal(
            result.code,
            1,
            `Vkhid accepted a document changed outside the root: ${result.stdout}`,
          );
          assert.equal(verdict(result).code, 'ENVELOPE_MARKUP_FORBIDDEN');
        });
      });
    });
  }
});
