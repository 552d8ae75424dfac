import assert from 'node:assert/strict';
import fc from 'fast-check';
import iconv from 'iconv-lite';
import {
  medoXdmsAdapter,
  xdmsSchema,
  XDMS_MEDIA_TYPE,
} from '../../../adapters/medo-xdms/medo-xdms-adapter.js';
import { readPackage, writePackage } from '../../../adapters/medo-xdms/medo-package.js';
import type { Adapter, NativeDocument } from '../../../gateway/adapters/adapter.js';
import { buildEnvelope } from '../../../gateway/envelope/envelope-builder.js';
import type { Envelope } from '../../../gateway/envelope/envelope-model.js';
import { envelopeSchema } from '../../../gateway/envelope/envelope-schema.js';
import { VkhidError } from '../../../gateway/errors/vkhid-error.js';
import { sampleEnvelope } from '../../envelope/fixtures/sample-envelopes.js';
import { suiteContext } from '../conformance/conformance-case.js';
import { CITY_ADMINISTRATION, exampleSettings, medoXdmsCase } from './medo-xdms-case.js';

/**
 * Direct tests of the adapter (the shared conformance suite runs medoXdmsCase through the runtime once the lead
 * registers it): goldens, refusals, the round trip, both output encodings, and what fromCanonical refuses.
 */
const adapter = (settings: Record<string, unknown> = exampleSettings): Required<Adapter> =>
  medoXdmsAdapter.createAdapter(settings) as Required<Adapter>;
const context = suiteContext(CITY_ADMINISTRATION);

function refusal(action: () => unknown): VkhidError {
  try {
    action();
  } catch (error) {
    assert.ok(error instanceof VkhidError, `expected a VkhidError, got ${String(error)}`);
    return error;
  }
  assert.fail('expected a refusal');
}

async function roundTrip(
  envelope: Envelope,
  settings = exampleSettings,
): Promise<{ native: NativeDocument; back: Envelope }> {
  const a = adapter(settings);
  const native = await a.fromCanonical(envelope, suiteContext(envelope.header.recipient));
  const back = await a.toCanonical(native, suiteContext(envelope.header.sender));
  return { native, back };
}

