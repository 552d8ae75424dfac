import assert from 'node:assert/strict';
import {
  decodePem,
  derSequence,
  encodePem,
  readSingle,
  readTlv,
  unsignedIntegerOctets,
} from '../../gateway/pki/der.js';

const LABELS = ['CERTIFICATE REQUEST'];

describe('DER and PEM helpers', () => {
  const der = derSequence([Buffer.from('0201 05'.replace(/ /g, ''), 'hex'), Buffer.alloc(200, 0x04)]);
  const pem = encodePem(der, 'CERTIFICATE REQUEST');

  it('round-trips PEM in 64-character lines and reads long-form lengths', () => {
    assert.ok(
      pem
        .split('\n')
        .slice(1, -2)
        .every((line) => line.length <= 64),
    );
    assert.deepEqual(decodePem(pem, LABELS), der);
    assert.deepEqual(decodePem(`\r\n  ${pem.replace(/\n/g, '\r\n')}  \n`, LABELS), der);
    const top = readSingle(der);
    assert.equal(top.tag, 0x30);
    assert.equal(top.end, der.length);
    assert.equal(der[1], 0x81);
  });

  it('refuses PEM that is not exactly one block of base64 with an expected label', () => {
    const body = pem.split('\n').slice(1, -2).join('\n');
    for (const text of [
      '',
      `${pem}${pem}`,
      `text before\n${pem}`,
      pem.replace(/BEGIN CERTIFICATE REQUEST/, 'BEGIN CERTIFICATE'),
      pem.replace(/END CERTIFICATE REQUEST/, 'END X509 CRL'),
      `-----BEGIN CERTIFICATE REQUEST-----\n${body.replace(/^./, '*')}\n-----END CERTIFICATE REQUEST-----\n`,
      `-----BEGIN CERTIFICATE REQUEST-----\n${body}=\n-----END CERTIFICATE REQUEST-----\n`,
    ]) {
      assert.throws(() => decodePem(text, LABELS), RangeError, JSON.stringify(text.slice(0, 40)));
    }
  });

  it('refuses what is not one definite-length DER element', () => {
    for (const hex of ['', '30', '3080', '3003020105ff', '300302010', '308100', '3f0100', '30850000000001']) {
      assert.throws(() => readSingle(Buffer.from(hex, 'hex')), RangeError, hex);
    }
    assert.throws(() => readTlv(Buffer.from('3005020105', 'hex')), RangeError);
  });

  it('encodes non-negative integers minimally, with a leading zero octet when the high bit is set', () => {
    assert.equal(unsignedIntegerOctets(0n).toString('hex'), '00');
    assert.equal(unsignedIntegerOctets(42n).toString('hex'), '2a');
    assert.equal(unsignedIntegerOctets(128n).toString('hex'), '0080');
    assert.equal(unsignedIntegerOctets(0x1234n).toString('hex'), '1234');
    assert.throws(() => unsignedIntegerOctets(-1n), RangeError);
  });
});
