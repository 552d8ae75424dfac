import { createHash, createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { chmodSync, linkSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { VkhidError } from '../errors/vkhid-error.js';
import type { HubHome } from '../hub/hub-home.js';

/**
 * The 32 characters of an access code: digits and Latin capitals without 0/O and 1/I, which a citizen
 * reading a code aloud or off a printout confuses.
 */
export const ACCESS_CODE_ALPHABET = '23456789ABCDEFGHJKLMNPQRSTUVWXYZ';
export const ACCESS_CODE_LENGTH = 10;
/** The hub secret the codes are derived from: `<data>/pki/tracking.key`, 32 random bytes, mode 0600. */
export const TRACKING_KEY_FILE = 'tracking.key';
const KEY_BYTES = 32;

/**
 * The citizen's access code to an appeal's status: derived from the tracking number with the hub secret
 * (HMAC-SHA256, the first 50 bits written as 10 characters of 5 bits), never stored, so a copy of the
 * database gives no codes. The contact center reads it out at registration (`vkhid track code TRACKING`).
 */
export class AccessCodes {
  constructor(private readonly key: Buffer) {
    if (key.length !== KEY_BYTES) {
      throw new VkhidError('TRACK_KEY_INVALID', { args: [`${key.length} bytes, expected ${KEY_BYTES}`] });
    }
  }

  /** The codes of the hub in `home`, creating its secret on first use. */
  static forHome(home: HubHome): AccessCodes {
    return new AccessCodes(trackingKey(home));
  }

  codeFor(tracking: string): string {
    const digest = createHmac('sha256', this.key).update(tracking, 'utf8').digest();
    let code = '';
    for (let i = 0; i < ACCESS_CODE_LENGTH; i += 1) {
      const bit = i * 5;
      // Two bytes always cover the 5 bits at `bit` (bit % 8 <= 7, 7 + 5 <= 16).
      const pair = ((digest[bit >> 3] ?? 0) << 8) | (digest[(bit >> 3) + 1] ?? 0);
      code += ACCESS_CODE_ALPHABET[(pair >> (11 - (bit & 7))) & 31];
    }
    return code;
  }

  /**
   * Whether `given` is the code of `tracking`, as typed by a person: case, spaces and dashes do not matter.
   * Compared in constant time over fixed-length digests, so neither the time nor the length of a wrong
   * guess tells how much of it was right.
   */
  matches(tracking: string, given: string): boolean {
    const expected = createHash('sha256').update(this.codeFor(tracking)).digest();
    const actual = createHash('sha256').update(normaliseAccessCode(given)).digest();
    return timingSafeEqual(expected, actual);
  }
}

/** A code as typed, in the form the hub issues it: upper case, without spaces or dashes. */
export function normaliseAccessCode(given: string): string {
  return given.replace(/[\s-]+/g, '').toUpperCase();
}

/**
 * Reads the hub's tracking secret, creating it if absent. Never overwritten: the server and a
 * `vkhid track code` running at the same moment cannot end up with two different secrets (which would make
 * the codes given to citizens fail); the one that loses the race reads the winner's file.
 */
/**
 * The hub's tracking secret (`<data>/pki/tracking.key`, 32 random bytes, created on first use): the key of the
 * citizens' access codes and, under its own label, of the reports' repeat-appeal keys.
 */
export function trackingKey(home: HubHome): Buffer {
  const file = join(home.pkiDirectory, TRACKING_KEY_FILE);
  mkdirSync(home.pkiDirectory, { recursive: true, mode: 0o700 });
  // Written aside and linked into place: link() fails if the file exists, and the file never exists half
  // written, so a reader racing the creator sees either no key or the whole key.
  const draft = `${file}.${process.pid}.${randomBytes(6).toString('hex')}`;
  try {
    writeFileSync(draft, randomBytes(KEY_BYTES), { mode: 0o600, flag: 'wx' });
    // The process umask may have narrowed the mode further but never widens it; set it exactly.
    chmodSync(draft, 0o600);
    linkSync(draft, file);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') {
      throw new VkhidError('TRACK_KEY_INVALID', { args: [`cannot create ${file}`], cause: error });
    }
  } finally {
    rmSync(draft, { force: true });
  }
  try {
    return readFileSync(file);
  } catch (error) {
    throw new VkhidError('TRACK_KEY_INVALID', { args: [`cannot read ${file}`], cause: error });
  }
}
