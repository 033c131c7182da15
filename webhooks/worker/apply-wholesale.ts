import type { ApprovedFlagState } from '../../src/approved-state/model/index.js';
import { ExposureVerdict, FlagChangeKind } from '../../src/featbit/diff/index.js';
import type { RawFlag } from '../../src/featbit/model/index.js';
import { FeatBitAction, FeatBitForbiddenError, PermissionState } from '../../src/featbit/rest-client/index.js';
import { ActorKind } from '../../src/ledger/ledger-entry.js';
import { LedgerEventType } from '../../src/ledger/ledger-event-type.js';
import { flagSubject } from '../../src/ledger-events/index.js';
import { NotificationKind } from '../../src/notify/index.js';
import type { ReconcileJob } from '../queue/reconcile-job.js';
import { acceptEdit } from './apply-accept.js';
import { EditVerdictKind, type EditVerdict } from './edit-verdict.js';
import { findEditor } from './find-editor.js';
import { wholesaleRestorePatch } from './governed-field-patch.js';
import { RevertBlockedError } from './revert-plan.js';
import { ReconcileOutcome, type FlagResult, type WorkerContext } from './worker-context.js';

/**
 * A governed flag FeatBit holds in a shape featgate's model rejects (a rollout bound above 1, a null value, an odd
 * variation type or key): unauthorized by definition. The approved configuration is restored wholesale with one JSON
 * Patch, without needing to understand the live document.
 */
export async function restoreWholesale(
  context: WorkerContext,
  job: ReconcileJob,
  approved: ApprovedFlagState,
  raw: RawFlag,
  issues: readonly string[],
  enforce: boolean,
): Promise<FlagResult> {
  const subject = flagSubject(job.envId, approved.flagKey);
  const operator = await findEditor(
    context.deps.featbit,
    job.envId,
    { id: raw.id, key: raw.key, ...(raw.revision ? { revision: raw.revision } : {}) },
    { fallback: job.operator, serviceOperatorName: context.deps.serviceOperatorName, logger: context.logger },
  );
  const widened = approved.flag.variations
    .map((variation) => variation.id)
    .filter((id) => id !== approved.baselineVariationId);
  await context.append(LedgerEventType.EditIntercepted, { id: operator, kind: ActorKind.FeatBitOperator }, subject, {
    envId: job.envId,
    flagKey: approved.flagKey,
    liveKey: raw.key,
    operator,
    source: job.source,
    ...(job.deliveryId ? { deliveryId: job.deliveryId } : {}),
    verdict: EditVerdictKind.UnknownShape,
    changes: [EditVerdictKind.UnknownShape],
    issues: issues.slice(0, 10),
    exposure: Object.fromEntries(widened.map((id) => [id, ExposureVerdict.Widened])),
    widened,
    contentChanged: true,
    revision: raw.revision ?? null,
  });
  if (!enforce) return { outcome: ReconcileOutcome.Observed };
  const tags = Array.isArray(raw['tags'])
    ? (raw['tags'] as unknown[]).filter((tag): tag is string => typeof tag === 'string')
    : [];
  if (context.deps.permissions) await context.deps.permissions.forFlag(job.envId, { key: raw.key, tags });
  // The one write that can restore a document featgate cannot read: refused, nothing is written at all.
  if (context.deps.permissions?.stateOf(job.envId, raw.key, FeatBitAction.PatchFlag) === PermissionState.Missing)
    throw new RevertBlockedError(job.envId, raw.key, [FeatBitAction.PatchFlag]);
  try {
    await context.deps.featbit.patchFlag(job.envId, raw.key, wholesaleRestorePatch(raw, approved.flag));
  } catch (error) {
    if (!(error instanceof FeatBitForbiddenError)) throw error;
    context.deps.permissions?.learn(job.envId, raw.key, [FeatBitAction.PatchFlag], PermissionState.Missing);
    throw new RevertBlockedError(job.envId, raw.key, [FeatBitAction.PatchFlag], { cause: error });
  }
  const restored = await context.verifyRestored(job.envId, approved.flagKey, approved.flag, []);
  await context.append(LedgerEventType.EditReverted, context.serviceActor, subject, {
    envId: job.envId,
    flagKey: approved.flagKey,
    operator,
    restoredVersion: approved.version,
    ...(approved.changeKey ? { restoredChangeKey: approved.changeKey } : {}),
    revision: (await context.deps.featbit.getRawFlag(job.envId, approved.flagKey)).revision ?? null,
    writes: 1,
    wholesale: true,
    restoredSegments: [],
  });
  if (restored.isEnabled !== approved.flag.isEnabled) {
    const onOff: EditVerdict = {
      kind: EditVerdictKind.OnOff,
      changes: [FlagChangeKind.Toggled],
      exposure: {},
      contentChanged: false,
      widened: [],
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
  context.logger.warn(
    { envId: job.envId, flagKey: approved.flagKey, operator, issues: issues.slice(0, 3) },
    'restored a governed flag FeatBit held in a shape featgate cannot parse',
  );
  return {
    outcome: ReconcileOutcome.Reverted,
    notifications: [
      {
        kind: NotificationKind.EditReverted,
        subject,
        text: `featgate restored ${approved.flagKey} (${job.envId}) wholesale: ${operator} left it in a shape featgate cannot judge (${issues.slice(0, 3).join('; ')}).`,
      },
    ],
  };
}
