import type { Logger } from '../../src/logging/index.js';
import { silentLogger } from '../../src/logging/index.js';
import type { ReconcileQueue } from './reconcile-queue.js';

/** What the retry promoter watches and how often. */
export interface RetryPromoterOptions {
  readonly queue: ReconcileQueue;
  /** Resolves when FeatBit answers (a cheap read with featgate's token); rejects while it does not. */
  readonly probe: () => Promise<void>;
  /** How often to look, while jobs wait out a backoff. */
  readonly intervalMs?: number;
  readonly logger?: Logger;
}

/** A running promoter. */
export interface RetryPromoter {
  /** One look now: promotes the waiting retries when FeatBit answers; resolves with how many were promoted. */
  checkOnce(): Promise<number>;
  stop(): void;
}

/**
 * Ends retry backoffs as soon as FeatBit answers again: while jobs wait out a backoff (1, 2, 4, … s after a FeatBit
 * outage), it probes FeatBit every `intervalMs` and, once the probe succeeds, runs those jobs at once. Without it
 * an edit made during an outage waited up to its next backoff step after FeatBit was back. Probes only while
 * something waits, so a healthy installation sends no extra request.
 */
export function startRetryPromoter(options: RetryPromoterOptions): RetryPromoter {
  const logger = options.logger ?? silentLogger;
  let running: Promise<number> | undefined;
  const checkOnce = (): Promise<number> => {
    running ??= (async () => {
      if ((await options.queue.counts()).delayed === 0) return 0;
      try {
        await options.probe();
      } catch {
        return 0;
      }
      const promoted = await options.queue.promoteDelayed();
      if (promoted > 0) logger.info({ promoted }, 'FeatBit answers again: retries run now');
      return promoted;
    })().finally(() => (running = undefined));
    return running;
  };
  const timer = setInterval(() => void checkOnce().catch(() => undefined), options.intervalMs ?? 500);
  timer.unref();
  return { checkOnce, stop: () => clearInterval(timer) };
}
