import type { ApprovedFlagState } from '../../src/approved-state/model/index.js';
import { FlagChangeKind } from '../../src/featbit/diff/index.js';
import { flagSchema, type FeatBitSegment, type RestFlag } from '../../src/featbit/model/index.js';
import { FeatBitForbiddenError, PermissionState } from '../../src/featbit/rest-client/index.js';
import { ActorKind, type Actor } from '../../src/ledger/ledger-entry.js';
import { LedgerEventType } from '../../src/ledger/ledger-event-type.js';
import { flagSubject } from '../../src/ledger-events/index.js';
import { NotificationKind, type Notification } from '../../src/notify/index.js';
import type { ReconcileJob } from '../queue/reconcile-job.js';
import { acceptEdit } from './apply-accept.js';
import { editFingerprint } from './edit-fingerprint.js';
import { EditVerdictKind, type EditVerdict } from './edit-verdict.js';
import { segmentsEqual } from './flag-config.js';
import { RevertBlockedError, revertJudgedFlag, RevertRoute } from './revert-plan.js';
import { flagRevertActions, segmentRevertActions } from './revert-permissions.js';
import { ReconcileOutcome, type FlagResult, type WorkerContext } from './worker-context.js';

/**
 * Reverts an unauthorized edit (ARCHITECTURE.md invariants 1, 2, 10): records `featbit.edit-intercepted`, restores
 * the approved segments and flag over exactly the judged revision (the route chosen before the first write from the
 * token's permissions), re-reads FeatBit and only then records `featbit.edit-reverted`; a switch position that moved
 * is recorded as an accepted on/off change; the proposal is opened after the revert, best effort. In observe mode
 * only the interception and the proposal are recorded.
 */
