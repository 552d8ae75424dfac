import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import {
  attachmentFromBytes,
  buildEnvelope,
  XML_DECLARATION,
} from '../../gateway/envelope/envelope-builder.js';
import { ENVELOPE_NAMESPACE, type Envelope } from '../../gateway/envelope/envelope-model.js';
import { canonicalize } from './fixtures/canonicalize.js';
import { envelopeXsd } from './fixtures/envelope-xsd.js';
import { expectVkhidError } from './fixtures/expect-vkhid-error.js';
import { allSampleEnvelopes, sampleEnvelope, SAMPLE_PHOTO_PNG } from './fixtures/sample-envelopes.js';

/** The text content of the first `name` element (builder output has no nested same-name elements). */
function elementText(xml: string, name: string): string | undefined {
  const start = xml.indexOf(`<${name}>`);
  if (start === -1) return undefined;
  return xml.slice(start + name.length + 2, xml.indexOf(`</${name}>`, start));
}

function withSubject(subject: string): Envelope {
  const envelope = sampleEnvelope('appeal');
  envelope.body.appeal.subject = subject;
  return envelope;
}

describe('buildEnvelope', () => {
  describe('output form', () => {
    for (const envelope of allSampleEnvelopes()) {
      it(`builds the ${envelope.header.type} sample to XML that validates against the XSD`, () => {
        envelopeXsd().validate(buildEnvelope(envelope));
      });

      it(`builds the ${envelope.header.type} sample already in exclusive-c14n form after the declaration`, () => {
        const xml = buildEnvelope(envelope);
        assert.equal(canonicalize(xml), xml.slice(XML_DECLARATION.length));
      });
    }

    it('starts with the UTF-8 declaration directly followed by the default-namespace root', () => {
      const xml = buildEnvelope(sampleEnvelope('receipt'));
      assert.ok(
        xml.startsWith(`<?xml version="1.0" encoding="UTF-8"?><Envelope xmlns="${ENVELOPE_NAMESPACE}">`),
      );
      assert.ok(xml.endsWith('</Body></Envelope>'));
    });

    it('writes no whitespace between elements and no namespace prefixes', () => {
      for (const envelope of allSampleEnvelopes()) {
        const xml = buildEnvelope(envelope);
        assert.doesNotMatch(xml, />\s+</);
        assert.doesNotMatch(xml, /<\/?[A-Za-z]+:/);
      }
    });

    it('writes the header elements in schema order', () => {
      const xml = buildEnvelope(sampleEnvelope('status'));
      const order = [
        'MessageId',
        'Type',
        'CreatedAt',
        'Sender',
        'Recipient',
        'Tracking',
        'InReplyTo',
        'SchemaVersion',
      ];
      const positions = order.map((name) => xml.indexOf(`<${name}>`));
      assert.ok(positions.every((position) => position > 0));
      assert.deepEqual(
        [...positions].sort((a, b) => a - b),
        positions,
      );
    });

    it('writes empty choice branches as start/end tag pairs, as c14n does', () => {
      const envelope = sampleEnvelope('receipt');
      envelope.body.receipt.outcome = { kind: 'delivered' };
      const xml = buildEnvelope(envelope);
      assert.ok(xml.includes('<Delivered></Delivered>'));
      envelopeXsd().validate(xml);
    });

    it('writes booleans as true/false and the attachment size as a decimal integer', () => {
      const xml = buildEnvelope(sampleEnvelope('appeal'));
      assert.equal(elementText(xml, 'RestrictedAccess'), 'false');
      assert.equal(elementText(xml, 'Disclosure'), 'true');
      assert.equal(elementText(xml, 'Size'), String(SAMPLE_PHOTO_PNG.length));
    });

    it('writes the root Id attribute when the model has one', () => {
      const envelope = sampleEnvelope('error');
      envelope.id = 'envelope-1';
      const xml = buildEnvelope(envelope);
      assert.ok(xml.includes(`<Envelope xmlns="${ENVELOPE_NAMESPACE}" Id="envelope-1">`));
      envelopeXsd().validate(xml);
      assert.equal(canonicalize(xml), xml.slice(XML_DECLARATION.length));
    });
  });

  describe('optional elements', () => {
    it('omits every optional element that is undefined and the result still validates', () => {
      const appeal = sampleEnvelope('appeal');
      delete appeal.body.appeal.noAdditionalStudy;
      delete appeal.body.appeal.applicant.address;
      delete appeal.body.appeal.attachments;
      appeal.body.appeal.applicant.contacts = { phones: [], emails: [] };
      delete appeal.header.inReplyTo;

      const receipt = sampleEnvelope('receipt');
      delete receipt.body.receipt.messageDigest;
      delete receipt.header.tracking;
      delete receipt.header.inReplyTo;
      receipt.body.receipt.outcome = { kind: 'refused', reason: 'Повідомлення не стосується нашого органу' };

      const status = sampleEnvelope('status');
      delete status.body.status.comment;

      const answer = sampleEnvelope('answer');
      delete answer.body.answer.registration;

      for (const [envelope, absent] of [
        [appeal, ['NoAdditionalStudy', 'Address', 'Attachments', 'Phone', 'Email', 'InReplyTo']],
        [receipt, ['MessageDigest', 'Tracking', 'InReplyTo', 'Code']],
        [status, ['Comment']],
        [answer, ['Registration', 'Attachments']],
      ] as const) {
        const xml = buildEnvelope(envelope);
        for (const name of absent) assert.ok(!xml.includes(`<${name}>`), `${name} should be omitted`);
        envelopeXsd().validate(xml);
      }
      assert.ok(buildEnvelope(appeal).includes('<Contacts></Contacts>'));
    });

    it('writes an empty attachment list as no Attachments element', () => {
      const envelope = sampleEnvelope('answer');
      envelope.body.answer.attachments = [];
      const xml = buildEnvelope(envelope);
      assert.ok(!xml.includes('<Attachments>'));
      envelopeXsd().validate(xml);
    });

    it('writes repeated phones and emails in model order', () => {
      const envelope = sampleEnvelope('appeal');
      envelope.body.appeal.applicant.contacts = {
        phones: ['+380441234567', '0671112233'],
        emails: ['a@b', 'в@г.укр'],
      };
      const xml = buildEnvelope(envelope);
      assert.ok(
        xml.includes(
          '<Contacts><Phone>+380441234567</Phone><Phone>0671112233</Phone><Email>a@b</Email><Email>в@г.укр</Email></Contacts>',
        ),
      );
      envelopeXsd().validate(xml);
    });
  });

  describe('escaping', () => {
    it('escapes & < > and CR exactly as exclusive c14n does, and leaves quotes, tab and LF alone', () => {
      const xml = buildEnvelope(withSubject('a & b < c > d " e \' f \r\n g\th &amp; ]]>'));
      assert.equal(
        elementText(xml, 'Subject'),
        'a &amp; b &lt; c &gt; d " e \' f &#xD;\n g\th &amp;amp; ]]&gt;',
      );
      envelopeXsd().validate(xml);
      assert.equal(canonicalize(xml), xml.slice(XML_DECLARATION.length));
    });

    it('writes Cyrillic and astral characters as they are', () => {
      const subject = 'Ґанок у дворі їдальні «Єва» — ремонт №5 💡';
      const xml = buildEnvelope(withSubject(subject));
      assert.equal(elementText(xml, 'Subject'), subject);
      assert.ok(xml.includes('<FullName>Коваленко Олена Петрівна</FullName>'));
    });

    it('escapes an Id attribute value as c14n escapes attributes', () => {
      const envelope = sampleEnvelope('error');
      envelope.id = 'a&b<c"d\te';
      assert.ok(buildEnvelope(envelope).includes(' Id="a&amp;b&lt;c&quot;d&#x9;e">'));
    });

    it('returns an escape-free value unchanged and escapes a value that ends in a special character', () => {
      assert.equal(elementText(buildEnvelope(withSubject('x<')), 'Subject'), 'x&lt;');
      assert.equal(elementText(buildEnvelope(withSubject('&')), 'Subject'), '&amp;');
      assert.equal(elementText(buildEnvelope(withSubject('plain')), 'Subject'), 'plain');
    });
  });

  describe('characters XML 1.0 cannot carry', () => {
    const forbidden: [string, string][] = [
      ['U+0000', '\u0000'],
      ['U+0001', '\u0001'],
      ['U+0008', '\u0008'],
      ['U+000B', '\u000B'],
      ['U+000C', '\u000C'],
      ['U+001F', '\u001F'],
      ['U+FFFE', '\uFFFE'],
      ['U+FFFF', '\uFFFF'],
      ['an unpaired high surrogate', '\uD83D'],
      ['an unpaired low surrogate', '\uDCA1'],
      ['a reversed surrogate pair', '\uDCA1\uD83D'],
    ];
    for (const [name, character] of forbidden) {
      it(`refuses ${name} with ENVELOPE_INVALID_MODEL naming the field`, () => {
        const error = expectVkhidError(
          () => buildEnvelope(withSubject(`Ремонт ${character} дороги`)),
          'ENVELOPE_INVALID_MODEL',
          'body.appeal.subject',
        );
        assert.match(error.message, /XML 1\.0 does not allow/);
      });
    }

    it('names header fields, list items and nested fields', () => {
      const header = sampleEnvelope('receipt');
      header.header.createdAt = '2025-03-17T09:02:11\u0000+02:00';
      expectVkhidError(() => buildEnvelope(header), 'ENVELOPE_INVALID_MODEL', 'header.createdAt');

      const phone = sampleEnvelope('appeal');
      phone.body.appeal.applicant.contacts = { phones: ['0441234567', '044\u00031234567'], emails: [] };
      expectVkhidError(
        () => buildEnvelope(phone),
        'ENVELOPE_INVALID_MODEL',
        'body.appeal.applicant.contacts.phones[1]',
      );

      const reason = sampleEnvelope('status');
      reason.body.status.outcome = {
        kind: 'deadline-extended',
        newDeadline: '2025-05-13',
        reason: 'x\u0007',
      };
      expectVkhidError(() => buildEnvelope(reason), 'ENVELOPE_INVALID_MODEL', 'body.status.outcome.reason');

      const fileName = sampleEnvelope('appeal');
      const attachment = attachmentFromBytes('a\u0002.png', 'image/png', SAMPLE_PHOTO_PNG);
      fileName.body.appeal.attachments = [attachment];
      expectVkhidError(
        () => buildEnvelope(fileName),
        'ENVELOPE_INVALID_MODEL',
        'body.appeal.attachments[0].fileName',
      );

      const id = sampleEnvelope('error');
      id.id = 'x\u0000';
      expectVkhidError(() => buildEnvelope(id), 'ENVELOPE_INVALID_MODEL', 'id');
    });

    it('accepts tab, LF, CR, a surrogate pair and the last BMP characters', () => {
      const xml = buildEnvelope(withSubject('\t\n\r\uD83D\uDCA1\uFFFD\uE000'));
      envelopeXsd().validate(xml);
    });
  });

  describe('checks the XSD cannot make', () => {
    it('refuses a header type that does not name the body with ENVELOPE_TYPE_MISMATCH', () => {
      const envelope = sampleEnvelope('receipt');
      envelope.header.type = 'status';
      const error = expectVkhidError(() => buildEnvelope(envelope), 'ENVELOPE_TYPE_MISMATCH', 'header.type');
      assert.match(error.message, /type status but the body holds receipt/);
    });

    it('refuses an appeal without a tracking number', () => {
      const envelope = sampleEnvelope('appeal');
      delete envelope.header.tracking;
      expectVkhidError(() => buildEnvelope(envelope), 'ENVELOPE_INVALID_MODEL', 'header.tracking');
    });

    it('accepts other message types without a tracking number', () => {
      const envelope = sampleEnvelope('status');
      delete envelope.header.tracking;
      envelopeXsd().validate(buildEnvelope(envelope));
    });

    it('refuses an attachment whose size is not the decoded length of its content', () => {
      const envelope = sampleEnvelope('appeal');
      const [photo] = envelope.body.appeal.attachments ?? [];
      assert.ok(photo);
      envelope.body.appeal.attachments = [{ ...photo, size: photo.size + 1 }];
      const error = expectVkhidError(
        () => buildEnvelope(envelope),
        'ENVELOPE_INVALID_MODEL',
        'body.appeal.attachments[0].size',
      );
      assert.match(error.message, /size is 78 but the content holds 77 bytes/);
    });

    it('refuses an attachment whose sha256 is not the hash of its content', () => {
      const envelope = sampleEnvelope('answer');
      const good = attachmentFromBytes('відповідь.txt', 'text/plain', Buffer.from('Відповідь', 'utf8'));
      const bad = { ...good, sha256: good.sha256.replace(/^./, (c) => (c === '0' ? '1' : '0')) };
      envelope.body.answer.attachments = [good, bad];
      expectVkhidError(
        () => buildEnvelope(envelope),
        'ENVELOPE_INVALID_MODEL',
        'body.answer.attachments[1].sha256',
      );
    });

    it('refuses an upper-case sha256, which the XSD pattern would also refuse', () => {
      const envelope = sampleEnvelope('appeal');
      const [photo] = envelope.body.appeal.attachments ?? [];
      assert.ok(photo);
      envelope.body.appeal.attachments = [{ ...photo, sha256: photo.sha256.toUpperCase() }];
      expectVkhidError(
        () => buildEnvelope(envelope),
        'ENVELOPE_INVALID_MODEL',
        'body.appeal.attachments[0].sha256',
      );
    });

    for (const [name, content] of [
      ['characters outside the base64 alphabet', 'iVBO Rw0K'],
      ['a missing padding', 'QUJD' + 'RA'],
      ['padding in the middle', 'QQ==QUJD'],
      ['a line break', 'QUJD\nRA=='],
      ['base64url characters', 'ab-_'],
    ] as const) {
      it(`refuses attachment content with ${name}`, () => {
        const envelope = sampleEnvelope('appeal');
        const bytes = Buffer.from(content.replace(/[^A-Za-z0-9+/]/g, ''), 'base64');
        envelope.body.appeal.attachments = [
          { ...attachmentFromBytes('x.bin', 'application/octet-stream', bytes), content },
        ];
        expectVkhidError(
          () => buildEnvelope(envelope),
          'ENVELOPE_INVALID_MODEL',
          'body.appeal.attachments[0].content',
        );
      });
    }

    it('accepts an empty attachment', () => {
      const envelope = sampleEnvelope('appeal');
      envelope.body.appeal.attachments = [
        attachmentFromBytes('порожній.txt', 'text/plain', new Uint8Array(0)),
      ];
      const xml = buildEnvelope(envelope);
      assert.ok(xml.includes('<Size>0</Size>'));
      assert.ok(xml.includes('<Content></Content>'));
      envelopeXsd().validate(xml);
    });
  });
});

