/**
 * `vkhid envelope verify FILE` without `--ca`: the hub in the data directory decides. The signature must verify
 * with a certificate the registry binds to the sender; then both participants must be active, each with a
 * memorandum in force today covering the appeal's kind and channel. With `--ca` nothing changes.
 */
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { schemasDirectory } from '../../gateway/package-paths.js';
import { openHub } from '../../gateway/hub/hub-context.js';
import {
  activeParticipant,
  AGENCY,
  CONTACT_CENTER,
  copyHub,
  initialisedHub,
  json,
  kyivDay,
  ok,
  opensslCsr,
  removeTemporaryDirectories,
  signEnvelope,
  temporaryDirectory,
  vkhid,
  type MemorandumSpec,
} from './fixtures/hub-cli.js';
import { expectJsonRefusal, expectStderrRefusal, runVkhid, stdoutJson } from './fixtures/run-vkhid.js';

const EXAMPLES = join(schemasDirectory, 'examples');

describe('vkhid envelope verify with the hub registry (CLI)', function () {
  this.timeout(120_000);

  let template: string;
  let keys: string;
  let contactCenter: { key: string; csr: string };
  let agency: { key: string; csr: string };
  let data: string;
  let work: string;

  before(async () => {
    template = await initialisedHub();
    keys = temporaryDirectory();
    contactCenter = opensslCsr(keys, 'cc', 'Contact center');
    agency = opensslCsr(keys, 'agency', 'Agency');
  });
  beforeEach(() => {
    data = copyHub(template);
    work = temporaryDirectory();
  });
  after(removeTemporaryDirectories);

  /** Issues a signing certificate from `request`'s CSR and returns its PEM path and serial. */
  async function issue(
    code: string,
    request: { csr: string },
    ...extra: string[]
  ): Promise<{ pem: string; serialNumber: string }> {
    const pem = join(work, `${code}-${Date.now()}-${Math.random()}.pem`);
    const run = ok(
      await vkhid(
        data,
        'cert',
        'issue',
        '--participant',
        code,
        '--csr',
        request.csr,
        '--usage',
        'sign',
        '--out',
        pem,
        ...extra,
        '--json',
      ),
    );
    return {
      pem,
      serialNumber: json<{ certificate: { serialNumber: string } }>(run).certificate.serialNumber,
    };
  }

  /** Both participants active with memoranda; the contact center's certificate issued; the example appeal signed. */
  async function setUp(cc: MemorandumSpec = {}, kmda: MemorandumSpec = {}): Promise<string> {
    await activeParticipant(data, CONTACT_CENTER, 'contact-center', { number: 'CC-1', ...cc });
    await activeParticipant(data, AGENCY, 'agency', { number: 'KMDA-1', ...kmda });
    const { pem } = await issue(CONTACT_CENTER, contactCenter);
    return signEnvelope(
      join(EXAMPLES, 'appeal.xml'),
      contactCenter.key,
      pem,
      join(work, 'signed-appeal.xml'),
    );
  }

  const verify = (file: string) => vkhid(data, 'envelope', 'verify', file);

  it('valid: prints the same JSON as with --ca (valid, messageId, type, sender, recipient, signer, sha256)', async () => {
    const signed = await setUp();
    const run = ok(await verify(signed));
    const result = stdoutJson(run);
    assert.deepEqual(Object.keys(result), [
      'valid',
      'messageId',
      'type',
      'sender',
      'recipient',
      'signer',
      'sha256',
    ]);
    assert.equal(result.valid, true);
    assert.equal(result.type, 'appeal');
    assert.equal(result.messageId, '27d451f0-82ac-4626-abdc-95b530dd0604');
    assert.equal(result.signer, 'CN=Contact center, serialNumber=00015622');
    assert.equal(run.stderr, '');
  });

  it("with --ca the registry is not consulted: today's behaviour", async () => {
    const signed = await setUp();
    ok(await vkhid(data, 'memorandum', 'suspend', 'CC-1', '--reason', 'x'));
    expectJsonRefusal(await verify(signed), 'MEMORANDUM_NOT_IN_FORCE');
    const withCa = ok(await runVkhid('envelope', 'verify', signed, '--ca', join(data, 'pki', 'ca.pem')));
    assert.equal(stdoutJson(withCa).valid, true);
  });

  it('a data directory without a hub is a usage error (exit 2) and creates nothing', async () => {
    const empty = temporaryDirectory();
    const run = await vkhid(empty, 'envelope', 'verify', join(EXAMPLES, 'appeal.xml'));
    expectStderrRefusal(run, 'CLI_USAGE', 2);
    assert.match(run.stderr, /--ca is required: no hub is initialised in/);
    assert.deepEqual(readdirSync(empty), []);
  });

  it('--cert without --ca, and --data with --ca, are usage errors: exit 2', async () => {
    const signed = await setUp();
    expectStderrRefusal(
      await vkhid(data, 'envelope', 'verify', signed, '--cert', join(data, 'pki', 'hub-sign.pem')),
      'CLI_USAGE',
      2,
    );
    expectStderrRefusal(
      await vkhid(data, 'envelope', 'verify', signed, '--ca', join(data, 'pki', 'ca.pem')),
      'CLI_USAGE',
      2,
    );
  });

  it("the sender's certificate revoked: CERT_REVOKED", async () => {
    await activeParticipant(data, CONTACT_CENTER, 'contact-center');
    await activeParticipant(data, AGENCY, 'agency');
    const { pem, serialNumber } = await issue(CONTACT_CENTER, contactCenter);
    const signed = await signEnvelope(
      join(EXAMPLES, 'appeal.xml'),
      contactCenter.key,
      pem,
      join(work, 'signed.xml'),
    );
    ok(await verify(signed));
    ok(await vkhid(data, 'cert', 'revoke', serialNumber, '--reason', 'keyCompromise'));
    expectJsonRefusal(await verify(signed), 'CERT_REVOKED');
  });

  it('signed with a certificate bound to another participant: CERT_PARTICIPANT_MISMATCH', async () => {
    await setUp();
    const { pem } = await issue(AGENCY, agency);
    // The agency's key signs an appeal whose header says it comes from the contact center.
    const forged = await signEnvelope(
      join(EXAMPLES, 'appeal.xml'),
      agency.key,
      pem,
      join(work, 'forged.xml'),
    );
    expectJsonRefusal(await verify(forged), 'CERT_PARTICIPANT_MISMATCH');
  });

  it('signed with a certificate the registry does not know: CERT_UNKNOWN_SIGNER, or SIGNATURE_KEYINFO_MISMATCH once the sender has one', async () => {
    await activeParticipant(data, CONTACT_CENTER, 'contact-center');
    await activeParticipant(data, AGENCY, 'agency');
    // Issued by another hub (copies of the template share its CA, so this one is initialised anew).
    const elsewhere = join(temporaryDirectory(), 'data');
    ok(await vkhid(elsewhere, 'init'));
    ok(
      await vkhid(
        elsewhere,
        'participant',
        'add',
        '--code',
        CONTACT_CENTER,
        '--name',
        'CC',
        '--kind',
        'contact-center',
      ),
    );
    const pem = join(work, 'elsewhere.pem');
    ok(
      await vkhid(
        elsewhere,
        'cert',
        'issue',
        '--participant',
        CONTACT_CENTER,
        '--csr',
        contactCenter.csr,
        '--usage',
        'sign',
        '--out',
        pem,
      ),
    );
    const signed = await signEnvelope(
      join(EXAMPLES, 'appeal.xml'),
      contactCenter.key,
      pem,
      join(work, 'signed.xml'),
    );
    expectJsonRefusal(await verify(signed), 'CERT_UNKNOWN_SIGNER');
    await issue(CONTACT_CENTER, contactCenter);
    expectJsonRefusal(await verify(signed), 'SIGNATURE_KEYINFO_MISMATCH');
  });

  it('a superseded certificate verifies inside its rotation overlap', async () => {
    await activeParticipant(data, CONTACT_CENTER, 'contact-center');
    await activeParticipant(data, AGENCY, 'agency');
    const old = await issue(CONTACT_CENTER, contactCenter);
    const signed = await signEnvelope(
      join(EXAMPLES, 'appeal.xml'),
      contactCenter.key,
      old.pem,
      join(work, 'signed.xml'),
    );
    const next = opensslCsr(work, 'cc-next', 'Contact center');
    await issue(CONTACT_CENTER, next, '--rotate', '--overlap-days', '7');
    assert.equal(stdoutJson(ok(await verify(signed))).valid, true);
  });

  it('the recipient pending (not activated): PARTICIPANT_NOT_ACTIVE', async () => {
    await activeParticipant(data, CONTACT_CENTER, 'contact-center');
    ok(await vkhid(data, 'participant', 'add', '--code', AGENCY, '--name', 'КМДА', '--kind', 'agency'));
    const { pem } = await issue(CONTACT_CENTER, contactCenter);
    const signed = await signEnvelope(
      join(EXAMPLES, 'appeal.xml'),
      contactCenter.key,
      pem,
      join(work, 'signed.xml'),
    );
    const refusal = expectJsonRefusal(await verify(signed), 'PARTICIPANT_NOT_ACTIVE');
    assert.match(String(refusal.message), /00022527 is pending/);
    ok(await vkhid(data, 'participant', 'activate', AGENCY));
    expectJsonRefusal(await verify(signed), 'MEMORANDUM_NOT_IN_FORCE');
  });

  it("the recipient's memorandum covers public-info only: MEMORANDUM_NOT_IN_FORCE for the citizen appeal", async () => {
    const signed = await setUp({}, { scope: 'public-info' });
    const refusal = expectJsonRefusal(await verify(signed), 'MEMORANDUM_NOT_IN_FORCE');
    assert.match(
      String(refusal.message),
      new RegExp(`${AGENCY} covering appeal is in force on ${kyivDay(0)}`),
    );
  });

  it('channels: a memorandum for web only refuses the hotline appeal; one naming hotline accepts it', async () => {
    const refused = await setUp({ channels: 'web' });
    expectJsonRefusal(await verify(refused), 'MEMORANDUM_NOT_IN_FORCE');
    ok(await vkhid(data, 'memorandum', 'terminate', 'CC-1', '--reason', 'replaced'));
    ok(
      await vkhid(
        data,
        'memorandum',
        'add',
        '--participant',
        CONTACT_CENTER,
        '--number',
        'CC-2',
        '--signed',
        kyivDay(-1),
        '--from',
        kyivDay(-1),
        '--scope',
        'appeal',
        '--channels',
        'hotline,web',
      ),
    );
    assert.equal(stdoutJson(ok(await verify(refused))).valid, true);
  });

  it('the period: a memorandum from tomorrow, or one that ended yesterday, is not in force', async () => {
    const signed = await setUp({ from: kyivDay(1) });
    expectJsonRefusal(await verify(signed), 'MEMORANDUM_NOT_IN_FORCE');
    const data2 = copyHub(template);
    data = data2;
    const signed2 = await setUp({}, { from: kyivDay(-30), until: kyivDay(-1) });
    expectJsonRefusal(await verify(signed2), 'MEMORANDUM_NOT_IN_FORCE');
  });

  it('a message that is not an appeal needs any memorandum in force (scope unknown)', async () => {
    await activeParticipant(data, CONTACT_CENTER, 'contact-center', { scope: 'appeal' });
    await activeParticipant(data, AGENCY, 'agency', { scope: 'sensitive' });
    const { pem } = await issue(AGENCY, agency);
    const receipt = await signEnvelope(
      join(EXAMPLES, 'receipt.xml'),
      agency.key,
      pem,
      join(work, 'receipt.xml'),
    );
    const result = stdoutJson(ok(await verify(receipt)));
    assert.equal(result.type, 'receipt');
    assert.equal(result.sender, AGENCY);
  });

  it('a changed envelope: SIGNATURE_DIGEST_MISMATCH, as with --ca', async () => {
    const signed = await setUp();
    const changed = join(work, 'changed.xml');
    writeFileSync(
      changed,
      readFileSync(signed, 'utf8').replace('<Urgency>normal</Urgency>', '<Urgency>urgent</Urgency>'),
    );
    expectJsonRefusal(await verify(changed), 'SIGNATURE_DIGEST_MISMATCH');
  });

  it('a registry refusal is recorded with the message id, as the hub records it', async () => {
    const signed = await setUp({}, { scope: 'sensitive' });
    expectJsonRefusal(await verify(signed), 'MEMORANDUM_NOT_IN_FORCE');
    const hub = await openHub({ dataDir: data });
    try {
      const [refusal] = await hub.registry.listRefusals();
      assert.equal(refusal?.code, 'MEMORANDUM_NOT_IN_FORCE');
      assert.equal(refusal?.message_id, '27d451f0-82ac-4626-abdc-95b530dd0604');
      assert.equal(refusal?.sender, CONTACT_CENTER);
    } finally {
      await hub.close();
    }
  });
});
