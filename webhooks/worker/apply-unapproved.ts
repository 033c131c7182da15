import type { ApprovedFlagState } from '../../src/approved-state/model/index.js';
import { ActorKind } from '../../src/ledger/ledger-entry.js';
import { LedgerEventType } from '../../src/ledger/ledger-event-type.js';
import { flagSubject } from '../../src/ledger-events/index.js';
import { writeFlagConfiguration } from '../../src/releases/index.js';
import { NotificationKind, type Notification } from '../../src/notify/index.js';
import type { ReconcileJob } from '../queue/reconcile-job.js';
import type { FlagDecision, FlagDecisionKind } from './decide-flag.js';
import { editFingerprint } from './edit-fingerprint.js';
import { EditVerdictKind, judgeEdit } from './edit-verdict.js';
import { findEditor } from './find-editor.js';
import { RevertBlockedError, RevertNotRestoredError } from './revert-plan.js';
import { actionsOfRequest, flagRevertActions, targetingActions } from './revert-permissions.js';
import type { RawFlag } from '../../src/featbit/model/index.js';
import { FeatBitAction, FeatBitForbiddenError, PermissionState } from '../../src/featbit/rest-client/index.js';
import { ReconcileOutcome, type FlagResult, type WorkerContext } from './worker-context.js';

/**
 * A governed flag nobody approved (a new flag matching a governed pattern, say) is never approved by featgate
 * itself (ARCHITECTURE.md invariant 11): no approved state is recorded, so gates deny it; FeatBit is converged to the
 * safe state the decision chose (switched off, serving the baseline, and only the baseline when switched on) and the
 * admin's configuration becomes a proposal. Without the policy's baseline variation the flag is only switched off.
 */
export async function convergeUnapproved(
  context: WorkerContext,
  job: ReconcileJob,
  decision: Extract<FlagDecision, { kind: FlagDecisionKind.Converge }>,
): Promise<FlagResult> {
  const { live, liveFlag: flag, safe, baselineVariationId, resolution, enforce } = decision;
  const segments = decision.liveSegments;
  const subject = flagSubject(job.envId, live.key);
  const operator = await context.operatorOf(job.envId, live, job);
  const placeholder: ApprovedFlagState = {
    envId: job.envId,
    flagKey: live.key,
    flag: safe,
    segments: [],
    baselineVariationId: baselineVariationId ?? flag.disabledVariationId,
    surface: resolution.surface,
    owner: resolution.owner,
    approvedAt: context.now().toISOString(),
    approvedBy: 'nobody',
    version: 0,
  };
  const verdict = judgeEdit({
    approved: safe,
    live: flag,
    baselineVariationId: placeholder.baselineVariationId,
    segmentsBefore: [],
    segmentsAfter: segments,
  });
  await context.append(LedgerEventType.EditIntercepted, { id: operator, kind: ActorKind.FeatBitOperator }, subject, {
    envId: job.envId,
    flagKey: live.key,
    operator,
    source: job.source,
    ...(job.deliveryId ? { deliveryId: job.deliveryId } : {}),
    verdict: EditVerdictKind.NeverApproved,
    changes: [...verdict.changes],
    exposure: { ...verdict.exposure },
    widened: [...verdict.widened],
    contentChanged: verdict.contentChanged,
    revision: live.revision,
    ...(baselineVariationId ? {} : { missingBaselineVariation: resolution.baselineVariation }),
  });
  if (!enforce) return { outcome: ReconcileOutcome.Observed };
  const comment = `featgate: ${live.key} is governed and nobody approved it yet; switched off until a reviewer approves it`;
  let writes: number;
  try {
    ({ writes } = await writeFlagConfiguration(context.deps.featbit, job.envId, live.key, safe, comment));
  } catch (error) {
    if (!(error instanceof FeatBitForbiddenError)) throw error;
    const actions = actionsOfRequest(error.request, targetingActions(flagRevertActions(flag, safe)));
    context.deps.permissions?.learn(job.envId, live.key, actions, PermissionState.Missing);
    // The safe state cannot be written whole: the flag is at least switched off (toggle or JSON Patch) and raised.
    await switchOff(context, job.envId, live as unknown as RawFlag, comment);
    throw new RevertBlockedError(job.envId, live.key, actions, { cause: error });
  }
  await context.verifyRestored(job.envId, live.key, safe, []);
  await context.append(LedgerEventType.EditReverted, context.serviceActor, subject, {
    envId: job.envId,
    flagKey: live.key,
    operator,
    unapproved: true,
    revision: (await context.deps.featbit.getRawFlag(job.envId, live.key)).revision ?? null,
    writes,
    restoredSegments: [],
  });
  const notifications: Notification[] = [
    {
      kind: NotificationKind.EditReverted,
      subject,
      text: baselineVariationId
        ? `featgate switched off ${live.key} (${job.envId}): it is governed and nobody approved it; ${operator}'s configuration is proposed for review.`
        : `featgate switched off ${live.key} (${job.envId}): it is governed, nobody approved it, and it has no variation named ${resolution.baselineVariation} (the policy's baseline); fix the flag or the policy.`,
    },
  ];
  if (baselineVariationId) {
    const proposal = {
      envId: job.envId,
      flagKey: live.key,
      surface: resolution.surface,
      owner: resolution.owner,
      requester: operator,
      approved: placeholder,
      edited: flag,
      editedSegments: segments,
      changes: verdict.changes,
      widenedVariationIds: verdict.widened,
      fingerprint: editFingerprint(job.envId, placeholder, flag, segments),
    };
    try {
      const { changeKey, reused } = await context.deps.proposals.openProposal(proposal);
      if (!reused)
        notifications.push({
          kind: NotificationKind.ProposalOpened,
          subject: `change:${changeKey}`,
          text: `featgate opened proposal ${changeKey} from ${operator}'s new governed flag ${live.key} (${job.envId}).`,
        });
    } catch (error) {
      context.logger.warn(
        { envId: job.envId, flagKey: live.key, err: error instanceof Error ? error.message : String(error) },
        'could not open the proposal of a never-approved flag',
      );
    }
  }
  context.logger.info(
    { envId: job.envId, flagKey: live.key, operator, writes },
    'converged a governed flag nobody approved to its safe state',
  );
  return { outcome: ReconcileOutcome.Converged, notifications };
}

