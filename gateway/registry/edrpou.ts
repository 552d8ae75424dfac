/**
 * ЄДРПОУ (EDRPOU) codes: the eight-digit identifier of a Ukrainian legal entity, the participant code in every
 * envelope header. The eighth digit is a check digit (Державна служба статистики, порядок присвоєння кодів):
 * weights 1..7 for codes below 30000000 or above 60000000, otherwise 7,1..6; when the sum modulo 11 is 10 the
 * weights are increased by 2 and the sum taken again; a second 10 gives 0.
 */
export function isValidEdrpou(code: string): boolean {
  if (!/^\d{8}$/.test(code)) return false;
  return edrpouCheckDigit(code.slice(0, 7)) === Number(code[7]);
}

/** The check digit for the first seven digits of a code. */
export function edrpouCheckDigit(firstSeven: string): number {
  if (!/^\d{7}$/.test(firstSeven)) throw new RangeError('seven digits expected');
  const value = Number(firstSeven) * 10;
  const weights = value < 30_000_000 || value > 60_000_000 ? [1, 2, 3, 4, 5, 6, 7] : [7, 1, 2, 3, 4, 5, 6];
  const sum = (extra: number): number =>
    weights.reduce((total, weight, index) => total + (weight + extra) * Number(firstSeven[index]), 0) % 11;
  const first = sum(0);
  if (first < 10) return first;
  const second = sum(2);
  return second < 10 ? second : 0;
}
