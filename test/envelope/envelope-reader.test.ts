import assert from 'node:assert/strict';
import fc from 'fast-check';
import {
  attachmentFromBytes,
  buildEnvelope,
  XML_DECLARATION,
} from '../../gateway/envelope/envelope-builder.js';
import { ENVELOPE_NAMESPACE, type Envelope } from '../../gateway/envelope/envelope-model.js';
import { readEnvelope } from '../../gateway/envelope/envelope-reader.js';
import { canonicalize } from './fixtures/canonicalize.js';
import { anyEnvelope, appealEnvelope } from './fixtures/envelope-arbitraries.js';
import { envelopeXsd } from './fixtures/envelope-xsd.js';
import { expectVkhidError } from './fixtures/expect-vkhid-error.js';
import { allSampleEnvelopes, sampleEnvelope } from './fixtures/sample-envelopes.js';

/** Builder output without its declaration: the canonical form readEnvelope receives in production. */
function canonicalOf(envelope: Envelope): string {
  return buildEnvelope(envelope).slice(XML_DECLARATION.length);
}

/** Replaces exactly one occurrence, so that a test cannot silently edit nothing. */
function replaceOnce(xml: string, from: string, to: string): string {
  const at = xml.indexOf(from);
  assert.ok(at !== -1 && xml.indexOf(from, at + 1) === -1, `expected exactly one ${from}`);
  return xml.slice(0, at) + to + xml.slice(at + from.length);
}

function withSubject(subject: string): Envelope {
  const envelope = sampleEnvelope('appeal');
  envelope.body.appeal.subject = subject;
  return envelope;
}

const SUBJECT = /<Subject>[^<]*<\/Subject>/;

