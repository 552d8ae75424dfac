/**
 * `vkhid memorandum add|list|suspend|activate|terminate|expire`: each rule with an accepted and a refused case;
 * a refusal changes nothing.
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  addMemorandum,
  AGENCY,
  CONTACT_CENTER,
  copyHub,
  expectJsonError,
  initialisedHub,
  json,
  kyivDay,
  ok,
  removeTemporaryDirectories,
  temporaryDirectory,
  vkhid,
} from './fixtures/hub-cli.js';
import { expectStderrRefusal } from './fixtures/run-vkhid.js';

interface MemorandumJson {
  id: string;
  participantCode: string;
  number: string;
  signedOn: string;
  effectiveFrom: string;
  effectiveUntil: string | null;
  scopeKinds: string[];
  scopeChannels: string[];
  documentName: string | null;
  documentSha256: string | null;
  status: string;
  statusReason: string;
}

describe('vkhid memorandum (CLI)', function () {
  this.timeout(120_000);

  let template: string;
  let data: string;

  before(async () => {
    template = await initialisedHub();
  });
  beforeEach(async () => {
    data = copyHub(template);
    ok(await vkhid(data, 'participant', 'add', '--code', AGENCY, '--name', 'КМДА', '--kind', 'agency'));
  });
  after(removeTemporaryDirectories);

  const list = async (...filter: string[]): Promise<MemorandumJson[]> =>
    json<{ memoranda: MemorandumJson[] }>(ok(await vkhid(data, 'memorandum', 'list', ...filter, '--json')))
      .memoranda;
  const add = (...options: string[]) => vkhid(data, 'memorandum', 'add', '--participant', AGENCY, ...options);
  const dated = (from: string, until?: string) => [
    '--signed',
    from,
    '--from',
    from,
    ...(until === undefined ? [] : ['--until', until]),
  ];

  describe('add', () => {
    it('registers an active memorandum with scope, channels and the signed document (its SHA-256 kept)', async () => {
      const document = join(temporaryDirectory(), 'memorandum-7.pdf');
      writeFileSync(document, '%PDF-1.7 memorandum text');
      const run = ok(
        await add(
          '--number',
          '7/2025',
          '--signed',
          '2025-01-10',
          '--from',
          '2025-02-01',
          '--until',
          '2027-12-31',
          '--scope',
          'appeal, public-info',
          '--channels',
          'hotline,web',
          '--file',
          document,
          '--json',
        ),
      );
      const { memorandum } = json<{ memorandum: MemorandumJson }>(run);
      assert.deepEqual(
        { ...memorandum, id: undefined, statusChangedAt: undefined, createdAt: undefined },
        {
          id: undefined,
          participantCode: AGENCY,
          number: '7/2025',
          signedOn: '2025-01-10',
          effectiveFrom: '2025-02-01',
          effectiveUntil: '2027-12-31',
          scopeKinds: ['appeal', 'public-info'],
          scopeChannels: ['hotline', 'web'],
          documentName: 'memorandum-7.pdf',
          documentSha256: createHash('sha256').update('%PDF-1.7 memorandum text').digest('hex'),
          status: 'active',
          statusReason: 'registered',
          statusChangedAt: undefined,
          createdAt: undefined,
        },
      );
      assert.match(memorandum.id, /^[0-9a-f-]{36}$/);
      assert.deepEqual(await list(), [{ ...memorandum }]);
    });

    it('--draft registers a draft; activate brings it into force', async () => {
      const draft = json<{ memorandum: MemorandumJson }>(
        ok(await add('--number', 'D-1', ...dated(kyivDay(-1)), '--scope', 'appeal', '--draft', '--json')),
      ).memorandum;
      assert.equal(draft.status, 'draft');
      ok(await vkhid(data, 'memorandum', 'activate', 'D-1'));
      const [active] = await list();
      assert.equal(active?.status, 'active');
      assert.equal(active?.statusReason, 'activated by administrator');
    });

    it('refuses a memorandum overlapping a live one of the same scope: exit 1, MEMORANDUM_OVERLAP; nothing added', async () => {
      ok(await add('--number', 'A', ...dated('2025-01-01', '2025-12-31'), '--scope', 'appeal'));
      const before = await list();
      const run = await add(
        '--number',
        'B',
        ...dated('2025-06-01', '2026-05-31'),
        '--scope',
        'appeal,sensitive',
      );
      expectStderrRefusal(run, 'MEMORANDUM_OVERLAP');
      assert.match(run.stderr, /B overlaps memorandum A/);
      assert.deepEqual(await list(), before);
    });

    it('accepts the next period, and the same period for another scope', async () => {
      ok(await add('--number', 'A', ...dated('2025-01-01', '2025-12-31'), '--scope', 'appeal'));
      ok(await add('--number', 'B', ...dated('2026-01-01'), '--scope', 'appeal'));
      ok(await add('--number', 'C', ...dated('2025-01-01', '2025-12-31'), '--scope', 'sensitive'));
      assert.deepEqual((await list()).map((m) => m.number).sort(), ['A', 'B', 'C']);
    });

    it('an open-ended memorandum overlaps every later one: MEMORANDUM_OVERLAP', async () => {
      ok(await add('--number', 'A', ...dated('2025-01-01'), '--scope', 'appeal'));
      expectStderrRefusal(
        await add('--number', 'B', ...dated('2030-01-01'), '--scope', 'appeal'),
        'MEMORANDUM_OVERLAP',
      );
      assert.equal((await list()).length, 1);
    });

    it('refuses dates out of order: exit 1, MEMORANDUM_DATES (until before from; signed after from); nothing added', async () => {
      const untilFirst = await add(
        '--number',
        'X',
        '--signed',
        '2025-01-01',
        '--from',
        '2025-03-01',
        '--until',
        '2025-02-28',
        '--scope',
        'appeal',
        '--json',
      );
      assert.equal(expectJsonError(untilFirst, 'MEMORANDUM_DATES').field, 'effectiveUntil');
      const signedLate = await add(
        '--number',
        'X',
        '--signed',
        '2025-03-02',
        '--from',
        '2025-03-01',
        '--scope',
        'appeal',
        '--json',
      );
      assert.equal(expectJsonError(signedLate, 'MEMORANDUM_DATES').field, 'signedOn');
      assert.deepEqual(await list(), []);
      // The same day for all three is in order.
      ok(
        await add(
          '--number',
          'X',
          '--signed',
          '2025-03-01',
          '--from',
          '2025-03-01',
          '--until',
          '2025-03-01',
          '--scope',
          'appeal',
        ),
      );
    });

    it('refuses a date that is not YYYY-MM-DD or not a day: exit 1, MEMORANDUM_INVALID', async () => {
      assert.equal(
        expectJsonError(
          await add('--number', 'X', ...dated('01.03.2025'), '--scope', 'appeal', '--json'),
          'MEMORANDUM_INVALID',
        ).field,
        'signedOn',
      );
      assert.equal(
        expectJsonError(
          await add('--number', 'X', ...dated('2025-02-01', '2025-02-30'), '--scope', 'appeal', '--json'),
          'MEMORANDUM_INVALID',
        ).field,
        'effectiveUntil',
      );
      assert.deepEqual(await list(), []);
    });

    it('refuses an unknown scope kind or channel, or an empty scope: exit 1, MEMORANDUM_INVALID', async () => {
      assert.equal(
        expectJsonError(
          await add('--number', 'X', ...dated('2025-01-01'), '--scope', 'appeal,gossip', '--json'),
          'MEMORANDUM_INVALID',
        ).field,
        'scopeKinds',
      );
      assert.equal(
        expectJsonError(
          await add('--number', 'X', ...dated('2025-01-01'), '--scope', ',', '--json'),
          'MEMORANDUM_INVALID',
        ).field,
        'scopeKinds',
      );
      assert.equal(
        expectJsonError(
          await add(
            '--number',
            'X',
            ...dated('2025-01-01'),
            '--scope',
            'appeal',
            '--channels',
            'hotline,pigeon',
            '--json',
          ),
          'MEMORANDUM_INVALID',
        ).field,
        'scopeChannels',
      );
      assert.deepEqual(await list(), []);
    });

    it('refuses a second memorandum with the same number: exit 1, MEMORANDUM_INVALID', async () => {
      ok(await add('--number', 'A', ...dated('2025-01-01', '2025-06-30'), '--scope', 'appeal'));
      expectStderrRefusal(
        await add('--number', 'A', ...dated('2025-07-01'), '--scope', 'appeal'),
        'MEMORANDUM_INVALID',
      );
      assert.equal((await list()).length, 1);
    });

    it('refuses an unregistered participant: exit 1, PARTICIPANT_NOT_FOUND', async () => {
      expectStderrRefusal(
        await vkhid(
          data,
          'memorandum',
          'add',
          '--participant',
          CONTACT_CENTER,
          '--number',
          'A',
          ...dated('2025-01-01'),
          '--scope',
          'appeal',
        ),
        'PARTICIPANT_NOT_FOUND',
      );
      assert.deepEqual(await list(), []);
    });

    it('refuses a --file that cannot be read: exit 1, CLI_FILE_UNREADABLE; nothing added', async () => {
      expectStderrRefusal(
        await add(
          '--number',
          'A',
          ...dated('2025-01-01'),
          '--scope',
          'appeal',
          '--file',
          '/nonexistent/m.pdf',
        ),
        'CLI_FILE_UNREADABLE',
      );
      assert.deepEqual(await list(), []);
    });

    it('a missing --scope is a usage error: exit 2', async () => {
      assert.equal((await add('--number', 'A', ...dated('2025-01-01'))).code, 2);
    });
  });

  describe('list', () => {
    it('filters by --participant and --status; prints a table', async () => {
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
      await addMemorandum(data, AGENCY, { number: 'A-1' });
      await addMemorandum(data, CONTACT_CENTER, { number: 'C-1' });
      ok(await vkhid(data, 'memorandum', 'suspend', 'C-1', '--reason', 'review'));
      assert.deepEqual(
        (await list('--participant', CONTACT_CENTER)).map((m) => m.number),
        ['C-1'],
      );
      assert.deepEqual(
        (await list('--status', 'active')).map((m) => m.number),
        ['A-1'],
      );
      const table = ok(await vkhid(data, 'memorandum', 'list')).stdout.split('\n');
      assert.match(table[0]!, /^NUMBER\s+PARTICIPANT\s+STATUS\s+FROM\s+UNTIL\s+SCOPE\s+CHANNELS\s+ID$/);
      assert.match(
        table[1]!,
        /^C-1\s+00015622\s+suspended\s+\d{4}-\d{2}-\d{2}\s+-\s+appeal,public-info\s+all\s+[0-9a-f-]{36}$/,
      );
      expectStderrRefusal(await vkhid(data, 'memorandum', 'list', '--status', 'dormant'), 'CLI_USAGE', 2);
    });
  });

  describe('suspend, activate, terminate', () => {
    let memorandum: Record<string, unknown>;
    beforeEach(async () => {
      memorandum = await addMemorandum(data, AGENCY, { number: 'M-1' });
    });

    it('by number and by id: suspend, activate (default reason), terminate', async () => {
      ok(await vkhid(data, 'memorandum', 'suspend', 'M-1', '--reason', 'breach of clause 4'));
      assert.equal((await list())[0]?.status, 'suspended');
      assert.equal(
        ok(await vkhid(data, 'memorandum', 'activate', String(memorandum.id))).stdout,
        `memorandum M-1 of ${AGENCY} is now active: activated by administrator\n`,
      );
      ok(await vkhid(data, 'memorandum', 'terminate', 'M-1', '--reason', 'superseded by M-2'));
      const [terminated] = await list();
      assert.equal(terminated?.status, 'terminated');
      assert.equal(terminated?.statusReason, 'superseded by M-2');
    });

    it('terminated is final: activate refuses with MEMORANDUM_STATUS_TRANSITION; nothing changes', async () => {
      ok(await vkhid(data, 'memorandum', 'terminate', 'M-1', '--reason', 'ended'));
      const before = await list();
      expectJsonError(
        await vkhid(data, 'memorandum', 'activate', 'M-1', '--json'),
        'MEMORANDUM_STATUS_TRANSITION',
      );
      assert.deepEqual(await list(), before);
    });

    it('an unknown reference refuses: exit 1, MEMORANDUM_NOT_FOUND', async () => {
      expectStderrRefusal(
        await vkhid(data, 'memorandum', 'suspend', 'M-404', '--reason', 'x'),
        'MEMORANDUM_NOT_FOUND',
      );
    });

    it('terminate without --reason is a usage error: exit 2; a blank reason refuses with MEMORANDUM_INVALID', async () => {
      assert.equal((await vkhid(data, 'memorandum', 'terminate', 'M-1')).code, 2);
      expectStderrRefusal(
        await vkhid(data, 'memorandum', 'terminate', 'M-1', '--reason', ' '),
        'MEMORANDUM_INVALID',
      );
      assert.equal((await list())[0]?.status, 'active');
    });

    it('a number two participants use is ambiguous: MEMORANDUM_INVALID, the id works', async () => {
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
      await addMemorandum(data, CONTACT_CENTER, { number: 'M-1' });
      expectStderrRefusal(
        await vkhid(data, 'memorandum', 'suspend', 'M-1', '--reason', 'x'),
        'MEMORANDUM_INVALID',
      );
      ok(await vkhid(data, 'memorandum', 'suspend', String(memorandum.id), '--reason', 'x'));
    });
  });

  describe('expire', () => {
    it('expires the memoranda whose end date has passed, and only those; a second run finds none', async () => {
      ok(await add('--number', 'OLD', ...dated(kyivDay(-60), kyivDay(-1)), '--scope', 'appeal'));
      ok(await add('--number', 'TODAY', ...dated(kyivDay(0), kyivDay(0)), '--scope', 'sensitive'));
      const run = json<{ expired: MemorandumJson[] }>(
        ok(await vkhid(data, 'memorandum', 'expire', '--json')),
      );
      assert.deepEqual(
        run.expired.map((m) => [m.number, m.status]),
        [['OLD', 'expired']],
      );
      assert.deepEqual((await list()).map((m) => [m.number, m.status]).sort(), [
        ['OLD', 'expired'],
        ['TODAY', 'active'],
      ]);
      assert.equal(ok(await vkhid(data, 'memorandum', 'expire')).stdout, 'no memorandum was due to expire\n');
    });
  });
});
