import { pino, type Logger } from 'pino';

/**
 * Structured logs (pino, JSON lines). Appeals carry personal data (Law «Про захист персональних даних»): the
 * paths below are censored wherever they appear in a logged object, so a careless `log.info({ envelope })`
 * cannot leak a citizen's name, contacts or text into log storage.
 */
const PERSONAL_KEYS = [
  'applicant',
  'fullName',
  'phones',
  'emails',
  'address',
  'text',
  'password',
  'token',
  'authorization',
];

/** Each key at the top and up to four levels down (pino's redaction takes explicit paths, not a recursive match). */
export const REDACTED_PATHS = [
  ...PERSONAL_KEYS.flatMap((key) => [0, 1, 2, 3, 4].map((depth) => `${'*.'.repeat(depth)}${key}`)),
  'req.headers.authorization',
];

export function createLogger(options: { level?: string; destination?: NodeJS.WritableStream } = {}): Logger {
  return pino(
    {
      name: 'vkhid',
      level: options.level ?? process.env.VKHID_LOG_LEVEL ?? 'info',
      redact: { paths: REDACTED_PATHS, censor: '[personal data]' },
      base: { service: 'vkhid' },
      timestamp: pino.stdTimeFunctions.isoTime,
    },
    options.destination ?? process.stdout,
  );
}

export type { Logger };
