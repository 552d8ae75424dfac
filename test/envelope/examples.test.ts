import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { isUtf8 } from 'node:buffer';
import { join } from 'node:path';
import { buildEnvelope } from '../../gateway/envelope/envelope-builder.js';
import { MESSAGE_TYPES } from '../../gateway/envelope/envelope-model.js';
import { readEnvelope } from '../../gateway/envelope/envelope-reader.js';
import { canonicalize } from './fixtures/canonicalize.js';
import { envelopeXsd, EXAMPLES_DIRECTORY } from './fixtures/envelope-xsd.js';
import { sampleEnvelope } from './fixtures/sample-envelopes.js';

/** schemas/examples: the human-readable, unsigned example of each message type. */
describe('schemas/examples', () => {
  it('holds exactly one example per message type', () => {
    const files = readdirSync(EXAMPLES_DIRECTORY)
      .filter((name) => name.endsWith('.xml'))
      .sort();
    assert.deepEqual(files, MESSAGE_TYPES.map((type) => `${type}.xml`).sort());
  });

  for (const type of MESSAGE_TYPES) {
    describe(`${type}.xml`, () => {
      const bytes = readFileSync(join(EXAMPLES_DIRECTORY, `${type}.xml`));
      const text = bytes.toString('utf8');

      it('is UTF-8 with an XML declaration, unsigned, indented with two spaces', () => {
        assert.ok(isUtf8(bytes));
        assert.ok(
          text.startsWith('<?xml version="1.0" encoding="UTF-8"?>\n<Envelope xmlns="urn:vkhid:envelope:1">'),
        );
        assert.ok(!text.includes('Signature'));
        assert.match(text, /\n {2}<Header>\n {4}<MessageId>/);
      });

      it('validates against the XSD', () => {
        envelopeXsd().validate(bytes);
      });

      it('reads, after exclusive c14n, into a model that builds back to XML that validates', () => {
        const envelope = readEnvelope(canonicalize(text));
        assert.equal(envelope.header.type, type);
        envelopeXsd().validate(buildEnvelope(envelope));
      });

      it('is the shared test sample of its type (test/envelope/fixtures/sample-envelopes.ts)', () => {
        assert.deepStrictEqual(readEnvelope(canonicalize(text)), sampleEnvelope(type));
      });
    });
  }

  it('the appeal carries one attachment whose Size and Sha256 describe its Content', () => {
    const envelope = readEnvelope(canonicalize(readFileSync(join(EXAMPLES_DIRECTORY, 'appeal.xml'), 'utf8')));
    assert.ok(envelope.body.type === 'appeal');
    assert.ok(envelope.header.tracking !== undefined);
    const attachments = envelope.body.appeal.attachments ?? [];
    assert.equal(attachments.length, 1);
    const [attachment] = attachments;
    assert.ok(attachment);
    const content = Buffer.from(attachment.content, 'base64');
    assert.equal(attachment.size, content.length);
    assert.equal(attachment.sha256, createHash('sha256').update(content).digest('hex'));
  });

  it('the receipt registers the appeal under an agency number', () => {
    const envelope = readEnvelope(
      canonicalize(readFileSync(join(EXAMPLES_DIRECTORY, 'receipt.xml'), 'utf8')),
    );
    assert.ok(envelope.body.type === 'receipt');
    assert.equal(envelope.body.receipt.outcome.kind, 'registered');
    assert.equal(envelope.body.receipt.messageRef, sampleEnvelope('appeal').header.messageId);
  });

  it('the status redirects the appeal as not within competence', () => {
    const envelope = readEnvelope(canonicalize(readFileSync(join(EXAMPLES_DIRECTORY, 'status.xml'), 'utf8')));
    assert.ok(envelope.body.type === 'status');
    assert.ok(envelope.body.status.outcome.kind === 'redirected');
    assert.equal(envelope.body.status.outcome.reasonCode, 'not-within-competence');
  });
});
