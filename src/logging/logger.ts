import { pino, type Logger } from 'pino';

export type { Logger } from 'pino';

/** Field names whose values never reach a log line, wherever they sit in the logged object. */
const SECRET_FIELDS = [
  'authorization',
  'password',
  'secret',
  'token',
  'apiKey',
  'accessToken',
  'signingKey',
  'webhookSecret',
  'privateKey',
];

/** Creates the process logger: JSON lines on stdout, secrets censored, level from LOG_LEVEL. */
export function createLogger(name: string, level = process.env.LOG_LEVEL ?? 'info'): Logger {
  const paths = SECRET_FIELDS.flatMap((field) => [field, `*.${field}`, `*.*.${field}`, `headers["${field}"]`]);
  return pino({ name, level, redact: { paths, censor: '[redacted]' } });
}

/** A logger that writes nothing, for libraries used without one. */
export const silentLogger: Logger = pino({ level: 'silent' });
