/**
 * `vkhid audit list`: who changed what, when, with the record before and after.
 */
import assert from 'node:assert/strict';
import { userInfo } from 'node:os';
import { join } from 'node:path';
import {
  addMemorandum,
  AGENCY,
  CONTACT_CENTER,
  copyHub,
  initialisedHub,
  json,
  ok,
  opensslCsr,
  removeTemporaryDirectories,
  temporaryDirectory,
  vkhid,
} from './fixtures/hub-cli.js';
import { expectStderrRefusal } from './fixtures/run-vkhid.js';

interface Entry {
  id: string;
  at: string;
  actor: string;
  action: string;
  entity: string;
  entityId: string;
  before: Record<string, unknown> | null;
  after: Record<string, unknown> | null;
}

describe('vkhid audit (CLI)', function () {
  this.timeout(120_000);

  let template: string;
  let data: string;

  before(async () => {
    template = await initialisedHub();
  });
  beforeEach(async () => {
    data = copyHub(template);
    ok(await vkhid(data, 'participant', 'add', '--code', AGENCY, '--name', 'КМДА', '--kind', 'agency'));
    ok(await vkhid(data, 'participant', 'activate', AGENCY));
  });
  after(removeTemporaryDirectories);

  const entries = async (...filter: string[]): Promise<Entry[]> =>
    json<{ entries: Entry[] }>(ok(await vkhid(data, 'audit', 'list', ...filter, '--json'))).entries;

  it('--json shows a participant suspension with its actor, before and after', async () => {
    ok(await vkhid(data, 'participant', 'suspend', AGENCY, '--reason', 'security incident'));
    const trail = await entries('--entity', 'participant', '--id', AGENCY);
    assert.deepEqual(
      trail.map((e) => e.action),
      ['participant.add', 'participant.activate', 'participant.suspend'],
    );
    const suspension = trail[2]!;
    assert.equal(suspension.actor, `cli:${userInfo().username}`);
    assert.equal(suspension.entity, 'participant');
    assert.equal(suspension.entityId, AGENCY);
    assert.ok(!Number.isNaN(Date.parse(suspension.at)));
    assert.equal(suspension.before?.status, 'active');
    assert.equal(suspension.after?.status, 'suspended');
    assert.equal(suspension.after?.statusReason, 'security incident');
    assert.equal(trail[0]!.before, null, 'an addition has no before');
  });

  it('prints the changed fields as before -> after without --json', async () => {
    ok(await vkhid(data, 'participant', 'suspend', AGENCY, '--reason', 'security incident'));
    const text = ok(await vkhid(data, 'audit', 'list', '--entity', 'participant')).stdout;
    assert.match(
      text,
      new RegExp(
        `participant\\.suspend {2}participant ${AGENCY}\\n {2}status: "active" -> "suspended"\\n {2}statusReason: "activated by administrator" -> "security incident"`,
      ),
    );
    assert.match(text, /participant\.add {2}participant 00022527\n {2}\(new record\)\n {2}code: "00022527"/);
  });

  it('finds a memorandum by its number and a certificate by its fingerprint', async () => {
    const memorandum = await addMemorandum(data, AGENCY, { number: 'M-9' });
    ok(await vkhid(data, 'memorandum', 'suspend', 'M-9', '--reason', 'review'));
    const byNumber = await entries('--entity', 'memorandum', '--id', 'M-9');
    assert.deepEqual(
      byNumber.map((e) => [e.action, e.entityId]),
      [
        ['memorandum.add', memorandum.id],
        ['memorandum.suspended', memorandum.id],
      ],
    );
    assert.deepEqual(await entries('--entity', 'memorandum', '--id', String(memorandum.id)), byNumber);

    const work = temporaryDirectory();
    const { csr } = opensslCsr(work, 'agency', 'Agency');
    const issued = json<{ certificate: { serialNumber: string; fingerprint: string } }>(
      ok(
        await vkhid(
          data,
          'cert',
          'issue',
          '--participant',
          AGENCY,
          '--csr',
          csr,
          '--usage',
          'sign',
          '--out',
          join(work, 'a.pem'),
          '--json',
        ),
      ),
    ).certificate;
    ok(await vkhid(data, 'cert', 'revoke', issued.serialNumber, '--reason', 'keyCompromise'));
    const certificateTrail = await entries('--entity', 'certificate', '--id', issued.fingerprint);
    assert.deepEqual(
      certificateTrail.map((e) => e.action),
      ['certificate.add', 'certificate.revoke'],
    );
    assert.equal(certificateTrail[1]!.before?.status, 'active');
    assert.equal(certificateTrail[1]!.after?.status, 'revoked');
    assert.equal(certificateTrail[1]!.after?.pem, undefined, 'the audit trail does not repeat the PEM');
  });

  it('refused changes leave no entry', async () => {
    const before = await entries();
    expectStderrRefusal(
      await vkhid(data, 'participant', 'add', '--code', '00022528', '--name', 'X', '--kind', 'agency'),
      'PARTICIPANT_CODE_INVALID',
    );
    expectStderrRefusal(
      await vkhid(data, 'participant', 'activate', AGENCY),
      'PARTICIPANT_STATUS_TRANSITION',
    );
    expectStderrRefusal(
      await vkhid(
        data,
        'memorandum',
        'add',
        '--participant',
        AGENCY,
        '--number',
        'X',
        '--signed',
        '2025-02-01',
        '--from',
        '2025-01-01',
        '--scope',
        'appeal',
      ),
      'MEMORANDUM_DATES',
    );
    assert.deepEqual(await entries(), before);
  });

  it('--limit caps the number of entries; --entity filters by kind', async () => {
    ok(
      await vkhid(
        data,
        'participant',
        'add',
        '--code',
        CONTACT_CENTER,
        '--name',
        'УКЦ',
        '--kind',
        'contact-center',
      ),
    );
    await addMemorandum(data, CONTACT_CENTER);
    assert.equal((await entries('--limit', '1')).length, 1);
    const memoranda = await entries('--entity', 'memorandum');
    assert.ok(memoranda.length > 0 && memoranda.every((e) => e.entity === 'memorandum'));
    // The hub's own certificates were registered by init.
    const certificates = await entries('--entity', 'certificate');
    assert.deepEqual(
      certificates.map((e) => e.action),
      ['certificate.add', 'certificate.add', 'certificate.add'],
    );
  });

  it('usage errors: exit 2 for an unknown --entity or a --limit that is not a positive number', async () => {
    expectStderrRefusal(await vkhid(data, 'audit', 'list', '--entity', 'user'), 'CLI_USAGE', 2);
    expectStderrRefusal(await vkhid(data, 'audit', 'list', '--limit', '0'), 'CLI_USAGE', 2);
    expectStderrRefusal(await vkhid(data, 'audit', 'list', '--limit', 'all'), 'CLI_USAGE', 2);
  });
});
