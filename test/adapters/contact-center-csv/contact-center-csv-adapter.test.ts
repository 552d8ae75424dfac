import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import {
  contactCenterCsvAdapter,
  ContactCenterCsvAdapter,
} from '../../../adapters/contact-center-csv/contact-center-csv-adapter.js';
import { parseCsvSettings } from '../../../adapters/contact-center-csv/csv-settings.js';
import type { NativeDocument } from '../../../gateway/adapters/adapter.js';
import { AdapterRegistry } from '../../../gateway/adapters/adapter-registry.js';
import { attachmentFromBytes } from '../../../gateway/envelope/envelope-builder.js';
import type { Envelope } from '../../../gateway/envelope/envelope-model.js';
import { VkhidError } from '../../../gateway/errors/vkhid-error.js';
import { sampleEnvelope } from '../../envelope/fixtures/sample-envelopes.js';
import { suiteContext } from '../conformance/conformance-case.js';
import {
  CONTACT_CENTER,
  contactCenterCsvCase,
  MINIMAL_HEADER,
  MINIMAL_ROW,
  minimal,
} from './contact-center-csv-case.js';

const runtime = (settings: Readonly<Record<string, unknown>> = {}) =>
  new AdapterRegistry().register(contactCenterCsvAdapter).create('contact-center-csv', settings);
const context = suiteContext(CONTACT_CENTER);
const csv = (text: string, mediaType = 'text/csv'): NativeDocument => ({
  bytes: Buffer.from(text, 'utf8'),
  mediaType,
});
const text = (document: NativeDocument): string => Buffer.from(document.bytes).toString('utf8');

async function refusal(action: () => unknown): Promise<VkhidError> {
  try {
    await action();
  } catch (error) {
    assert.ok(error instanceof VkhidError, String(error));
    return error;
  }
  return assert.fail('expected a refusal');
}

describe('contact-center-csv: the conformance case, run through the runtime adapter', () => {
  const adapter = runtime(contactCenterCsvCase.settings);

  for (const golden of contactCenterCsvCase.goldens) {
    it(`reads the golden: ${golden.name}`, async () => {
      const { envelope } = await adapter.toCanonical(golden.document, context);
      assert.deepEqual(envelope, golden.expected);
    });
  }

  for (const refused of contactCenterCsvCase.refusals) {
    it(`refuses ${refused.name} with ${refused.code}`, async () => {
      const error = await refusal(() => adapter.toCanonical(refused.document, context));
      assert.equal(error.code, refused.code, error.message);
      if (typeof refused.field === 'string') assert.equal(error.field, refused.field);
      else if (refused.field !== undefined) assert.match(error.field ?? '', refused.field);
    });
  }

  it('round-trips appeals: toCanonical(fromCanonical(e)) is project(e), and both outputs pass the runtime', async () => {
    const { canonical, project } = contactCenterCsvCase;
    assert.ok(canonical !== undefined && project !== undefined);
    await fc.assert(
      fc.asyncProperty(canonical, async (envelope) => {
        const document = await adapter.fromCanonical(envelope, suiteContext(envelope.header.recipient));
        const { envelope: back } = await adapter.toCanonical(document, suiteContext(envelope.header.sender));
        assert.deepEqual(back, project(envelope));
      }),
      { numRuns: 150 },
    );
  });
});

