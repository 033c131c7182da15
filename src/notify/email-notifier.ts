import { createTransport, type Transporter } from 'nodemailer';
import type { Logger } from '../logging/index.js';
import { silentLogger } from '../logging/index.js';
import type { Notification, Notifier } from './notification.js';

/** An SMTP server to send notification e-mails through. */
export interface SmtpSettings {
  readonly host: string;
  readonly port: number;
  /** TLS from the first byte (port 465); otherwise STARTTLS when the server offers it. */
  readonly secure: boolean;
  readonly from: string;
  /** Login, when the server wants one (optional in the service config's schema, so maybe present as undefined). */
  readonly user?: string | undefined;
  /** Held in memory only; never logged. */
  readonly password?: string | undefined;
}

/** Options of the e-mail notifier. */
export interface EmailNotifierOptions {
  readonly smtp: SmtpSettings;
  readonly to: readonly string[];
  readonly logger?: Logger;
}

/**
 * Sends each notification as a plain-text e-mail (subject: the kind and what it is about) to fixed recipients through
 * SMTP. A message that cannot be sent is logged (kind and subject only) and dropped: the ledger keeps the fact.
 */
export function createEmailNotifier(options: EmailNotifierOptions): Notifier & { close(): void } {
  const logger = options.logger ?? silentLogger;
  const { smtp } = options;
  const transport: Transporter = createTransport({
    host: smtp.host,
    port: smtp.port,
    secure: smtp.secure,
    ...(smtp.user ? { auth: { user: smtp.user, pass: smtp.password ?? '' } } : {}),
    connectionTimeout: 5_000,
    greetingTimeout: 5_000,
    socketTimeout: 10_000,
  });
  return {
    async notify(notification: Notification) {
      try {
        await transport.sendMail({
          from: smtp.from,
          to: [...options.to],
          subject: `[featgate] ${notification.kind}: ${notification.subject}`,
          text: `${notification.text}\n${notification.seq === undefined ? '' : `\nLedger entry ${notification.seq}.\n`}`,
        });
      } catch (error) {
        logger.error(
          { kind: notification.kind, subject: notification.subject, err: (error as Error).message },
          'notification e-mail could not be sent',
        );
      }
    },
    close: () => transport.close(),
  };
}