describe('readEnvelope', () => {
  describe('round trip with buildEnvelope', () => {
    for (const envelope of allSampleEnvelopes()) {
      it(`reads the built ${envelope.header.type} sample back to a deep-equal model`, () => {
        assert.deepStrictEqual(readEnvelope(canonicalOf(envelope)), envelope);
      });

      it(`reads the exclusive c14n of the built ${envelope.header.type} sample back to a deep-equal model`, () => {
        assert.deepStrictEqual(readEnvelope(canonicalize(buildEnvelope(envelope))), envelope);
      });
    }

    it('reads every outcome of receipts and statuses, with and without their optional parts', () => {
      const receipts = [
        { kind: 'delivered' },
        { kind: 'accepted' },
        { kind: 'registered', number: '№ 1', date: '2025-01-01' },
        { kind: 'refused', reason: 'Не наш орган' },
        { kind: 'refused', code: 'NOT-OURS', reason: 'Не наш орган' },
      ] as const;
      for (const outcome of receipts) {
        const envelope = sampleEnvelope('receipt');
        envelope.body.receipt.outcome = outcome;
        delete envelope.body.receipt.messageDigest;
        assert.deepStrictEqual(readEnvelope(canonicalOf(envelope)), envelope);
      }
      const statuses = [
        { kind: 'under-consideration' },
        { kind: 'deadline-extended', newDeadline: '2025-05-13', reason: 'Потрібна додаткова перевірка' },
        { kind: 'redirected', to: '12345678', reasonCode: 'other', reason: 'Інше' },
        { kind: 'answered' },
      ] as const;
      for (const outcome of statuses) {
        const envelope = sampleEnvelope('status');
        envelope.body.status.outcome = outcome;
        delete envelope.body.status.comment;
        assert.deepStrictEqual(readEnvelope(canonicalOf(envelope)), envelope);
      }
    });

    it('reads absent optional elements as absent keys, and empty contacts as empty lists', () => {
      const envelope = sampleEnvelope('appeal');
      delete envelope.body.appeal.noAdditionalStudy;
      delete envelope.body.appeal.applicant.address;
      delete envelope.body.appeal.attachments;
      envelope.body.appeal.applicant.contacts = { phones: [], emails: [] };
      const read = readEnvelope(canonicalOf(envelope));
      assert.deepStrictEqual(read, envelope);
      assert.ok(read.body.type === 'appeal' && !('attachments' in read.body.appeal));
      assert.ok(!('id' in read));
    });

    it('reads the root Id attribute', () => {
      const envelope = sampleEnvelope('answer');
      envelope.id = 'answer-1';
      assert.deepStrictEqual(readEnvelope(canonicalOf(envelope)), envelope);
    });

    it('accepts the output of buildEnvelope with its XML declaration too', () => {
      const envelope = sampleEnvelope('status');
      assert.deepStrictEqual(readEnvelope(buildEnvelope(envelope)), envelope);
    });
  });

  describe('text fidelity', () => {
    it('round-trips & < > " \' CR, CRLF, tab, and text that looks like markup or references', () => {
      for (const subject of [
        'a & b < c > d " e \' f',
        'рядок\r\nрядок\rрядок\n',
        '\tз табуляцією\t',
        '&amp; &#13; &#xD; <![CDATA[x]]> <!-- c --> ]]>',
      ]) {
        const envelope = withSubject(subject);
        assert.deepStrictEqual(readEnvelope(canonicalOf(envelope)), envelope);
        assert.deepStrictEqual(readEnvelope(canonicalize(buildEnvelope(envelope))), envelope);
      }
    });

    it('round-trips Cyrillic and astral characters', () => {
      const envelope = sampleEnvelope('appeal');
      envelope.body.appeal.subject = 'Ґанок у дворі їдальні «Єва» — ремонт №5 ₴ 💡 𝔸';
      envelope.body.appeal.applicant.fullName = 'Іваненко-Ґудзь Ярослава Ївгенівна';
      assert.deepStrictEqual(readEnvelope(canonicalOf(envelope)), envelope);
    });

    it('keeps leading, trailing and whitespace-only string values exactly', () => {
      for (const subject of [' ', '  two spaces  ', '\n', ' \t\r\n ']) {
        const envelope = withSubject(subject);
        assert.deepStrictEqual(readEnvelope(canonicalOf(envelope)), envelope);
      }
    });

    it('decodes the predefined entities and decimal, hex and astral character references', () => {
      const xml = canonicalOf(sampleEnvelope('appeal')).replace(
        SUBJECT,
        '<Subject>&lt;&gt;&amp;&quot;&apos;|&#13;&#xD;&#x0d;|&#1050;&#x457;|&#x1F4A1;&#128161;|&amp;lt;&amp;#13;</Subject>',
      );
      envelopeXsd().validate(xml);
      const read = readEnvelope(xml);
      assert.ok(read.body.type === 'appeal');
      assert.equal(read.body.appeal.subject, '<>&"\'|\r\r\r|Кї|💡💡|&lt;&#13;');
    });

    it('decodes references in the long Text, which is sliced out of the document in one piece', () => {
      const envelope = sampleEnvelope('answer');
      envelope.body.answer.text = 'Рядок & <рядок> "так" \'ні\'\r\n'.repeat(2000) + '&#13; ]]>';
      const xml = canonicalOf(envelope);
      assert.ok(xml.includes('&#xD;\n'));
      assert.deepStrictEqual(readEnvelope(xml), envelope);
    });

    it('round-trips a Text of the maximum length (200,000 characters, some of them astral)', () => {
      const envelope = sampleEnvelope('appeal');
      envelope.body.appeal.text = 'Ї&💡'.repeat(50_000) + 'кінець'.repeat(10_000);
      assert.equal([...envelope.body.appeal.text].length, 210_000);
      envelope.body.appeal.text = [...envelope.body.appeal.text].slice(0, 200_000).join('');
      const xml = buildEnvelope(envelope);
      envelopeXsd().validate(xml);
      assert.deepStrictEqual(readEnvelope(xml.slice(XML_DECLARATION.length)), envelope);
    });

    it('refuses markup inside Text, which canonical XML never has', () => {
      const xml = canonicalOf(sampleEnvelope('appeal')).replace(
        /<Text>[^<]*<\/Text>/,
        '<Text><![CDATA[a < b]]></Text>',
      );
      expectVkhidError(() => readEnvelope(xml), 'ENVELOPE_SCHEMA_INVALID', '/Envelope/Body/Appeal/Text');
    });

    it('normalises raw line ends as every XML parser does (c14n output never holds a raw CR)', () => {
      const xml = canonicalOf(sampleEnvelope('appeal')).replace(SUBJECT, '<Subject>a\r\nb\rc</Subject>');
      const read = readEnvelope(xml);
      assert.ok(read.body.type === 'appeal');
      assert.equal(read.body.appeal.subject, 'a\nb\nc');
    });
  });

  describe('envelopes written by other tools', () => {
    it('ignores whitespace-only text between elements (pretty-printed envelopes)', () => {
      for (const envelope of allSampleEnvelopes()) {
        const pretty = canonicalOf(envelope).replace(/></g, '>\n    <');
        envelopeXsd().validate(pretty);
        assert.deepStrictEqual(readEnvelope(canonicalize(pretty)), envelope);
      }
    });

    it('reads an element-only element holding only whitespace as having no children', () => {
      const envelope = sampleEnvelope('appeal');
      envelope.body.appeal.applicant.contacts = { phones: [], emails: [] };
      const xml = replaceOnce(canonicalOf(envelope), '<Contacts></Contacts>', '<Contacts>\n  </Contacts>');
      envelopeXsd().validate(xml);
      assert.deepStrictEqual(readEnvelope(xml), envelope);
    });

    it('reads a prefixed envelope namespace like the default one', () => {
      const envelope = sampleEnvelope('appeal');
      const prefixed = canonicalOf(envelope)
        .replace(`<Envelope xmlns="${ENVELOPE_NAMESPACE}">`, `<v:Envelope xmlns:v="${ENVELOPE_NAMESPACE}">`)
        .replace(/<(\/?)(?!v:)([A-Za-z0-9]+)>/g, '<$1v:$2>');
      assert.ok(prefixed.endsWith('</v:Envelope>'));
      envelopeXsd().validate(prefixed);
      assert.deepStrictEqual(readEnvelope(canonicalize(prefixed)), envelope);
    });

    // libxml2 also refuses whitespace around an xs:date (the spec collapses it), so no such envelope gets here.
    it('collapses whitespace in boolean, instant, integer and base64 values, as the XSD does', () => {
      const envelope = sampleEnvelope('appeal');
      const [photo] = envelope.body.appeal.attachments ?? [];
      assert.ok(photo);
      const wrapped = photo.content.replace(/.{20}/g, '$&\n        ');
      let xml = canonicalOf(envelope);
      xml = replaceOnce(
        xml,
        '<RestrictedAccess>false</RestrictedAccess>',
        '<RestrictedAccess> 0 </RestrictedAccess>',
      );
      xml = replaceOnce(
        xml,
        '<NoAdditionalStudy>false</NoAdditionalStudy>',
        '<NoAdditionalStudy>\n0\n</NoAdditionalStudy>',
      );
      xml = replaceOnce(xml, '<Disclosure>true</Disclosure>', '<Disclosure> 1</Disclosure>');
      xml = replaceOnce(
        xml,
        '<ReceivedAt>2025-03-14T10:17:42+02:00</ReceivedAt>',
        '<ReceivedAt> 2025-03-14T10:17:42+02:00 </ReceivedAt>',
      );
      xml = replaceOnce(xml, `<Size>${photo.size}</Size>`, `<Size> ${photo.size} </Size>`);
      xml = replaceOnce(
        xml,
        `<Content>${photo.content}</Content>`,
        `<Content>\n        ${wrapped}\n      </Content>`,
      );
      envelopeXsd().validate(xml);
      assert.deepStrictEqual(readEnvelope(xml), envelope);
    });

    it('reads base64 content wrapped with CRLF line ends, as c14n writes them', () => {
      const envelope = sampleEnvelope('appeal');
      const [photo] = envelope.body.appeal.attachments ?? [];
      assert.ok(photo);
      const wrapped = photo.content.replace(/.{16}/g, '$&\r\n');
      const original = replaceOnce(canonicalOf(envelope), photo.content, wrapped);
      const canonical = canonicalize(original.replace(/\r/g, '&#13;'));
      assert.ok(canonical.includes('&#xD;\n'));
      envelopeXsd().validate(canonical);
      assert.deepStrictEqual(readEnvelope(canonical), envelope);
    });

    it('reads a megabyte attachment', () => {
      const envelope = sampleEnvelope('answer');
      const bytes = Buffer.alloc(1 << 20);
      for (let i = 0; i < bytes.length; i++) bytes[i] = (i * 31 + (i >> 8)) & 0xff;
      envelope.body.answer.attachments = [
        attachmentFromBytes('скан-відповіді.pdf', 'application/pdf', bytes),
      ];
      const xml = buildEnvelope(envelope);
      envelopeXsd().validate(xml);
      const read = readEnvelope(xml.slice(XML_DECLARATION.length));
      assert.deepStrictEqual(read, envelope);
    });
  });

  describe('checks the XSD cannot make', () => {
    it('refuses a header type that does not name the body with ENVELOPE_TYPE_MISMATCH', () => {
      const xml = replaceOnce(
        canonicalOf(sampleEnvelope('appeal')),
        '<Type>appeal</Type>',
        '<Type>receipt</Type>',
      );
      envelopeXsd().validate(xml);
      const error = expectVkhidError(() => readEnvelope(xml), 'ENVELOPE_TYPE_MISMATCH', 'header.type');
      assert.match(error.message, /type receipt but the body holds appeal/);
    });

    it('refuses an appeal without a tracking number', () => {
      const envelope = sampleEnvelope('appeal');
      const xml = replaceOnce(canonicalOf(envelope), `<Tracking>${envelope.header.tracking}</Tracking>`, '');
      envelopeXsd().validate(xml);
      expectVkhidError(() => readEnvelope(xml), 'ENVELOPE_INVALID_MODEL', 'header.tracking');
    });

    it('refuses an attachment whose Size is not the decoded length of its Content', () => {
      const envelope = sampleEnvelope('appeal');
      const xml = replaceOnce(canonicalOf(envelope), '<Size>77</Size>', '<Size>76</Size>');
      envelopeXsd().validate(xml);
      expectVkhidError(() => readEnvelope(xml), 'ENVELOPE_INVALID_MODEL', 'body.appeal.attachments[0].size');
    });

    it('refuses an attachment whose Sha256 is not the hash of its Content', () => {
      const envelope = sampleEnvelope('appeal');
      const [photo] = envelope.body.appeal.attachments ?? [];
      assert.ok(photo);
      const xml = replaceOnce(canonicalOf(envelope), photo.sha256, '0'.repeat(64));
      envelopeXsd().validate(xml);
      expectVkhidError(
        () => readEnvelope(xml),
        'ENVELOPE_INVALID_MODEL',
        'body.appeal.attachments[0].sha256',
      );
    });

    it('checks attachments of answers too, naming the item', () => {
      const appeal = sampleEnvelope('appeal');
      const answer = sampleEnvelope('answer');
      answer.body.answer.attachments = [
        ...(appeal.body.appeal.attachments ?? []),
        ...(appeal.body.appeal.attachments ?? []),
      ];
      const xml = canonicalOf(answer);
      const second = xml.lastIndexOf('<Size>77</Size>');
      const broken = `${xml.slice(0, second)}<Size>7</Size>${xml.slice(second + '<Size>77</Size>'.length)}`;
      expectVkhidError(
        () => readEnvelope(broken),
        'ENVELOPE_INVALID_MODEL',
        'body.answer.attachments[1].size',
      );
    });
  });

  describe('structure it does not expect (input that skipped the XSD)', () => {
    it('refuses a document whose root is not Envelope', () => {
      expectVkhidError(
        () => readEnvelope('<Other xmlns="urn:other"><Header></Header></Other>'),
        'ENVELOPE_SCHEMA_INVALID',
      );
    });

    it('refuses an envelope without a Header, naming where it is missing', () => {
      const xml = canonicalOf(sampleEnvelope('error')).replace(/<Header>.*<\/Header>/, '');
      expectVkhidError(() => readEnvelope(xml), 'ENVELOPE_SCHEMA_INVALID', '/Envelope');
    });

    it('refuses a body with two messages', () => {
      const xml = canonicalOf(sampleEnvelope('error')).replace(
        '</Error>',
        '</Error><Answered></Answered><Error></Error>',
      );
      expectVkhidError(() => readEnvelope(xml), 'ENVELOPE_SCHEMA_INVALID');
    });

    it('refuses text where child elements are expected', () => {
      const xml = canonicalOf(sampleEnvelope('appeal')).replace(
        /<Consent>.*<\/Consent>/,
        '<Consent>так</Consent>',
      );
      expectVkhidError(
        () => readEnvelope(xml),
        'ENVELOPE_SCHEMA_INVALID',
        '/Envelope/Body/Appeal/Applicant/Consent',
      );
    });

    it('refuses a value outside an enumeration', () => {
      const xml = replaceOnce(
        canonicalOf(sampleEnvelope('appeal')),
        '<Channel>hotline</Channel>',
        '<Channel>fax</Channel>',
      );
      expectVkhidError(() => readEnvelope(xml), 'ENVELOPE_SCHEMA_INVALID', '/Envelope/Body/Appeal/Channel');
    });
  });

  describe('properties', () => {
    it('read(build(m)) deep-equals m for generated appeals, and the build validates against the XSD', () => {
      fc.assert(
        fc.property(appealEnvelope, (envelope) => {
          const xml = buildEnvelope(envelope);
          envelopeXsd().validate(xml);
          assert.deepStrictEqual(readEnvelope(xml.slice(XML_DECLARATION.length)), envelope);
        }),
        { numRuns: 300 },
      );
    });

    it('for generated envelopes of every type, the build is valid, already canonical, and reads back', () => {
      fc.assert(
        fc.property(anyEnvelope, (envelope) => {
          const xml = buildEnvelope(envelope);
          envelopeXsd().validate(xml);
          const canonical = canonicalize(xml);
          assert.equal(canonical, xml.slice(XML_DECLARATION.length));
          assert.deepStrictEqual(readEnvelope(canonical), envelope);
        }),
        { numRuns: 300 },
      );
    });
  });
});
