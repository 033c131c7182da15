import type { NotificationsConfig } from '../config/index.js';
import type { Logger } from '../logging/index.js';
import { createEmailNotifier } from './email-notifier.js';
import type { Notifier } from './notification.js';
import { createRoutedNotifier, type NotificationRoute } from './routed-notifier.js';
import { createSlackNotifier } from './slack-notifier.js';

/** The service's one notifier and how to release its connections. */
export interface ConfiguredNotifier {
  readonly notifier: Notifier;
  close(): void;
}

/**
 * Builds the notifier every feature sends through: the catch-all Slack-compatible URL (`FEATGATE_NOTIFY_URL`), if
 * set, receives everything; each configured target receives the roles and kinds it names, by Slack webhook or SMTP
 * e-mail. Undefined when nothing is configured.
 */
export function notifierFromConfig(input: {
  notifyUrl?: string | undefined;
  notifications: NotificationsConfig;
  logger: Logger;
}): ConfiguredNotifier | undefined {
  const routes: NotificationRoute[] = [];
  const closers: (() => void)[] = [];
  if (input.notifyUrl)
    routes.push({ notifier: createSlackNotifier({ webhookUrl: input.notifyUrl, logger: input.logger }) });
  for (const target of input.notifications.targets) {
    const filter = {
      ...(target.roles ? { roles: target.roles } : {}),
      ...(target.kinds ? { kinds: target.kinds } : {}),
    };
    if (target.slack)
      routes.push({ notifier: createSlackNotifier({ webhookUrl: target.slack, logger: input.logger }), ...filter });
    if (target.email && input.notifications.smtp) {
      const email = createEmailNotifier({ smtp: input.notifications.smtp, to: target.email, logger: input.logger });
      closers.push(() => email.close());
      routes.push({ notifier: email, ...filter });
    }
  }
  if (routes.length === 0) return undefined;
  return { notifier: createRoutedNotifier(routes), close: () => closers.forEach((close) => close()) };
}