describe('medo-xdms adapter', () => {
  describe('goldens', () => {
    for (const golden of medoXdmsCase.goldens) {
      it(`reads ${golden.name}`, async () => {
        const envelope = await adapter().toCanonical(golden.document, context);
        assert.deepStrictEqual(envelope, golden.expected);
        envelopeSchema().validate(buildEnvelope(envelope));
      });
    }
  });

  describe('refusals', () => {
    for (const expected of medoXdmsCase.refusals) {
      it(`refuses ${expected.name} with ${expected.code}`, () => {
        const error = refusal(() => adapter().toCanonical(expected.document, context));
        assert.equal(error.code, expected.code, error.message);
        if (typeof expected.field === 'string') assert.equal(error.field, expected.field, error.message);
        if (expected.field instanceof RegExp) assert.match(error.field ?? '', expected.field, error.message);
      });
    }

    it('answers random bytes and random packages with a coded refusal, never a crash', () => {
      const a = adapter();
      fc.assert(
        fc.property(
          fc.oneof(
            fc.uint8Array({ maxLength: 512 }),
            fc
              .uint8Array({ maxLength: 512 })
              .map((bytes) => Uint8Array.from([0x50, 0x4b, 0x03, 0x04, ...bytes])),
          ),
          (bytes) => {
            const error = refusal(() => a.toCanonical({ bytes, mediaType: XDMS_MEDIA_TYPE }, context));
            assert.match(error.code, /^ADAPTER_/, error.message);
          },
        ),
        { numRuns: 300 },
      );
    });
  });

  describe('round trip', () => {
    it('keeps every field xdms carries (fast-check, windows-1251)', async () => {
      await fc.assert(
        fc.asyncProperty(medoXdmsCase.canonical!, async (envelope) => {
          const { back } = await roundTrip(envelope);
          assert.deepStrictEqual(back, medoXdmsCase.project!(envelope));
        }),
        { numRuns: 150 },
      );
    });

    it('keeps every field xdms carries (fast-check, UTF-8)', async () => {
      await fc.assert(
        fc.asyncProperty(medoXdmsCase.canonical!, async (envelope) => {
          const { native, back } = await roundTrip(envelope, { ...exampleSettings, encoding: 'utf-8' });
          const passport = native.mediaType.endsWith('+zip')
            ? (readPackage(native.bytes, { maxEntries: 200, maxTotalBytes: 1 << 24 }).get(
                'passport.xml',
              ) as Buffer)
            : Buffer.from(native.bytes);
          assert.ok(passport.toString('latin1').startsWith('<?xml version="1.0" encoding="utf-8"?>'));
          assert.deepStrictEqual(back, medoXdmsCase.project!(envelope));
        }),
        { numRuns: 60 },
      );
    });

    it('writes the sample appeal as a package whose passport is windows-1251 and valid xdms 2.6', async () => {
      const appeal = sampleEnvelope('appeal');
      const { native, back } = await roundTrip(appeal);
      assert.equal(native.mediaType, 'application/vnd.medo-xdms+zip');
      const files = readPackage(native.bytes, { maxEntries: 10, maxTotalBytes: 1 << 20 });
      assert.deepEqual([...files.keys()], ['passport.xml', 'document.txt', 'enclosure-1.png']);
      const passport = files.get('passport.xml') as Buffer;
      assert.ok(passport.toString('latin1').startsWith('<?xml version="1.0" encoding="windows-1251"?>'));
      const text = iconv.decode(passport, 'win1251');
      assert.match(text, /<xdms:person>Коваленко Олена Петрівна<\/xdms:person>/);
      assert.equal(Buffer.from(passport).indexOf(Buffer.from('Коваленко', 'utf8')), -1, 'not UTF-8 bytes');
      xdmsSchema().validate(passport);
      assert.equal(
        (files.get('document.txt') as Buffer).toString('utf8'),
        appeal.body.type === 'appeal' ? appeal.body.appeal.text : '',
      );
      assert.deepStrictEqual(back, project(appeal));
    });

    it('writes characters windows-1251 lacks as character references, losing none', async () => {
      const receipt = sampleEnvelope('receipt');
      if (receipt.body.type !== 'receipt' || receipt.body.receipt.outcome.kind !== 'registered')
        assert.fail();
      const envelope: Envelope = {
        ...receipt,
        body: {
          type: 'receipt',
          receipt: { ...receipt.body.receipt, outcome: { kind: 'refused', reason: 'Zürich 😀 € ґ\r\n<&>' } },
        },
      };
      const { native, back } = await roundTrip(envelope);
      const raw = Buffer.from(native.bytes).toString('latin1');
      assert.match(raw, /&#x1F600;/);
      assert.match(raw, /&#xD;/);
      assert.ok(back.body.type === 'receipt' && back.body.receipt.outcome.kind === 'refused');
      assert.equal(back.body.receipt.outcome.reason, 'Zürich 😀 € ґ\r\n<&>');
    });

    it('keeps NEL and LINE SEPARATOR, which a reader with XML 1.1 line ends would make line feeds', async () => {
      const receipt = sampleEnvelope('receipt');
      if (receipt.body.type !== 'receipt') assert.fail();
      const reason = 'рядок\u2028далі\u0085кінець';
      const envelope: Envelope = {
        ...receipt,
        body: { type: 'receipt', receipt: { ...receipt.body.receipt, outcome: { kind: 'refused', reason } } },
      };
      // In UTF-8, where neither character would otherwise need a reference.
      const { native, back } = await roundTrip(envelope, { ...exampleSettings, encoding: 'utf-8' });
      const raw = Buffer.from(native.bytes).toString('latin1');
      assert.match(raw, /&#x2028;/);
      assert.match(raw, /&#x85;/);
      assert.ok(back.body.type === 'receipt' && back.body.receipt.outcome.kind === 'refused');
      assert.equal(back.body.receipt.outcome.reason, reason);
    });
  });

  describe('fromCanonical refusals', () => {
    const a = adapter();
    it('refuses statuses xdms has no notification for, and error messages', () => {
      const redirected = sampleEnvelope('status');
      assert.equal(refusal(() => a.fromCanonical(redirected, context)).code, 'ADAPTER_UNSUPPORTED');
      assert.equal(
        refusal(() => a.fromCanonical(sampleEnvelope('error'), context)).code,
        'ADAPTER_UNSUPPORTED',
      );
    });

    it('refuses an answer that does not say what it answers', () => {
      const answer = sampleEnvelope('answer');
      const header = { ...answer.header };
      delete header.inReplyTo;
      const error = refusal(() => a.fromCanonical({ ...answer, header }, context));
      assert.equal(error.code, 'ADAPTER_MISSING_FIELD');
      assert.equal(error.field, 'header.inReplyTo');
    });

    it('refuses a registration number longer than xdms documentNumber (31)', () => {
      const receipt = sampleEnvelope('receipt');
      if (receipt.body.type !== 'receipt') assert.fail();
      const error = refusal(() =>
        a.fromCanonical(
          {
            ...receipt,
            body: {
              type: 'receipt',
              receipt: {
                ...receipt.body.receipt,
                outcome: { kind: 'registered', number: 'N'.repeat(32), date: '2025-03-17' },
              },
            },
          },
          context,
        ),
      );
      assert.equal(error.code, 'ADAPTER_INVALID_FIELD');
      assert.equal(error.field, 'body.receipt.outcome.number');
    });

    it('refuses contacts longer than contactInfo (511)', () => {
      const appeal = sampleEnvelope('appeal');
      if (appeal.body.type !== 'appeal') assert.fail();
      const emails = Array.from({ length: 5 }, (_, i) => `${'x'.repeat(60)}${i}@${'d'.repeat(60)}.ua`);
      const applicant = { ...appeal.body.appeal.applicant, contacts: { phones: [], emails } };
      const error = refusal(() =>
        a.fromCanonical(
          { ...appeal, body: { type: 'appeal', appeal: { ...appeal.body.appeal, applicant } } },
          context,
        ),
      );
      assert.equal(error.code, 'ADAPTER_INVALID_FIELD');
      assert.equal(error.field, 'body.appeal.applicant.contacts');
    });
  });

  describe('settings', () => {
    it('accepts the example settings and refuses bad ones naming the setting', () => {
      assert.ok(adapter());
      const cases: [Record<string, unknown>, string][] = [
        [{ ...exampleSettings, encoding: 'koi8-u' }, 'adapterSettings.encoding'],
        [{ ...exampleSettings, hubMedoUid: 'hub' }, 'adapterSettings.hubMedoUid'],
        [{ ...exampleSettings, defaultRecipient: '123' }, 'adapterSettings.defaultRecipient'],
        [{ ...exampleSettings, timeZone: 'Mars/Olympus' }, 'adapterSettings.timeZone'],
        [{ ...exampleSettings, colour: 'blue' }, 'adapterSettings.colour'],
        [{ ...exampleSettings, defaults: { channel: 'pigeon' } }, 'adapterSettings.defaults.channel'],
        [
          { ...exampleSettings, defaults: { refusalReason: 'because' } },
          'adapterSettings.defaults.refusalReason',
        ],
        [{ ...exampleSettings, defaults: { answerTermDays: 0 } }, 'adapterSettings.defaults.answerTermDays'],
      ];
      for (const [settings, field] of cases) {
        const error = refusal(() => medoXdmsAdapter.createAdapter(settings));
        assert.equal(error.code, 'ADAPTER_SETTINGS_INVALID');
        assert.equal(error.field, field);
      }
    });

    it('takes the documented defaults for what another system does not write', async () => {
      const settings = {
        ...exampleSettings,
        defaults: { channel: 'email', category: 'roads', answerTermDays: 15 },
      };
      const golden = medoXdmsCase.goldens[0]!;
      const envelope = await adapter(settings).toCanonical(golden.document, context);
      assert.ok(envelope.body.type === 'appeal');
      assert.equal(envelope.body.appeal.channel, 'email');
      // The fixture's clause has its own category and deadline: those win over the defaults.
      assert.equal(envelope.body.appeal.category, 'roads.repair');
      assert.equal(envelope.body.appeal.deadline, '2026-03-28');
    });
  });

  describe('package', () => {
    it('reads back what it writes, byte for byte (zip(1) interop: the appeal golden)', () => {
      const entries = [
        { name: 'passport.xml', bytes: Buffer.from('<a/>') },
        { name: 'дані.bin', bytes: Uint8Array.from({ length: 3000 }, (_, i) => i % 7) },
        { name: 'empty', bytes: new Uint8Array(0) },
      ];
      const read = readPackage(writePackage(entries), { maxEntries: 10, maxTotalBytes: 1 << 20 });
      assert.deepEqual(
        [...read.keys()],
        entries.map((e) => e.name),
      );
      for (const entry of entries)
        assert.deepEqual(new Uint8Array(read.get(entry.name)!), new Uint8Array(entry.bytes));
    });

    it('refuses path names, duplicates and archives over the size cap', () => {
      const limits = { maxEntries: 10, maxTotalBytes: 1000 };
      for (const name of ['../passport.xml', 'a/b', 'a\\b']) {
        const error = refusal(() => readPackage(writePackage([{ name, bytes: Buffer.from('x') }]), limits));
        assert.equal(error.code, 'ADAPTER_MALFORMED');
      }
      const twice = writePackage([
        { name: 'a', bytes: Buffer.from('1') },
        { name: 'a', bytes: Buffer.from('2') },
      ]);
      assert.equal(refusal(() => readPackage(twice, limits)).code, 'ADAPTER_MALFORMED');
      const bomb = writePackage([{ name: 'a', bytes: new Uint8Array(5000) }]);
      assert.match(refusal(() => readPackage(bomb, limits)).message, /exceed 1000 bytes/);
    });

    it('refuses a package whose content does not match its CRC-32', () => {
      const zip = writePackage([{ name: 'a.txt', bytes: Buffer.from('stored text!') }]);
      const at = zip.indexOf('stored text!');
      zip[at] = 0x53;
      assert.match(
        refusal(() => readPackage(zip, { maxEntries: 10, maxTotalBytes: 1000 })).message,
        /CRC-32/,
      );
    });
  });
});

const { project } = medoXdmsCase as Required<typeof medoXdmsCase>;
