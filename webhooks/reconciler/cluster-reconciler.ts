import { Queue, Worker, type Job } from 'bullmq';
import { connectionErrorLog, silentLogger } from '../../src/logging/index.js';
import { bullmqConnection } from '../../src/jobs/index.js';
import { BULLMQ_RUN_RETRY_DELAY_MS } from '../../src/redis/index.js';
import {
  DEFAULT_RECONCILE_INTERVAL_MS,
  reconcilerRound,
  type Reconciler,
  type ReconcilerOptions,
} from './reconciler.js';

/** The job scheduler every process upserts: one id, so the cluster has one schedule. */
export const RECONCILER_SCHEDULER_ID = 'featgate-reconciler';

/** Options of the cluster-wide reconciler (Redis mode). */
export interface ClusterReconcilerOptions extends ReconcilerOptions {
  readonly redisUrl: string;
  /** Key prefix, as the reconcile queue's (`<prefix>bull:reconcile-rounds:…`). */
  readonly prefix: string;
  readonly queueName?: string;
  /** Called with the scheduled time of each round this process ran (tests count rounds across processes). */
  readonly onScheduledRound?: (scheduledAt: number) => void;
}

/**
 * The reconciler of the Redis mode: one per cluster, not one per process (ARCHITECTURE.md, "The bridge"). Every process
 * upserts the same BullMQ job scheduler (`upsertJobScheduler`, every `intervalMs`) and runs a worker for it; BullMQ
 * hands each scheduled round to exactly one worker, so N processes cost one round per interval, and the round survives
 * any single process. A process still runs one round of its own when it starts (its view of FeatBit is new), and
 * `runOnce` stays local. Changing the interval in one process's configuration moves the shared schedule.
 */
export async function startClusterReconciler(options: ClusterReconcilerOptions): Promise<Reconciler> {
  const logger = options.logger ?? silentLogger;
  const intervalMs = options.intervalMs ?? DEFAULT_RECONCILE_INTERVAL_MS;
  const queueName = options.queueName ?? 'reconcile-rounds';
  const { connection, prefix } = bullmqConnection(options.redisUrl, options.prefix);
  let current: Promise<number> | undefined;
  const runOnce = (): Promise<number> => {
    current ??= reconcilerRound(options.queue, options.listTargets, logger).finally(() => (current = undefined));
    return current;
  };

  const queue = new Queue(queueName, { connection, prefix });
  queue.on('error', connectionErrorLog(logger, 'reconciler schedule'));
  await queue.upsertJobScheduler(
    RECONCILER_SCHEDULER_ID,
    { every: intervalMs },
    { name: 'round', opts: { removeOnComplete: true, removeOnFail: 100 } },
  );
  const worker = new Worker(
    queueName,
    async (job: Job) => {
      // A scheduler's job id ends with the time of its slot (`repeat:<scheduler>:<millis>`).
      const slot = Number(job.id?.split(':').pop());
      options.onScheduledRound?.(Number.isFinite(slot) ? slot : job.timestamp);
      await runOnce();
    },
    { connection, prefix, concurrency: 1, runRetryDelay: BULLMQ_RUN_RETRY_DELAY_MS },
  );
  worker.on('failed', (_job, error) => logger.error({ err: error.message }, 'reconciler round failed'));
  worker.on('error', connectionErrorLog(logger, 'reconciler worker'));
  await worker.waitUntilReady();
  void runOnce().catch((error: unknown) => logger.error({ err: (error as Error).message }, 'reconciler round failed'));

  return {
    runOnce,
    async stop() {
      await worker.close();
      await queue.close();
      await current?.catch(() => undefined);
    },
  };
}
