import type { Logger } from '../logging/index.js';
import { silentLogger } from '../logging/index.js';
import type { DelayedJobHandler, DelayedJobQueue, ScheduledJob } from './delayed-job-queue.js';
import { retryDelayMs, type JobRetryPolicy } from './job-retry-policy.js';

/** Longest delay one Node timer can wait (about 24.8 days); longer delays are chained. */
const MAX_TIMER_MS = 2_147_483_647;

/** Options of the in-process delayed queue. */
export interface TimerDelayedQueueOptions {
  readonly retry: JobRetryPolicy;
  readonly logger?: Logger;
  /** Clock in epoch ms (tests). */
  readonly now?: () => number;
}

/** The embedded mode's delayed queue: one timer per waiting job, in this process. */
export function createTimerDelayedQueue<J extends ScheduledJob>(options: TimerDelayedQueueOptions): DelayedJobQueue<J> {
  const { retry } = options;
  const logger = options.logger ?? silentLogger;
  const now = options.now ?? Date.now;
  const timers = new Map<string, NodeJS.Timeout>();
  const pending = new Map<string, J>();
  const running = new Set<Promise<void>>();
  let handler: DelayedJobHandler<J> | undefined;
  let closed = false;

  const arm = (job: J, atMs: number, attempt: number): void => {
    if (closed) return;
    const wait = Math.max(0, atMs - now());
    const timer = setTimeout(
      () => {
        if (wait > MAX_TIMER_MS) return arm(job, atMs, attempt);
        if (!handler) return arm(job, now() + 50, attempt);
        const run = execute(job, attempt).finally(() => running.delete(run));
        running.add(run);
      },
      Math.min(wait, MAX_TIMER_MS),
    );
    timer.unref();
    timers.set(job.id, timer);
  };

  const execute = async (job: J, attempt: number): Promise<void> => {
    try {
      await handler!(job);
      finish(job.id);
    } catch (error) {
      if (attempt < retry.attempts && !closed) {
        logger.warn({ jobId: job.id, attempt, err: (error as Error).message }, 'delayed job failed, retrying');
        arm(job, now() + retryDelayMs(retry, attempt), attempt + 1);
      } else {
        logger.error(
          { jobId: job.id, attempts: attempt, err: (error as Error).message },
          'delayed job failed for good',
        );
        finish(job.id);
      }
    }
  };

  const finish = (id: string): void => {
    timers.delete(id);
    pending.delete(id);
  };

  return {
    async schedule(job) {
      if (closed || pending.has(job.id)) return false;
      pending.set(job.id, job);
      arm(job, Date.parse(job.runAt), 1);
      return true;
    },
    async start(run) {
      if (handler) throw new Error('the delayed queue already has a handler');
      handler = run;
    },
    async pendingIds() {
      return [...pending.keys()];
    },
    async close() {
      closed = true;
      for (const timer of timers.values()) clearTimeout(timer);
      timers.clear();
      await Promise.allSettled([...running]);
    },
  };
}
