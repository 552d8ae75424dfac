/**
 * `vkhid participant add|list|show|suspend|activate|withdraw|update`: each rule with an accepted and a refused
 * case; a refusal changes nothing (the list and the record are compared before and after).
 */
import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import { userInfo } from 'node:os';
import {
  addMemorandum,
  AGENCY,
  CONTACT_CENTER,
  copyHub,
  expectJsonError,
  initialisedHub,
  INVALID_CODE,
  json,
  ok,
  removeTemporaryDirectories,
  temporaryDirectory,
  vkhid,
} from './fixtures/hub-cli.js';
import { expectStderrRefusal, runVkhid } from './fixtures/run-vkhid.js';

interface ParticipantJson {
  code: string;
  fullName: string;
  shortName: string;
  kind: string;
  status: string;
  statusReason: string;
  endpoints: string[];
  adapter: string;
  adapterSettings: Record<string, unknown>;
  edmsId: string | null;
  edmsName: string | null;
  alertContact: string | null;
}

describe('vkhid participant (CLI)', function () {
  this.timeout(120_000);

  let template: string;
  let data: string;

  before(async () => {
    template = await initialisedHub();
  });
  beforeEach(() => {
    data = copyHub(template);
  });
  after(removeTemporaryDirectories);

  const list = async (): Promise<ParticipantJson[]> =>
    json<{ participants: ParticipantJson[] }>(ok(await vkhid(data, 'participant', 'list', '--json')))
      .participants;
  const show = async (code: string): Promise<ParticipantJson> =>
    json<{ participant: ParticipantJson }>(ok(await vkhid(data, 'participant', 'show', code, '--json')))
      .participant;
  const addAgency = async (...extra: string[]) =>
    vkhid(
      data,
      'participant',
      'add',
      '--code',
      AGENCY,
      '--name',
      'Київська міська державна адміністрація',
      '--kind',
      'agency',
      ...extra,
    );

  describe('add', () => {
    it('registers an agency with every option: exit 0, pending, the fields as given', async () => {
      const run = ok(
        await addAgency(
          '--short-name',
          'КМДА',
          '--endpoint',
          'https://edms.kyivcity.gov.ua/vkhid',
          '--endpoint',
          'https://backup.kyivcity.gov.ua/vkhid',
          '--adapter',
          'sev-ovv-1207',
          '--adapter-settings',
          '{"msgAcknow":2}',
          '--edms-id',
          'KMDA-EDMS',
          '--edms-name',
          'АСКОД',
          '--alert-contact',
          'noc@kyivcity.gov.ua',
          '--json',
        ),
      );
      const { participant } = json<{ ok: boolean; participant: ParticipantJson }>(run);
      assert.deepEqual(
        { ...participant, statusChangedAt: undefined, createdAt: undefined },
        {
          code: AGENCY,
          fullName: 'Київська міська державна адміністрація',
          shortName: 'КМДА',
          kind: 'agency',
          edmsId: 'KMDA-EDMS',
          edmsName: 'АСКОД',
          endpoints: ['https://edms.kyivcity.gov.ua/vkhid', 'https://backup.kyivcity.gov.ua/vkhid'],
          adapter: 'sev-ovv-1207',
          adapterSettings: { msgAcknow: 2 },
          alertContact: 'noc@kyivcity.gov.ua',
          status: 'pending',
          statusReason: 'registered',
          statusChangedAt: undefined,
          createdAt: undefined,
        },
      );
      assert.deepEqual(await show(AGENCY), participant);
    });

    it('prints a human line without --json', async () => {
      const run = ok(await addAgency('--short-name', 'КМДА'));
      assert.equal(run.stdout, `registered agency ${AGENCY} (КМДА), status pending\n`);
    });

    it('refuses an invalid ЄДРПОУ check digit: exit 1, PARTICIPANT_CODE_INVALID; the list is unchanged', async () => {
      ok(await addAgency());
      const before = await list();
      const run = await vkhid(
        data,
        'participant',
        'add',
        '--code',
        INVALID_CODE,
        '--name',
        'Wrong',
        '--kind',
        'agency',
      );
      expectStderrRefusal(run, 'PARTICIPANT_CODE_INVALID');
      assert.deepEqual(await list(), before);
    });

    it('with --json, a refusal is one JSON object on stdout: exit 1, ok false, code and field', async () => {
      const run = await vkhid(
        data,
        'participant',
        'add',
        '--code',
        INVALID_CODE,
        '--name',
        'Wrong',
        '--kind',
        'agency',
        '--json',
      );
      const body = expectJsonError(run, 'PARTICIPANT_CODE_INVALID');
      assert.equal(body.field, 'code');
      assert.equal(run.stderr, '');
      assert.deepEqual(await list(), []);
    });

    it('refuses a second registration of the same code: exit 1, PARTICIPANT_EXISTS; the first is kept', async () => {
      ok(await addAgency('--short-name', 'КМДА'));
      const before = await list();
      expectStderrRefusal(
        await vkhid(data, 'participant', 'add', '--code', AGENCY, '--name', 'Another', '--kind', 'agency'),
        'PARTICIPANT_EXISTS',
      );
      assert.deepEqual(await list(), before);
    });

    it('refuses an http endpoint: exit 1, PARTICIPANT_INVALID naming the endpoint; nothing registered', async () => {
      const run = await addAgency(
        '--endpoint',
        'https://ok.example.gov.ua',
        '--endpoint',
        'http://plain.example.gov.ua',
        '--json',
      );
      assert.equal(expectJsonError(run, 'PARTICIPANT_INVALID').field, 'endpoints[1]');
      assert.deepEqual(await list(), []);
    });

    it('refuses adapter settings that are not JSON, or not a JSON object: exit 1, PARTICIPANT_INVALID', async () => {
      assert.equal(
        expectJsonError(await addAgency('--adapter-settings', '{box:', '--json'), 'PARTICIPANT_INVALID')
          .field,
        'adapterSettings',
      );
      assert.equal(
        expectJsonError(await addAgency('--adapter-settings', '[1,2]', '--json'), 'PARTICIPANT_INVALID')
          .field,
        'adapterSettings',
      );
      assert.deepEqual(await list(), []);
    });

    it('refuses an unknown kind: exit 1, PARTICIPANT_INVALID; a contact center is accepted', async () => {
      assert.equal(
        expectJsonError(
          await vkhid(
            data,
            'participant',
            'add',
            '--code',
            AGENCY,
            '--name',
            'X',
            '--kind',
            'ministry',
            '--json',
          ),
          'PARTICIPANT_INVALID',
        ).field,
        'kind',
      );
      assert.deepEqual(await list(), []);
      ok(
        await vkhid(
          data,
          'participant',
          'add',
          '--code',
          CONTACT_CENTER,
          '--name',
          'Урядовий контактний центр',
          '--kind',
          'contact-center',
        ),
      );
      assert.equal((await show(CONTACT_CENTER)).kind, 'contact-center');
    });

    it('refuses an adapter name that is not one: exit 1, PARTICIPANT_INVALID', async () => {
      assert.equal(
        expectJsonError(await addAgency('--adapter', 'Bad Adapter!', '--json'), 'PARTICIPANT_INVALID').field,
        'adapter',
      );
      assert.deepEqual(await list(), []);
    });

    it('a missing --code is a usage error: exit 2', async () => {
      const run = await vkhid(data, 'participant', 'add', '--name', 'X', '--kind', 'agency');
      assert.equal(run.code, 2);
      assert.match(run.stderr, /--code/);
    });
  });

  describe('list and show', () => {
    it('lists participants as a table, and filters by --status', async () => {
      ok(await addAgency('--short-name', 'КМДА'));
      ok(
        await vkhid(
          data,
          'participant',
          'add',
          '--code',
          CONTACT_CENTER,
          '--name',
          'Урядовий контактний центр',
          '--kind',
          'contact-center',
        ),
      );
      ok(await vkhid(data, 'participant', 'activate', CONTACT_CENTER));
      const table = ok(await vkhid(data, 'participant', 'list')).stdout.split('\n');
      assert.match(table[0]!, /^CODE\s+KIND\s+STATUS/);
      assert.match(table[1]!, /^00015622\s+contact-center\s+active/);
      assert.match(table[2]!, /^00022527\s+agency\s+pending\s+canonical\s+0\s+КМДА$/);
      const active = json<{ participants: ParticipantJson[] }>(
        ok(await vkhid(data, 'participant', 'list', '--status', 'active', '--json')),
      );
      assert.deepEqual(
        active.participants.map((p) => p.code),
        [CONTACT_CENTER],
      );
    });

    it('an empty registry lists "no participants"; --json gives an empty array', async () => {
      assert.equal(ok(await vkhid(data, 'participant', 'list')).stdout, 'no participants\n');
      assert.deepEqual(json(ok(await vkhid(data, 'participant', 'list', '--json'))), {
        ok: true,
        participants: [],
      });
    });

    it('an unknown --status is a usage error: exit 2', async () => {
      expectStderrRefusal(await vkhid(data, 'participant', 'list', '--status', 'asleep'), 'CLI_USAGE', 2);
    });

    it('show gives the record, its status history, memoranda and certificates', async () => {
      ok(await addAgency('--short-name', 'КМДА'));
      await addMemorandum(data, AGENCY, { number: 'M-1' });
      ok(await vkhid(data, 'participant', 'activate', AGENCY));
      ok(await vkhid(data, 'participant', 'suspend', AGENCY, '--reason', 'EDMS migration'));
      const shown = json<{
        participant: ParticipantJson;
        statusHistory: { from: string | null; to: string; reason: string; by: string }[];
        memoranda: { number: string }[];
        certificates: unknown[];
      }>(ok(await vkhid(data, 'participant', 'show', AGENCY, '--json')));
      assert.equal(shown.participant.status, 'suspended');
      assert.deepEqual(
        shown.statusHistory.map((change) => [change.from, change.to, change.reason]),
        [
          [null, 'pending', 'registered'],
          ['pending', 'active', 'activated by administrator'],
          ['active', 'suspended', 'EDMS migration'],
        ],
      );
      assert.equal(shown.statusHistory[2]!.by, `cli:${userInfo().username}`);
      assert.deepEqual(
        shown.memoranda.map((m) => m.number),
        ['M-1'],
      );
      assert.deepEqual(shown.certificates, []);
      const text = ok(await vkhid(data, 'participant', 'show', AGENCY)).stdout;
      assert.match(
        text,
        /status history:\n.*- -> pending.*\n.*pending -> active.*\n.*active -> suspended .*EDMS migration/,
      );
      assert.match(text, /memoranda:\n {2}M-1 {2}active/);
    });

    it('show of an unregistered code refuses: exit 1, PARTICIPANT_NOT_FOUND', async () => {
      expectStderrRefusal(await vkhid(data, 'participant', 'show', AGENCY), 'PARTICIPANT_NOT_FOUND');
    });
  });

  describe('suspend, activate, withdraw', () => {
    beforeEach(async () => {
      ok(await addAgency());
    });

    it('activate without --reason records "activated by administrator"; suspend records its reason', async () => {
      assert.equal(
        ok(await vkhid(data, 'participant', 'activate', AGENCY)).stdout,
        `participant ${AGENCY} is now active: activated by administrator\n`,
      );
      ok(await vkhid(data, 'participant', 'suspend', AGENCY, '--reason', 'security incident'));
      const suspended = await show(AGENCY);
      assert.equal(suspended.status, 'suspended');
      assert.equal(suspended.statusReason, 'security incident');
      ok(await vkhid(data, 'participant', 'activate', AGENCY, '--reason', 'incident closed'));
      assert.equal((await show(AGENCY)).statusReason, 'incident closed');
    });

    it('suspend without --reason is a usage error: exit 2; the status is unchanged', async () => {
      ok(await vkhid(data, 'participant', 'activate', AGENCY));
      const run = await vkhid(data, 'participant', 'suspend', AGENCY);
      assert.equal(run.code, 2);
      assert.match(run.stderr, /--reason/);
      assert.equal((await show(AGENCY)).status, 'active');
    });

    it('a blank reason refuses: exit 1, PARTICIPANT_INVALID; the status is unchanged', async () => {
      ok(await vkhid(data, 'participant', 'activate', AGENCY));
      expectStderrRefusal(
        await vkhid(data, 'participant', 'suspend', AGENCY, '--reason', '   '),
        'PARTICIPANT_INVALID',
      );
      assert.equal((await show(AGENCY)).status, 'active');
    });

    it('suspending a pending participant refuses: exit 1, PARTICIPANT_STATUS_TRANSITION', async () => {
      expectStderrRefusal(
        await vkhid(data, 'participant', 'suspend', AGENCY, '--reason', 'x'),
        'PARTICIPANT_STATUS_TRANSITION',
      );
      assert.equal((await show(AGENCY)).status, 'pending');
    });

    it('withdraw is final: activating a withdrawn participant refuses with PARTICIPANT_STATUS_TRANSITION', async () => {
      ok(await vkhid(data, 'participant', 'withdraw', AGENCY, '--reason', 'reorganised'));
      const withdrawn = await show(AGENCY);
      assert.equal(withdrawn.status, 'withdrawn');
      expectJsonError(
        await vkhid(data, 'participant', 'activate', AGENCY, '--json'),
        'PARTICIPANT_STATUS_TRANSITION',
      );
      assert.deepEqual(await show(AGENCY), withdrawn);
    });

    it('a status change of an unregistered code refuses: exit 1, PARTICIPANT_NOT_FOUND', async () => {
      expectStderrRefusal(
        await vkhid(data, 'participant', 'activate', CONTACT_CENTER),
        'PARTICIPANT_NOT_FOUND',
      );
    });
  });

  describe('update', () => {
    beforeEach(async () => {
      ok(await addAgency('--endpoint', 'https://old.example.gov.ua', '--edms-id', 'OLD'));
    });

    it('replaces endpoints and adapter, clears a field with an empty value, keeps the rest', async () => {
      const before = await show(AGENCY);
      ok(
        await vkhid(
          data,
          'participant',
          'update',
          AGENCY,
          '--endpoint',
          'https://new.example.gov.ua/in',
          '--adapter',
          'medo-xdms',
          '--adapter-settings',
          '{"hubMedoUid":"6f1c2b9e-4d3a-4f7b-9a51-0c2e8d7b3a10"}',
          '--edms-id',
          '',
        ),
      );
      const after = await show(AGENCY);
      assert.deepEqual(after, {
        ...before,
        endpoints: ['https://new.example.gov.ua/in'],
        adapter: 'medo-xdms',
        adapterSettings: { hubMedoUid: '6f1c2b9e-4d3a-4f7b-9a51-0c2e8d7b3a10' },
        edmsId: null,
      });
    });

    it('--clear-endpoints leaves a participant that pulls', async () => {
      ok(await vkhid(data, 'participant', 'update', AGENCY, '--clear-endpoints'));
      assert.deepEqual((await show(AGENCY)).endpoints, []);
    });

    it('refuses an http endpoint: exit 1, PARTICIPANT_INVALID; the record is unchanged', async () => {
      const before = await show(AGENCY);
      expectStderrRefusal(
        await vkhid(data, 'participant', 'update', AGENCY, '--endpoint', 'http://plain.example.gov.ua'),
        'PARTICIPANT_INVALID',
      );
      assert.deepEqual(await show(AGENCY), before);
    });

    it('refuses an unknown adapter, or settings its adapter refuses, naming them; the record is unchanged', async () => {
      const before = await show(AGENCY);
      expectStderrRefusal(
        await vkhid(data, 'participant', 'update', AGENCY, '--adapter', 'no-such-format'),
        'ADAPTER_UNKNOWN',
      );
      expectStderrRefusal(
        await vkhid(
          data,
          'participant',
          'update',
          AGENCY,
          '--adapter',
          'medo-xdms',
          '--adapter-settings',
          '{}',
        ),
        'ADAPTER_SETTINGS_INVALID',
      );
      assert.deepEqual(await show(AGENCY), before);
    });

    it('without any change is a usage error: exit 2', async () => {
      expectStderrRefusal(await vkhid(data, 'participant', 'update', AGENCY), 'CLI_USAGE', 2);
    });

    it('of an unregistered code refuses: exit 1, PARTICIPANT_NOT_FOUND', async () => {
      expectStderrRefusal(
        await vkhid(data, 'participant', 'update', CONTACT_CENTER, '--adapter', 'medo-xdms'),
        'PARTICIPANT_NOT_FOUND',
      );
    });
  });

  describe('the data directory', () => {
    it('a directory without a hub refuses: exit 1, HUB_NOT_INITIALISED, and no database is created there', async () => {
      const empty = temporaryDirectory();
      expectStderrRefusal(await vkhid(empty, 'participant', 'list'), 'HUB_NOT_INITIALISED');
      assert.deepEqual(readdirSync(empty), []);
    });

    it('VKHID_DATA names the data directory when --data is not given', async () => {
      ok(await addAgency());
      const saved = process.env.VKHID_DATA;
      process.env.VKHID_DATA = data;
      try {
        const listed = json<{ participants: ParticipantJson[] }>(
          ok(await runVkhid('participant', 'list', '--json')),
        );
        assert.deepEqual(
          listed.participants.map((p) => p.code),
          [AGENCY],
        );
      } finally {
        if (saved === undefined) delete process.env.VKHID_DATA;
        else process.env.VKHID_DATA = saved;
      }
    });
  });
});
