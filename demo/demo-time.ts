import { kyivDate } from '../gateway/registry/registry.js';

/** An instant as xs:dateTime with its zone, to the second (what every format here accepts). */
export function isoSeconds(at: Date): string {
  return at.toISOString().replace(/\.\d{3}Z$/, 'Z');
}

/** The civil date in Kyiv (xs:date): registration dates, deadlines. */
export function kyivDay(at: Date): string {
  return kyivDate(at);
}

export const DAY_MS = 86_400_000;

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
