import { setTimeout as sleep } from 'node:timers/promises';
import type { Logger } from '../logging/index.js';
import { silentLogger } from '../logging/index.js';
import type { Notification, Notifier } from './notification.js';

/** Options of the Slack-compatible notifier. */
export interface SlackNotifierOptions {
  /** Incoming-webhook URL (Slack, Mattermost, Rocket.Chat, ...): it embeds a secret, so it is never logged. */
  readonly webhookUrl: string;
  readonly attempts?: number;
  readonly timeoutMs?: number;
  readonly retryDelayMs?: number;
  readonly logger?: Logger;
}

/**
 * Posts `{"text": ...}` to a Slack-compatible incoming webhook. Retries a few times on network errors and 5xx;
 * a message that still cannot be sent is logged (without the URL) and dropped, because the ledger keeps the fact.
 */
export function createSlackNotifier(options: SlackNotifierOptions): Notifier {
  const attempts = options.attempts ?? 3;
  const logger = options.logger ?? silentLogger;
  return {
    async notify(notification: Notification) {
      const body = JSON.stringify({ text: notification.text });
      for (let attempt = 1; attempt <= attempts; attempt += 1) {
        try {
          const response = await fetch(options.webhookUrl, {
            method: 'POST',
            headers: { 'content-type': 'application/json' },
            body,
            signal: AbortSignal.timeout(options.timeoutMs ?? 5000),
          });
          if (response.ok) return;
          if (response.status < 500 && response.status !== 429) {
            logger.warn({ status: response.status, kind: notification.kind }, 'notification refused');
            return;
          }
        } catch (error) {
          logger.warn({ attempt, kind: notification.kind, err: (error as Error).name }, 'notification failed');
        }
        if (attempt < attempts) await sleep((options.retryDelayMs ?? 500) * attempt);
      }
      logger.error({ kind: notification.kind, subject: notification.subject }, 'notification could not be delivered');
    },
  };
}