export async function revertEdit(
  context: WorkerContext,
  job: ReconcileJob,
  approved: ApprovedFlagState,
  live: RestFlag,
  liveSegments: readonly FeatBitSegment[],
  verdict: EditVerdict,
  operator: string,
  enforce: boolean,
  unreadableSegmentIds: readonly string[] = [],
): Promise<FlagResult> {
  const subject = flagSubject(job.envId, approved.flagKey);
  const editor: Actor = { id: operator, kind: ActorKind.FeatBitOperator };
  const edited = flagSchema.parse(live);
  const proposal = {
    envId: job.envId,
    flagKey: approved.flagKey,
    surface: approved.surface,
    owner: approved.owner,
    requester: operator,
    approved,
    edited,
    editedSegments: liveSegments,
    changes: verdict.changes,
    widenedVariationIds: verdict.widened,
    fingerprint: editFingerprint(job.envId, approved, edited, liveSegments),
  };
  const changeKey = context.deps.proposals.keyFor(proposal);
  const knownBefore = await context.deps.proposals.exists(changeKey);
  if (knownBefore && !enforce) return { outcome: ReconcileOutcome.Observed };
  const notifications: Notification[] = [];
  const openProposal = async (): Promise<void> => {
    try {
      const { reused } = await context.deps.proposals.openProposal(proposal);
      if (!reused) {
        notifications.push({
          kind: NotificationKind.ProposalOpened,
          subject: `change:${changeKey}`,
          text: `featgate opened proposal ${changeKey} from ${operator}'s edit of ${live.key} (${job.envId}): ${verdict.changes.join(', ')}. Reviewers can approve it.`,
        });
      }
    } catch (error) {
      // Best effort: the approved state is restored already; the next edit or round proposes again.
      context.logger.warn(
        { envId: job.envId, flagKey: live.key, changeKey, err: error instanceof Error ? error.message : String(error) },
        'could not open the proposal of a reverted edit',
      );
    }
  };

  await context.append(LedgerEventType.EditIntercepted, editor, subject, {
    envId: job.envId,
    flagKey: approved.flagKey,
    operator,
    source: job.source,
    ...(job.deliveryId ? { deliveryId: job.deliveryId } : {}),
    verdict: verdict.kind,
    changes: [...verdict.changes],
    exposure: { ...verdict.exposure },
    widened: [...verdict.widened],
    contentChanged: verdict.contentChanged,
    revision: live.revision,
    proposal: changeKey,
  });
  if (!enforce) {
    await openProposal();
    context.logger.info({ envId: job.envId, flagKey: live.key, operator, changeKey }, 'observed unapproved edit');
    return { outcome: ReconcileOutcome.Observed, notifications };
  }
  // Revert first (ARCHITECTURE.md invariant 1), the proposal after: a slow or failing workflow never delays the restore.
  const comment = `featgate: restored approved state (edit by ${operator} needs approval: ${changeKey})`;
  const segmentsToRestore = approved.segments.filter((segment) => {
    const current = liveSegments.find((candidate) => candidate.id === segment.id);
    return (current && !segmentsEqual(current, segment)) || unreadableSegmentIds.includes(segment.id);
  });
  const segmentActions = [
    ...new Set(
      segmentsToRestore.flatMap((segment) =>
        segmentRevertActions(
          unreadableSegmentIds.includes(segment.id)
            ? undefined
            : liveSegments.find((current) => current.id === segment.id),
          segment,
        ),
      ),
    ),
  ];
  const restoredSegments: string[] = [];
  let revision: string;
  let writes: number;
  try {
    const access = await context.revertAccess(
      job.envId,
      live,
      flagRevertActions(edited, { ...approved.flag, isEnabled: edited.isEnabled }),
    );
    // Segments cannot be restored by JSON Patch: a missing segment action blocks the revert before its first write.
    const segmentsMissing = segmentActions.filter(
      (action) => context.deps.permissions?.stateOf(job.envId, live.key, action) === PermissionState.Missing,
    );
    if (segmentsMissing.length > 0 || access.route === RevertRoute.Blocked)
      throw new RevertBlockedError(job.envId, live.key, [...new Set([...segmentsMissing, ...access.missing])]);
    for (const segment of segmentsToRestore) {
      try {
        await context.deps.featbit.updateSegmentTargeting(job.envId, segment.id, {
          included: segment.included,
          excluded: segment.excluded,
          rules: segment.rules,
          comment,
        });
      } catch (error) {
        if (!(error instanceof FeatBitForbiddenError)) throw error;
        access.learn(segmentActions, PermissionState.Missing);
        throw new RevertBlockedError(job.envId, live.key, segmentActions, { cause: error });
      }
      restoredSegments.push(segment.id);
    }
    if (segmentActions.length > 0) access.learn(segmentActions, PermissionState.Granted);
    ({ revision, writes } = await revertJudgedFlag(
      context.deps.featbit,
      job.envId,
      live,
      approved.flag,
      comment,
      access,
    ));
  } catch (error) {
    // A revert that cannot be written still leaves reviewers the edit to look at (the flag's problem is raised too).
    if (error instanceof RevertBlockedError) await openProposal();
    throw error;
  }
  const restored = await context.verifyRestored(
    job.envId,
    approved.flagKey,
    approved.flag,
    approved.segments.filter(
      (segment) =>
        liveSegments.some((current) => current.id === segment.id) || unreadableSegmentIds.includes(segment.id),
    ),
  );
  if (writes === 0 && restoredSegments.length === 0) {
    // FeatBit already held the approved state when the revert looked (someone restored it meanwhile): nothing was
    // restored by featgate, so no `edit.reverted` claims it was; the intercepted edit and its proposal stand.
    context.logger.info(
      { envId: job.envId, flagKey: approved.flagKey, changeKey },
      'FeatBit already held the approved state; nothing to restore',
    );
    await openProposal();
    return { outcome: ReconcileOutcome.Equal, notifications };
  }
  await context.append(LedgerEventType.EditReverted, context.serviceActor, subject, {
    envId: job.envId,
    flagKey: approved.flagKey,
    operator,
    restoredVersion: approved.version,
    ...(approved.changeKey ? { restoredChangeKey: approved.changeKey } : {}),
    revision,
    writes,
    restoredSegments,
    proposal: changeKey,
  });
  if (restored.isEnabled !== approved.flag.isEnabled) {
    // The edit came with a switch-off (or FeatBit's switch moved): the widening is undone, the switch position is kept
    // and recorded as accepted, and it approves nothing it carried (ARCHITECTURE.md invariant 10).
    const onOff = {
      ...verdict,
      kind: EditVerdictKind.OnOff,
      widened: [],
      contentChanged: false,
      changes: [FlagChangeKind.Toggled],
    };
    await acceptEdit(
      context,
      job,
      approved,
      { ...approved.flag, isEnabled: restored.isEnabled },
      approved.segments,
      onOff,
      operator,
    );
  }
  await openProposal();
  notifications.unshift({
    kind: NotificationKind.EditReverted,
    subject,
    text: `featgate reverted an unapproved edit of ${live.key} (${job.envId}) by ${operator}: ${verdict.changes.join(', ')}. Proposal ${changeKey} is open for review.`,
  });
  context.logger.info({ envId: job.envId, flagKey: live.key, operator, changeKey, writes }, 'reverted unapproved edit');
  return { outcome: ReconcileOutcome.Reverted, notifications };
}
