import { pino, type Logger } from 'pino';
import { build as prettyStream } from 'pino-pretty';

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
  'serverSecrets',
  'privateKey',
];

/** How log lines are written: JSON lines for collectors, or readable coloured lines for a person at a terminal. */
export enum LogFormat {
  Json = 'json',
  Pretty = 'pretty',
}

/** The format for this process: LOG_FORMAT when set, else pretty on a terminal and JSON otherwise. */
export function defaultLogFormat(
  env: NodeJS.ProcessEnv = process.env,
  isTty = process.stdout.isTTY === true,
): LogFormat {
  if (env.LOG_FORMAT === LogFormat.Json || env.LOG_FORMAT === LogFormat.Pretty) return env.LOG_FORMAT;
  return isTty ? LogFormat.Pretty : LogFormat.Json;
}

/** Creates the process logger on stdout, secrets censored, level from LOG_LEVEL, format from `defaultLogFormat`. */
export function createLogger(
  name: string,
  level = process.env.LOG_LEVEL ?? 'info',
  format = defaultLogFormat(),
): Logger {
  const paths = SECRET_FIELDS.flatMap((field) => [field, `*.${field}`, `*.*.${field}`, `headers["${field}"]`]);
  const options = { name, level, redact: { paths, censor: '[redacted]' } };
  if (format === LogFormat.Json) return pino(options);
  return pino(
    options,
    prettyStream({
      colorize: process.stdout.isTTY === true,
      sync: true,
      translateTime: 'SYS:HH:MM:ss.l',
      ignore: 'pid,hostname',
    }),
  );
}

/** A logger that writes nothing, for libraries used without one. */
export const silentLogger: Logger = pino({ level: 'silent' });