describe('contact-center-csv: reading appeal rows', () => {
  const adapter = runtime();

  it('dates wall-clock times in the settings time zone: +02:00 in Kyiv winter, +03:00 in summer', async () => {
    const winter = await adapter.toCanonical(
      csv(minimal({ row: (r) => (r[1] = '01.03.2026 12:00') })),
      context,
    );
    const summer = await adapter.toCanonical(
      csv(minimal({ row: (r) => (r[1] = '2026-07-01 12:00:30') })),
      context,
    );
    const spring = await adapter.toCanonical(
      csv(minimal({ row: (r) => (r[1] = '29.03.2026 04:30') })), // an hour after the spring change
      context,
    );
    const body = (e: Envelope) => (e.body.type === 'appeal' ? e.body.appeal : assert.fail('not an appeal'));
    assert.equal(body(winter.envelope).receivedAt, '2026-03-01T12:00:00+02:00');
    assert.equal(body(summer.envelope).receivedAt, '2026-07-01T12:00:30+03:00');
    assert.equal(body(spring.envelope).receivedAt, '2026-03-29T04:30:00+03:00');
    const utc = await runtime({ timeZone: 'UTC' }).toCanonical(csv(minimal()), context);
    assert.equal(body(utc.envelope).receivedAt, '2026-03-01T12:00:00+00:00');
  });

  it('derives the same message id for the same row, and another for another target agency', async () => {
    const first = await adapter.toCanonical(csv(minimal()), context);
    const again = await adapter.toCanonical(csv(minimal()), context);
    const other = await adapter.toCanonical(csv(minimal({ row: (r) => (r[12] = '03359500') })), context);
    assert.equal(first.envelope.header.messageId, again.envelope.header.messageId);
    assert.notEqual(first.envelope.header.messageId, other.envelope.header.messageId);
    assert.deepEqual(first.envelope, again.envelope);
    assert.equal(first.envelope.header.createdAt, '2026-03-01T12:00:00+02:00');
  });

  it('uses the configured column headings, matched trimmed and case-insensitively', async () => {
    const custom = runtime({ columns: { subject: 'Topic', tracking: 'Case No' } });
    const document = minimal({
      header: (h) => {
        h[0] = '  case no ';
        h[10] = 'TOPIC';
      },
    });
    const { envelope } = await custom.toCanonical(csv(document), context);
    assert.equal(envelope.header.tracking, 'UKC-2026-0301-00001');
    const error = await refusal(() => custom.toCanonical(csv(minimal()), context));
    assert.equal(error.code, 'ADAPTER_MISSING_FIELD');
    assert.equal(error.field, 'column Case No');
  });

  it('honours the delimiter setting instead of guessing', async () => {
    const error = await refusal(() => runtime({ delimiter: ',' }).toCanonical(csv(minimal()), context));
    assert.equal(error.code, 'ADAPTER_MISSING_FIELD');
  });

  it('names the data row of the file from the document name FILE#row=N', async () => {
    const document = { ...csv(minimal({ row: (r) => (r[1] = 'вчора') })), fileName: 'export.csv#row=17' };
    const error = await refusal(() => adapter.toCanonical(document, context));
    assert.equal(error.field, 'row 17, column Дата надходження');
  });

  it('skips blank rows (;;;;) whatever their cell count', async () => {
    const { envelope } = await adapter.toCanonical(csv(`${minimal()};;;\r\n\r\n`), context);
    assert.equal(envelope.header.tracking, 'UKC-2026-0301-00001');
  });

  it('refuses more than five phone numbers, invalid e-mail addresses and over-long text', async () => {
    const withColumn = (heading: string, value: string) =>
      minimal({ header: (h) => h.push(heading), row: (r) => r.push(value) });
    const phones = await refusal(() =>
      adapter.toCanonical(csv(withColumn('Телефони', '11111,22222,33333,44444,55555,66666')), context),
    );
    assert.equal(phones.code, 'ADAPTER_INVALID_FIELD');
    assert.equal(phones.field, 'row 1, column Телефони');
    const email = await refusal(() =>
      adapter.toCanonical(csv(withColumn('Електронні адреси', 'a@b.ua, not-an-address')), context),
    );
    assert.equal(email.field, 'row 1, column Електронні адреси');
    const long = await refusal(() =>
      adapter.toCanonical(csv(minimal({ row: (r) => (r[10] = 'я'.repeat(501)) })), context),
    );
    assert.equal(long.field, 'row 1, column Тема');
    assert.match(long.message, /longer than 500 characters/);
  });

  it('refuses a heading given twice and a header with no delimiter', async () => {
    const twice = await refusal(() =>
      adapter.toCanonical(csv(minimal({ header: (h) => h.push('ТЕМА'), row: (r) => r.push('x') })), context),
    );
    assert.equal(twice.code, 'ADAPTER_MALFORMED');
    assert.equal(twice.field, 'column Тема');
    const single = await refusal(() => adapter.toCanonical(csv('Тема\r\nx\r\n'), context));
    assert.equal(single.code, 'ADAPTER_MALFORMED');
  });

  it('refuses a charset it does not read', async () => {
    const error = await refusal(() =>
      adapter.toCanonical(csv(minimal(), 'text/csv; charset=koi8-u'), context),
    );
    assert.equal(error.code, 'ADAPTER_UNSUPPORTED');
  });
});

