import { referencedSegmentIds } from '../../src/featbit/diff/index.js';
import { flagSubject } from '../../src/ledger-events/index.js';
import { UNLOSABLE_LEASE, type LockLease } from '../../src/locks/index.js';
import { leaseGuardedFeatBit } from './lease-guarded-featbit.js';
import { FlagProblemKind } from './bridge-health.js';
import type { ReconcileJobHandler } from '../queue/reconcile-queue.js';
import { flagJob, JobTargetKind, TriggerSource, type ReconcileJob } from '../queue/reconcile-job.js';
import { applyDecision } from './apply-decision.js';
import { decideFlag } from './decide-flag.js';
import { observeFlag } from './observe-flag.js';
import { RevertBlockedError, RevertNotRestoredError, StaleEditError } from './revert-plan.js';
import type { ReconcileOutcome } from './worker-context.js';
import { workerContext, type FlagResult, type ReconcileWorkerDeps } from './worker-context.js';

export { ReconcileOutcome, type ReconcileWorkerDeps } from './worker-context.js';

/** Judgements of one job before a flag that keeps changing under its revert is left to the job's retry. */
const MAX_JUDGEMENTS = 5;

/**
 * Builds the job handler of the webhook bridge, a reconciler in three steps (ARCHITECTURE.md, "The bridge"): under the
 * flag's lock, `observeFlag` reads FeatBit and the approved state, `decideFlag` decides without I/O, `applyDecision`
 * writes and records. An edit that lands while its revert is prepared (the judged revision moved) is observed and
 * decided again. A segment job fans out to flag jobs for every governed flag whose approved configuration
 * references the segment. A blocked or failed revert is raised in the bridge's health; a job that succeeds clears it.
 */
export function createReconcileHandler(
  deps: ReconcileWorkerDeps,
): ReconcileJobHandler & { reconcileFlag(job: ReconcileJob): Promise<ReconcileOutcome> } {
  const { logger } = workerContext(deps);

  const reconcileOnce = async (job: ReconcileJob, flagKey: string, lease: LockLease): Promise<FlagResult> => {
    // Every FeatBit write of this job first checks that the flag's lock is still this worker's.
    const context = workerContext({ ...deps, featbit: leaseGuardedFeatBit(deps.featbit, lease) });
    const observation = await observeFlag(context, job.envId, flagKey);
    const decision = decideFlag(observation, deps.policy());
    // Every governed flag's permissions are probed (in the background, at most once per TTL), so readiness names what
    // is missing before a revert needs it; a revert itself waits for the probe (ARCHITECTURE.md, "FeatBit permissions").
    if (observation.approved && observation.shape?.parsed)
      deps.permissions?.refreshSoon(job.envId, observation.shape.live);
    return applyDecision(context, job, decision);
  };

  const rejudgeWhileStale = async (job: ReconcileJob, flagKey: string, lease: LockLease): Promise<FlagResult> => {
    for (let judgement = 1; ; judgement += 1) {
      try {
        return await reconcileOnce(job, flagKey, lease);
      } catch (error) {
        if (!(error instanceof StaleEditError) || judgement >= MAX_JUDGEMENTS) throw error;
        logger.info({ envId: job.envId, flagKey, err: error.message }, 'flag edited while its revert was prepared');
      }
    }
  };

  const reconcileFlag = async (job: ReconcileJob): Promise<ReconcileOutcome> => {
    if (job.target.kind !== JobTargetKind.Flag) throw new Error('reconcileFlag needs a flag job');
    const flagKey = job.target.flagKey;
    let result: FlagResult;
    try {
      result = deps.lock
        ? await deps.lock.withLocks([flagSubject(job.envId, flagKey)], (lease) =>
            rejudgeWhileStale(job, flagKey, lease),
          )
        : await rejudgeWhileStale(job, flagKey, UNLOSABLE_LEASE);
    } catch (error) {
      if (error instanceof RevertBlockedError)
        await deps.health?.raise(FlagProblemKind.RevertBlocked, job.envId, flagKey, error.message);
      else if (error instanceof RevertNotRestoredError)
        await deps.health?.raise(FlagProblemKind.RevertFailed, job.envId, flagKey, `${error.differs} differ`);
      throw error;
    }
    deps.health?.clear(job.envId, flagKey, [FlagProblemKind.RevertBlocked, FlagProblemKind.RevertFailed]);
    for (const notification of result.notifications ?? []) await deps.notifier?.notify(notification);
    return result.outcome;
  };

  const fanOutSegment = async (job: ReconcileJob): Promise<void> => {
    if (job.target.kind !== JobTargetKind.Segment) return;
    const segmentId = job.target.segmentId;
    for (const state of await deps.approvedStates.list(job.envId)) {
      const references =
        state.segments.some((segment) => segment.id === segmentId) ||
        referencedSegmentIds(state.flag).includes(segmentId);
      if (references)
        await deps.queue.enqueue(
          flagJob(job.envId, state.flagKey, TriggerSource.Segment, job.operator ? { operator: job.operator } : {}),
        );
    }
  };

  const handler = async (job: ReconcileJob): Promise<void> => {
    if (job.target.kind === JobTargetKind.Segment) return fanOutSegment(job);
    const outcome = await reconcileFlag(job);
    logger.debug({ envId: job.envId, flagKey: job.target.flagKey, outcome }, 'reconciled flag');
  };
  return Object.assign(handler, { reconcileFlag });
}
