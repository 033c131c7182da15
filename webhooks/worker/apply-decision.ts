import { flagSchema } from '../../src/featbit/model/index.js';
import type { ReconcileJob } from '../queue/reconcile-job.js';
import { acceptEdit } from './apply-accept.js';
import { revertEdit } from './apply-revert.js';
import { convergeUnapproved, switchOffUnreadable } from './apply-unapproved.js';
import { restoreWholesale } from './apply-wholesale.js';
import { FlagDecisionKind, type FlagDecision } from './decide-flag.js';
import { ReconcileOutcome, type FlagResult, type WorkerContext } from './worker-context.js';

/**
 * The "apply" step of a flag job: carries out a decision (FeatBit writes, ledger entries, the proposal) and says what
 * was done. Reads here only serve the writes (the editor's name, the permission probe, the re-read after a revert).
 */
export async function applyDecision(
  context: WorkerContext,
  job: ReconcileJob,
  decision: FlagDecision,
): Promise<FlagResult> {
  switch (decision.kind) {
    case FlagDecisionKind.Missing:
      return { outcome: ReconcileOutcome.Missing };
    case FlagDecisionKind.Ungoverned:
      return { outcome: ReconcileOutcome.Ungoverned };
    case FlagDecisionKind.Equal:
      return { outcome: ReconcileOutcome.Equal };
    case FlagDecisionKind.Unapproved:
      return { outcome: ReconcileOutcome.Unapproved };
    case FlagDecisionKind.Converge:
      return convergeUnapproved(context, job, decision);
    case FlagDecisionKind.SwitchOffUnreadable:
      return switchOffUnreadable(context, job, decision);
    case FlagDecisionKind.RestoreWholesale:
      return restoreWholesale(context, job, decision.approved, decision.raw, decision.issues, decision.enforce);
    case FlagDecisionKind.Revert: {
      const operator = await context.operatorOf(job.envId, decision.live, job);
      return revertEdit(
        context,
        job,
        decision.approved,
        decision.live,
        decision.liveSegments,
        decision.verdict,
        operator,
        decision.enforce,
        decision.unreadableSegmentIds,
      );
    }
    case FlagDecisionKind.Accept: {
      const operator = await context.operatorOf(job.envId, decision.live, job);
      await acceptEdit(
        context,
        job,
        decision.approved,
        flagSchema.parse(decision.liveFlag),
        decision.liveSegments,
        decision.verdict,
        operator,
      );
      context.logger.info(
        { envId: job.envId, flagKey: decision.live.key, operator, verdict: decision.verdict.kind },
        'accepted edit',
      );
      return { outcome: ReconcileOutcome.Accepted };
    }
  }
}
