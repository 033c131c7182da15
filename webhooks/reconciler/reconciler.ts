import type { Logger } from '../../src/logging/index.js';
import { silentLogger } from '../../src/logging/index.js';
import { flagJob, TriggerSource } from '../queue/reconcile-job.js';
import type { TriggerSink } from '../receiver/webhook-router.js';

/** One governed flag the reconciler checks. */
export interface ReconcileTarget {
  readonly envId: string;
  readonly flagKey: string;
}

/** Lists every governed flag in every governed environment, read fresh on each round. */
export type ReconcileTargetLister = () => Promise<readonly ReconcileTarget[]>;

/** Options of the periodic reconciler. */
export interface ReconcilerOptions {
  readonly queue: TriggerSink;
  readonly listTargets: ReconcileTargetLister;
  /** Time between rounds; default 60 s. */
  readonly intervalMs?: number;
  readonly logger?: Logger;
}

/** A running reconciler. */
export interface Reconciler {
  /** Runs one round now: queues a job for every governed flag and resolves with how many were queued. */
  runOnce(): Promise<number>;
  /** Stops the schedule and waits for a round in progress. */
  stop(): Promise<void>;
}

/** One round: queues a job for every governed flag (coalesced by the queue) and resolves with how many. */
export async function reconcilerRound(
  queue: TriggerSink,
  listTargets: ReconcileTargetLister,
  logger: Logger,
): Promise<number> {
  const targets = await listTargets();
  for (const target of targets) await queue.enqueue(flagJob(target.envId, target.flagKey, TriggerSource.Reconciler));
  logger.debug({ flags: targets.length }, 'reconciler round queued');
  return targets.length;
}

/** Default time between reconciler rounds. */
export const DEFAULT_RECONCILE_INTERVAL_MS = 60_000;

/**
 * Catches what FeatBit sends no webhook for (rule reorders, expt-only fields, dispatch key set to null, segment
 * edits, lost deliveries): at start and then every `intervalMs` it queues a job for every governed flag. Jobs go
 * through the normal coalescing queue, so a round costs one job per flag at most, and the worker acts exactly as
 * for a webhook (ARCHITECTURE.md invariant 3). A failed round is logged and the next one runs on schedule.
 */
export function startReconciler(options: ReconcilerOptions): Reconciler {
  const logger = options.logger ?? silentLogger;
  const intervalMs = options.intervalMs ?? DEFAULT_RECONCILE_INTERVAL_MS;
  let stopped = false;
  let current: Promise<number> | undefined;
  let timer: NodeJS.Timeout | undefined;

  const round = () => reconcilerRound(options.queue, options.listTargets, logger);

  const runOnce = (): Promise<number> => {
    current ??= round().finally(() => (current = undefined));
    return current;
  };

  const schedule = (): void => {
    if (stopped) return;
    timer = setTimeout(() => {
      runOnce()
        .catch((error: unknown) => logger.error({ err: (error as Error).message }, 'reconciler round failed'))
        .finally(schedule);
    }, intervalMs);
    timer.unref();
  };

  runOnce()
    .catch((error: unknown) => logger.error({ err: (error as Error).message }, 'reconciler round failed'))
    .finally(schedule);

  return {
    runOnce,
    async stop() {
      stopped = true;
      if (timer) clearTimeout(timer);
      await current?.catch(() => undefined);
    },
  };
}