describe('attachmentFromBytes', () => {
  it('computes size, SHA-256 hex and base64 of the bytes', () => {
    const attachment = attachmentFromBytes('abc.txt', 'text/plain', new TextEncoder().encode('abc'));
    assert.deepEqual(attachment, {
      fileName: 'abc.txt',
      mediaType: 'text/plain',
      size: 3,
      sha256: 'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad',
      content: 'YWJj',
    });
  });

  it('describes only the viewed bytes of a subarray, not its whole underlying buffer', () => {
    const whole = new Uint8Array([0xff, 0x61, 0x62, 0x63, 0xff]);
    const attachment = attachmentFromBytes('abc.txt', 'text/plain', whole.subarray(1, 4));
    assert.equal(attachment.size, 3);
    assert.equal(attachment.content, 'YWJj');
    assert.equal(attachment.sha256, createHash('sha256').update('abc').digest('hex'));
  });

  it('produces an attachment the builder accepts', () => {
    const envelope = sampleEnvelope('answer');
    envelope.body.answer.attachments = [
      attachmentFromBytes(
        'лист-відповідь.pdf',
        'application/pdf',
        Buffer.from('%PDF-1.7\n%âãÏÓ\n', 'latin1'),
      ),
    ];
    envelopeXsd().validate(buildEnvelope(envelope));
  });
});