describe('contact-center-csv: writing for the contact center', () => {
  it('writes a status under the reply header, UTF-8 with a BOM and ; by default', async () => {
    const document = await runtime().fromCanonical(sampleEnvelope('status'), context);
    assert.equal(document.mediaType, 'text/csv; charset=utf-8');
    assert.deepEqual([...document.bytes.subarray(0, 3)], [0xef, 0xbb, 0xbf]);
    const [header, row, end] = text(document).slice(1).split('\r\n');
    assert.equal(end, '');
    assert.equal(
      header,
      'Ідентифікатор повідомлення;Тип повідомлення;Дата створення повідомлення;Код ЄДРПОУ відправника;' +
        'Номер звернення;У відповідь на;Стосується повідомлення;Подія;Дата події;Реєстраційний номер;' +
        'Дата реєстрації;Новий строк розгляду;Переадресовано до (ЄДРПОУ);Підстава переадресації;Код;Причина;' +
        'Коментар;Підписант;Текст відповіді;Додатки',
    );
    assert.equal(
      row,
      '59135ff9-8d68-47ae-85b7-366ee8dd3eb9;статус;2025-03-19T14:40:27+02:00;00022527;UKC-2025-0314-00873;' +
        '27d451f0-82ac-4626-abdc-95b530dd0604;;переадресовано;2025-03-19T14:40:00+02:00;;;;03359500;' +
        'не належить до повноважень;;"Утримання та ремонт вул. Велика Васильківська належать до повноважень ' +
        'КК «Київавтодор»; звернення надіслано за належністю (ч. 3 ст. 7 Закону України «Про звернення громадян»).";' +
        'Заявницю повідомлено листом від 19.03.2025 № 061-2214.;;;',
    );
  });

  it('writes answers, receipts and errors in the same columns', async () => {
    const adapter = runtime({ bom: false });
    const rows = await Promise.all(
      (['answer', 'receipt', 'error'] as const).map(async (type) => {
        const document = await adapter.fromCanonical(sampleEnvelope(type), context);
        return text(document).split('\r\n')[1] ?? '';
      }),
    );
    assert.match(
      rows[0] ?? '',
      /^1da0866d-.*;відповідь;.*;задоволено;2025-04-08T16:05:00\+03:00;053\/1-2841;2025-04-08;/,
    );
    assert.match(rows[0] ?? '', /;Директор КК «Київавтодор» А\. М\. Петренко;"Шановна Олено Петрівно!\r?\n/);
    assert.match(
      rows[1] ?? '',
      /;квитанція;.*;зареєстровано;2025-03-17T09:02:10\+02:00;К-7415\/25-вх;2025-03-17;/,
    );
    assert.match(rows[2] ?? '', /;помилка;.*;ATTACHMENT_UNREADABLE;Вкладення «скан-заяви\.pdf» пошкоджене/);
  });

  it('lists the names and sizes of attachments it cannot carry', async () => {
    const answer = sampleEnvelope('answer');
    assert.ok(answer.body.type === 'answer');
    const envelope: Envelope = {
      ...answer,
      body: {
        type: 'answer',
        answer: {
          ...answer.body.answer,
          attachments: [attachmentFromBytes('акт.pdf', 'application/pdf', new Uint8Array(10))],
        },
      },
    };
    const document = await runtime({ bom: false }).fromCanonical(envelope, context);
    assert.match(text(document), /;акт\.pdf \(10 B\)\r\n$/);
  });

  it('writes windows-1251 with commas when the settings say so, and reads it back', async () => {
    const adapter = runtime({ encoding: 'windows-1251', delimiter: ',' });
    const appeal = sampleEnvelope('appeal');
    const document = await adapter.fromCanonical(appeal, context);
    assert.equal(document.mediaType, 'text/csv; charset=windows-1251');
    const decoded = new TextDecoder('windows-1251').decode(document.bytes);
    assert.match(decoded, /^Ідентифікатор повідомлення,Дата створення повідомлення,/);
    assert.throws(() => new TextDecoder('utf-8', { fatal: true }).decode(document.bytes));
    const { envelope } = await adapter.toCanonical({ bytes: document.bytes, mediaType: 'text/csv' }, context);
    assert.equal(envelope.header.tracking, appeal.header.tracking);
  });

  it('refuses text windows-1251 cannot write, naming the model field, but keeps attachment names readable', async () => {
    const adapter = runtime({ encoding: 'windows-1251' });
    const answer = sampleEnvelope('answer');
    assert.ok(answer.body.type === 'answer');
    const withText = (textValue: string, fileName = 'a.pdf'): Envelope => ({
      ...answer,
      body: {
        type: 'answer',
        answer: {
          ...answer.body.answer,
          text: textValue,
          attachments: [attachmentFromBytes(fileName, 'application/pdf', new Uint8Array(1))],
        },
      },
    });
    const error = await refusal(() => adapter.fromCanonical(withText('Дякуємо 🙂'), context));
    assert.equal(error.code, 'ADAPTER_INVALID_FIELD');
    assert.equal(error.field, 'body.answer.text');
    assert.match(error.message, /U\+1F642/);
    const document = await adapter.fromCanonical(withText('Дякуємо', 'фото 🙂.png'), context);
    assert.match(new TextDecoder('windows-1251').decode(document.bytes), /;фото \?\.png \(1 B\)\r\n$/);
  });

  it('refuses to write an e-mail address holding a list separator', async () => {
    const appeal = sampleEnvelope('appeal');
    assert.ok(appeal.body.type === 'appeal');
    const envelope: Envelope = {
      ...appeal,
      body: {
        type: 'appeal',
        appeal: {
          ...appeal.body.appeal,
          applicant: {
            ...appeal.body.appeal.applicant,
            contacts: { phones: [], emails: ['a@b.ua', 'x,y@z.ua'] },
          },
        },
      },
    };
    const error = await refusal(() => runtime().fromCanonical(envelope, context));
    assert.equal(error.field, 'body.appeal.applicant.contacts.emails[1]');
  });
});

describe('contact-center-csv: settings', () => {
  const invalid = (settings: Record<string, unknown>, field: string) => {
    assert.throws(
      () => contactCenterCsvAdapter.createAdapter(settings),
      (error: unknown) =>
        error instanceof VkhidError && error.code === 'ADAPTER_SETTINGS_INVALID' && error.field === field,
    );
  };

  it('refuses unknown settings, bad values, unknown columns and clashing headings, naming the setting', () => {
    invalid({ charset: 'utf-8' }, 'adapterSettings.charset');
    invalid({ encoding: 'koi8-u' }, 'adapterSettings.encoding');
    invalid({ delimiter: '\t' }, 'adapterSettings.delimiter');
    invalid({ bom: 'yes' }, 'adapterSettings.bom');
    invalid({ timeZone: 'Europe/Kiyv-ish' }, 'adapterSettings.timeZone');
    invalid({ columns: [] }, 'adapterSettings.columns');
    invalid({ columns: { topic: 'Тема' } }, 'adapterSettings.columns.topic');
    invalid({ columns: { subject: 'Тема; коротко' } }, 'adapterSettings.columns.subject');
    invalid({ columns: { subject: 'Текст звернення' } }, 'adapterSettings.columns.text');
  });

  it('accepts the example settings and fills in the defaults', () => {
    const example = JSON.parse(
      readFileSync(
        new URL('../../../adapters/contact-center-csv/example-settings.json', import.meta.url),
        'utf8',
      ),
    ) as Record<string, unknown>;
    const settings = parseCsvSettings(example);
    assert.equal(settings.columns.tracking, 'Номер звернення');
    // The example export uses the default headings, so the example settings rename none.
    assert.equal(settings.columns.category, 'Категорія');
    assert.ok(contactCenterCsvAdapter.createAdapter(example) instanceof ContactCenterCsvAdapter);
    assert.deepEqual(parseCsvSettings({}), {
      encoding: 'auto',
      delimiter: 'auto',
      bom: true,
      timeZone: 'Europe/Kyiv',
      columns: parseCsvSettings({}).columns,
    });
  });

  it('the minimal fixture is valid as it stands', async () => {
    const { envelope } = await runtime().toCanonical(csv(minimal()), context);
    assert.equal(envelope.header.recipient, MINIMAL_ROW[12]);
    assert.equal(MINIMAL_HEADER.length, MINIMAL_ROW.length);
  });
});
