/**
 * Envelope benchmark: sign, verify (every check and the schema included) and schema-validate canonical
 * envelopes of 4 KB, 100 KB and 1 MB on one core, next to the raw cost of the same keys' RSA and ECDSA
 * operations: the ceiling the CPU allows. Run with `npm run bench:envelope`; BENCH_SECONDS sets the time per
 * measurement (default 2). With `--update-readme` the figures replace the block between the
 * `<!-- bench:envelope -->` markers of README.md, so the documented figures are always a real run's.
 */
import { randomBytes, sign, verify } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { join } from 'node:path';
import { packageRoot } from '../../gateway/package-paths.js';
import { EnvelopeSigner } from '../../gateway/dsig/envelope-signer.js';
import { EnvelopeVerifier } from '../../gateway/dsig/envelope-verifier.js';
import { envelopeSchema } from '../../gateway/envelope/envelope-schema.js';
import { StaticTrustStore } from '../../gateway/trust/static-trust-store.js';
import { appealOfSize } from '../support/appeal-of-size.js';
import { createCa, issueCertificate } from '../../test/support/test-pki.js';

const seconds = Number(process.env.BENCH_SECONDS ?? 2);
const printed: string[] = [];
const print = (line = ''): void => {
  printed.push(line);
  console.log(line);
};

async function measure(run: () => unknown): Promise<number> {
  // Warm up until the JIT has compiled the path, then time three windows and keep the median, so a burst of
  // other work on the machine moves a figure less.
  await window(run, 0.3);
  const rates = [
    await window(run, seconds / 3),
    await window(run, seconds / 3),
    await window(run, seconds / 3),
  ];
  return rates.sort((a, b) => a - b)[1]!;
}

async function window(run: () => unknown, lengthSeconds: number): Promise<number> {
  let count = 0;
  const start = process.hrtime.bigint();
  const budget = BigInt(Math.round(lengthSeconds * 1e9));
  let elapsed = 0n;
  do {
    for (let i = 0; i < 10; i++) await run();
    count += 10;
    elapsed = process.hrtime.bigint() - start;
  } while (elapsed < budget);
  return (count * 1e9) / Number(elapsed);
}

const fmt = (value: number): string =>
  value >= 100 ? Math.round(value).toLocaleString('en-US') : value.toFixed(1);

const ca = await createCa('Bench CA');
const rsa = await issueCertificate(ca, 'Bench RSA signer', { kind: 'rsa' });
const ec = await issueCertificate(ca, 'Bench EC signer', { kind: 'ec' });
const trustStore = new StaticTrustStore({ anchors: [ca.certificate], acceptChainedKeyInfo: true });
const verifier = new EnvelopeVerifier({ trustStore, schema: envelopeSchema() });
const signers = {
  RSA: new EnvelopeSigner({ privateKey: rsa.privateKey, certificate: rsa.certificate }),
  ECDSA: new EnvelopeSigner({ privateKey: ec.privateKey, certificate: ec.certificate }),
};

print(
  `Vkhid envelope benchmark: node ${process.version}, ${cpus()[0]?.model ?? 'cpu'}, one core, median of three windows over ${seconds}s per figure`,
);
print('');

const results: Record<string, number> = {};
for (const [label, size] of [
  ['4KB', 4 * 1024],
  ['100KB', 100 * 1024],
  ['1MB', 1024 * 1024],
] as const) {
  const unsigned = appealOfSize(size);
  const schema = envelopeSchema();
  const canonicalBytes = Buffer.from(unsigned.replace(/^<\?xml[^?]*\?>/, ''));
  for (const [algorithm, signer] of Object.entries(signers)) {
    const signed = Buffer.from(signer.sign(unsigned));
    await verifier.verify(signed); // fail fast if the setup is wrong
    results[`sign/s ${label} ${algorithm}`] = await measure(() => signer.sign(unsigned));
    results[`verify/s ${label} ${algorithm}`] = await measure(() => verifier.verify(signed));
    if (algorithm === 'RSA') {
      print(`${label}: envelope ${fmt(signed.length / 1024)} KB signed`);
      results[`validate/s ${label}`] = await measure(() => schema.validate(canonicalBytes));
    }
  }
  for (const key of Object.keys(results).filter((name) => name.includes(` ${label}`))) {
    print(`  ${key.padEnd(22)} ${fmt(results[key]!).padStart(9)}`);
  }
}

// The raw cryptography of one envelope: a SignedInfo is about 900 bytes.
const signedInfo = randomBytes(900);
const rawRsaSig = sign('sha256', signedInfo, rsa.privateKey);
const ecOptions = { key: ec.privateKey, dsaEncoding: 'ieee-p1363' as const };
const rawEcSig = sign('sha256', signedInfo, ecOptions);
const raw = {
  'RSA sign': await measure(() => sign('sha256', signedInfo, rsa.privateKey)),
  'RSA verify': await measure(() => verify('sha256', signedInfo, rsa.certificate.publicKey, rawRsaSig)),
  'ECDSA sign': await measure(() => sign('sha256', signedInfo, ecOptions)),
  'ECDSA verify': await measure(() =>
    verify('sha256', signedInfo, { key: ec.certificate.publicKey, dsaEncoding: 'ieee-p1363' }, rawEcSig),
  ),
};
print('');
print('raw cryptography (cached KeyObjects, 900-byte input):');
for (const [name, value] of Object.entries(raw)) print(`  ${name.padEnd(22)} ${fmt(value).padStart(9)}/s`);
print('');
print('4 KB envelope as a share of the raw cryptography:');
print(`  sign RSA     ${((results['sign/s 4KB RSA']! / raw['RSA sign']) * 100).toFixed(0)}%`);
print(`  verify RSA   ${((results['verify/s 4KB RSA']! / raw['RSA verify']) * 100).toFixed(0)}%`);
print(`  sign ECDSA   ${((results['sign/s 4KB ECDSA']! / raw['ECDSA sign']) * 100).toFixed(0)}%`);
print(`  verify ECDSA ${((results['verify/s 4KB ECDSA']! / raw['ECDSA verify']) * 100).toFixed(0)}%`);
print('');
print(`verify/s 4KB ECDSA: ${Math.round(results['verify/s 4KB ECDSA']!)}`);
print(`sign/s 4KB ECDSA: ${Math.round(results['sign/s 4KB ECDSA']!)}`);
print(`verify/s 4KB RSA: ${Math.round(results['verify/s 4KB RSA']!)}`);
print(`sign/s 4KB RSA: ${Math.round(results['sign/s 4KB RSA']!)}`);

if (process.argv.includes('--update-readme')) {
  const readmePath = join(packageRoot, 'README.md');
  const readme = readFileSync(readmePath, 'utf8');
  const block = [
    '<!-- bench:envelope -->',
    '',
    '```',
    ...printed,
    '```',
    '',
    '<!-- /bench:envelope -->',
  ].join('\n');
  const updated = readme.replace(/<!-- bench:envelope -->[\s\S]*?<!-- \/bench:envelope -->/, block);
  if (updated === readme && !readme.includes(block))
    throw new Error('README.md has no bench:envelope markers');
  writeFileSync(readmePath, updated);
  console.log('README.md updated');
}
