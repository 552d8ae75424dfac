import { createHash } from 'node:crypto';

/**
 * A UUID (version 8 layout: custom, RFC 9562) derived from `seed` by SHA-256: the same seed always gives the
 * same id. The hub uses it where a message must get the same MessageId however often it is made (a native
 * document converted again after a crash, a redirect's forward), so that storing it twice is a repeat, not a
 * second message.
 */
export function derivedUuid(seed: string): string {
  const hex = createHash('sha256').update(seed).digest('hex');
  const variant = ((parseInt(hex[16] ?? '0', 16) & 0x3) | 0x8).toString(16);
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-8${hex.slice(13, 16)}-${variant}${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
}
