import { recordApprovedState } from '../../src/approved-state/index.js';
import type { ApprovedFlagState } from '../../src/approved-state/model/index.js';
import type { FeatBitFlag, FeatBitSegment } from '../../src/featbit/model/index.js';
import { ActorKind, type Actor } from '../../src/ledger/ledger-entry.js';
import { LedgerEventType } from '../../src/ledger/ledger-event-type.js';
import { flagSubject } from '../../src/ledger-events/index.js';
import type { ReconcileJob } from '../queue/reconcile-job.js';
import type { EditVerdict } from './edit-verdict.js';
import { mergeSegments, type WorkerContext } from './worker-context.js';

/**
 * Records an authorized edit (ARCHITECTURE.md invariant 2): `featbit.edit-accepted` by the operator, then the
 * approved state follows FeatBit (`approved-state.set` by featgate). Writes nothing to FeatBit.
 */
export async function acceptEdit(
  context: WorkerContext,
  job: ReconcileJob,
  approved: ApprovedFlagState,
  live: FeatBitFlag,
  liveSegments: readonly FeatBitSegment[],
  verdict: EditVerdict,
  operator: string,
): Promise<void> {
  const subject = flagSubject(job.envId, approved.flagKey);
  const actor: Actor = { id: operator, kind: ActorKind.FeatBitOperator };
  await context.append(LedgerEventType.EditAccepted, actor, subject, {
    envId: job.envId,
    flagKey: approved.flagKey,
    operator,
    source: job.source,
    verdict: verdict.kind,
    changes: [...verdict.changes],
    exposure: { ...verdict.exposure },
  });
  const state = {
    ...approved,
    flag: live,
    segments: mergeSegments(approved.segments, liveSegments),
    approvedAt: context.now().toISOString(),
    approvedBy: operator,
  };
  await recordApprovedState(context.deps.ledger, {
    type: LedgerEventType.ApprovedStateSet,
    actor: context.serviceActor,
    state,
    at: context.now().toISOString(),
  });
}
