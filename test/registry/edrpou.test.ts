import assert from 'node:assert/strict';
import fc from 'fast-check';
import { edrpouCheckDigit, isValidEdrpou } from '../../gateway/registry/edrpou.js';

describe('ЄДРПОУ check digit', () => {
  it('accepts real codes of public bodies', () => {
    // Codes of central executive bodies, as published in the ЄДРПОУ register.
    for (const code of ['00015622', '00012925', '00013480', '00032106']) {
      assert.ok(isValidEdrpou(code), code);
    }
  });

  it('refuses a code with a wrong check digit, the wrong length or non-digits', () => {
    for (const code of ['00015623', '0001562', '000156222', '0001562a', '', ' 00015622']) {
      assert.equal(isValidEdrpou(code), false, code);
    }
  });

  it('uses the second weight set between 30000000 and 60000000', () => {
    // 3000000x: weights 7,1,2,3,4,5,6 → 3*7 = 21 → 21 mod 11 = 10 → +2 weights: 3*9 = 27 mod 11 = 5.
    assert.equal(edrpouCheckDigit('3000000'), 5);
    assert.ok(isValidEdrpou('30000005'));
    // Below 30000000 the first weight set applies: 2999999x.
    assert.equal(edrpouCheckDigit('2999999'), (2 * 1 + 9 * 2 + 9 * 3 + 9 * 4 + 9 * 5 + 9 * 6 + 9 * 7) % 11);
  });

  it('maps a second remainder of 10 to 0', () => {
    // Search the space for a prefix whose both sums are 10 and check the rule on it.
    let found: string | undefined;
    for (let n = 0; n < 10_000_000 && found === undefined; n += 7) {
      const prefix = String(n).padStart(7, '0');
      const value = Number(prefix) * 10;
      const weights =
        value < 30_000_000 || value > 60_000_000 ? [1, 2, 3, 4, 5, 6, 7] : [7, 1, 2, 3, 4, 5, 6];
      const sum = (extra: number): number =>
        weights.reduce((t, w, i) => t + (w + extra) * Number(prefix[i]), 0) % 11;
      if (sum(0) === 10 && sum(2) === 10) found = prefix;
    }
    assert.ok(found !== undefined);
    assert.equal(edrpouCheckDigit(found), 0);
  });

  it('has exactly one valid check digit for every prefix', () => {
    fc.assert(
      fc.property(fc.stringMatching(/^\d{7}$/), (prefix) => {
        const valid = [...'0123456789'].filter((digit) => isValidEdrpou(prefix + digit));
        return valid.length === 1 && valid[0] === String(edrpouCheckDigit(prefix));
      }),
    );
  });
});