/**
 * A flag nobody approved, in a shape featgate cannot parse, governed by its key or tags: switched off (the toggle needs
 * no understanding of the document) and left for a person; gates deny it, as any unapproved flag.
 */
export async function switchOffUnreadable(
  context: WorkerContext,
  job: ReconcileJob,
  decision: Extract<FlagDecision, { kind: FlagDecisionKind.SwitchOffUnreadable }>,
): Promise<FlagResult> {
  const { raw, issues } = decision;
  const subject = flagSubject(job.envId, raw.key);
  const operator = await findEditor(
    context.deps.featbit,
    job.envId,
    { id: raw.id, key: raw.key, ...(raw.revision ? { revision: raw.revision } : {}) },
    { fallback: job.operator, serviceOperatorName: context.deps.serviceOperatorName, logger: context.logger },
  );
  await context.append(LedgerEventType.EditIntercepted, { id: operator, kind: ActorKind.FeatBitOperator }, subject, {
    envId: job.envId,
    flagKey: raw.key,
    operator,
    source: job.source,
    verdict: EditVerdictKind.UnknownShape,
    changes: [EditVerdictKind.NeverApproved, EditVerdictKind.UnknownShape],
    issues: issues.slice(0, 10),
    revision: raw.revision ?? null,
  });
  if (!decision.enforce) return { outcome: ReconcileOutcome.Observed };
  await switchOff(
    context,
    job.envId,
    raw,
    `featgate: ${raw.key} is governed, nobody approved it and featgate cannot read it; switched off`,
  );
  const after = await context.deps.featbit.getRawFlag(job.envId, raw.key);
  if (after['isEnabled'] !== false) throw new RevertNotRestoredError(job.envId, raw.key, 'isEnabled');
  await context.append(LedgerEventType.EditReverted, context.serviceActor, subject, {
    envId: job.envId,
    flagKey: raw.key,
    operator,
    unapproved: true,
    revision: after.revision ?? null,
    writes: 1,
    restoredSegments: [],
  });
  context.logger.error(
    { envId: job.envId, flagKey: raw.key, issues: issues.slice(0, 3) },
    'switched off a governed flag nobody approved that featgate cannot parse; a person must fix it',
  );
  return {
    outcome: ReconcileOutcome.Converged,
    notifications: [
      {
        kind: NotificationKind.RevertFailed,
        subject,
        text: `featgate switched off ${raw.key} (${job.envId}): governed, never approved, and in a shape featgate cannot read (${issues.slice(0, 3).join('; ')}). A person must fix it.`,
      },
    ],
  };
}

/**
 * Switches a flag off: the toggle (`ToggleFlag`), or, when the token lacks it, one JSON Patch of `/isEnabled`
 * (authentication only in FeatBit 5.4.2); refused both ways, nothing is written and the flag is raised as blocked.
 */
async function switchOff(context: WorkerContext, envId: string, raw: RawFlag, comment: string): Promise<void> {
  const permissions = context.deps.permissions;
  if (permissions?.stateOf(envId, raw.key, FeatBitAction.ToggleFlag) !== PermissionState.Missing) {
    try {
      await context.deps.featbit.toggle(envId, raw.key, false, comment);
      return;
    } catch (error) {
      if (!(error instanceof FeatBitForbiddenError)) throw error;
      permissions?.learn(envId, raw.key, [FeatBitAction.ToggleFlag], PermissionState.Missing);
    }
  }
  if (permissions?.stateOf(envId, raw.key, FeatBitAction.PatchFlag) === PermissionState.Missing)
    throw new RevertBlockedError(envId, raw.key, [FeatBitAction.ToggleFlag, FeatBitAction.PatchFlag]);
  try {
    await context.deps.featbit.patchFlag(envId, raw.key, [{ op: 'replace', path: '/isEnabled', value: false }]);
  } catch (error) {
    if (!(error instanceof FeatBitForbiddenError)) throw error;
    permissions?.learn(envId, raw.key, [FeatBitAction.PatchFlag], PermissionState.Missing);
    throw new RevertBlockedError(envId, raw.key, [FeatBitAction.ToggleFlag, FeatBitAction.PatchFlag], { cause: error });
  }
}
