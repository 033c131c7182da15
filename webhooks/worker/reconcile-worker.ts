import type { ApprovedFlagState } from '../../src/approved-state/index.js';
import { ExposureVerdict, FlagChangeKind, referencedSegmentIds } from '../../src/featbit/diff/index.js';
import { ZodError } from 'zod';
import { canonicalJson, type JsonObject, type JsonValue } from '../../src/canonical/index.js';
import { ValidationError } from '../../src/errors/index.js';
import { flagSchema, restFlagSchema, segmentSchema, type FeatBitFlag, type FeatBitSegment, type RawFlag, type RestFlag } from '../../src/featbit/model/index.js';
import { FeatBitAction, FeatBitForbiddenError, FeatBitNotFoundError, PermissionState, type FeatBitRestClient } from '../../src/featbit/rest-client/index.js';
import { ActorKind, type Actor } from '../../src/ledger/ledger-entry.js';
import type { LedgerStore } from '../../src/ledger/ledger-store.js';
import { LedgerEventType } from '../../src/ledger/ledger-event-type.js';
import type { Logger } from '../../src/logging/index.js';
import { silentLogger } from '../../src/logging/index.js';
import { flagSubject } from '../../src/projections/index.js';
import { writeFlagConfiguration, type KeyedLock } from '../../src/workflow/index.js';
import { EnvironmentStrictness, resolveGovernedFlag, type Policy } from '../../policies/index.js';
import type { JobHandler } from '../queue/job-queue.js';
import { flagJob, JobTargetKind, TriggerSource, type ReconcileJob } from '../queue/reconcile-job.js';
import type { TriggerSink } from '../receiver/webhook-router.js';
import { NotificationKind, type Notification, type Notifier } from '../notifier/notification.js';
import type { ApprovedStateReader, ProposalOpener } from './bridge-ports.js';
import { EditVerdictKind, judgeEdit, judgeFlagEdit, type EditVerdict } from './edit-verdict.js';
import {
  baselineOnlyConfiguration,
  comparableFlag,
  flagsEqual,
  resolveBaselineVariationId,
  segmentsEqual,
} from './flag-config.js';
import { approvedStatePayload } from './approved-state-payload.js';
import { editFingerprint } from './edit-fingerprint.js';
import { wholesaleRestorePatch } from './governed-field-patch.js';
import { findEditor } from './find-editor.js';
import { chooseRevertRoute, RevertBlockedError, RevertNotRestoredError, revertJudgedFlag, RevertRoute, StaleEditError, type RevertAccess } from './revert-plan.js';
import { flagRevertActions, segmentRevertActions } from './revert-permissions.js';
import type { TokenPermissions } from '../bridge/token-permissions.js';
import { FlagProblemKind, type BridgeHealth } from '../bridge/bridge-health.js';

/** What the reconcile worker needs; every part is the real component in production and in tests. */
export interface ReconcileWorkerDeps {
  readonly featbit: FeatBitRestClient;
  readonly ledger: LedgerStore;
  readonly approvedStates: ApprovedStateReader;
  readonly proposals: ProposalOpener;
  /** The current policy (a getter, so a reloaded policy applies to the next job). */
  readonly policy: () => Policy;
  /** Where segment jobs fan out to flag jobs. */
  readonly queue: TriggerSink;
  /**
   * The workflow's keyed lock. A flag job runs under the same per-flag lock a release or an adoption takes, so the
   * worker never sees featgate's own FeatBit write before the approved state that goes with it.
   */
  readonly lock?: KeyedLock;
  readonly notifier?: Notifier;
  /** featgate's own actor in the ledger. */
  readonly serviceActor?: Actor;
  /** Name of featgate's FeatBit access token (the operator FeatBit records for featgate's writes), when known. */
  readonly serviceOperatorName?: string;
  /**
   * What featgate's own FeatBit token may do per flag (probed and learned); absent, every write is attempted and a
   * refusal is only learned from FeatBit's 403.
   */
  readonly permissions?: TokenPermissions;
  /** Where a blocked or failed revert is raised (readiness, metrics, notification). */
  readonly health?: BridgeHealth;
  readonly logger?: Logger;
  readonly now?: () => Date;
}

/** What one flag job did, for logs and tests. */
export enum ReconcileOutcome {
  Ungoverned = 'ungoverned',
  Missing = 'missing',
  Equal = 'equal',
  /** A governed flag nobody approved was converged to its safe state and proposed. */
  Converged = 'converged',
  /** A governed flag nobody approved is already in its safe state (gates deny it until a reviewer approves it). */
  Unapproved = 'unapproved',
  Accepted = 'accepted',
  Reverted = 'reverted',
  Observed = 'observed',
}

const FEATGATE_ACTOR: Actor = { id: 'featgate', kind: ActorKind.Service };

/** Judgements of one job before a flag that keeps changing under its revert is left to the job's retry. */
const MAX_JUDGEMENTS = 5;

/** A flag job's outcome and the notifications to send once the flag's lock is released. */
interface FlagResult {
  readonly outcome: ReconcileOutcome;
  readonly notifications?: readonly Notification[];
}

/**
 * Builds the job handler of the webhook bridge. For a flag job it takes the flag's lock, re-reads the flag and its
 * segments from FeatBit, compares them with the approved state and lets the policy decide (ARCHITECTURE.md invariants 2-4):
 * - equal → nothing; safe direction, descriptive-only, or within the applied stage of a live approved change →
 *   accepted, the approved state follows, ledger records it;
 * - anything else → a proposal is opened from the edit (the operator is its requester), FeatBit is reverted over
 *   the judged revision (an edit landing meanwhile, e.g. a kill switch, is judged again instead of undone), the
 *   ledger records who edited what and what was restored, and notifications go out;
 * - a governed flag featgate has no approved state for is adopted when it exposes only its baseline, otherwise
 *   converged to baseline-only and proposed.
 * A segment job fans out to flag jobs for every governed flag whose approved configuration references the segment.
 */
export function createReconcileHandler(deps: ReconcileWorkerDeps): JobHandler & { reconcileFlag(job: ReconcileJob): Promise<ReconcileOutcome> } {
  const logger = deps.logger ?? silentLogger;
  const now = deps.now ?? (() => new Date());
  const serviceActor = deps.serviceActor ?? FEATGATE_ACTOR;

  /**
   * Reads segments; a missing one is left out, and one FeatBit holds in a shape featgate cannot parse is left out of
   * `segments` (the diff then proves nothing about it) and named in `unreadable`, so a revert restores it wholesale.
   */
  const readSegments = async (envId: string, ids: readonly string[]): Promise<{ segments: FeatBitSegment[]; unreadable: string[] }> => {
    const segments: FeatBitSegment[] = [];
    const unreadable: string[] = [];
    for (const id of ids) {
      try {
        segments.push(segmentSchema.parse(await deps.featbit.getSegment(envId, id)));
      } catch (error) {
        if (error instanceof ValidationError || error instanceof ZodError) unreadable.push(id);
        else if (!(error instanceof FeatBitNotFoundError)) throw error;
      }
    }
    return { segments, unreadable };
  };

  const fetchSegments = async (envId: string, ids: readonly string[]): Promise<FeatBitSegment[]> => (await readSegments(envId, ids)).segments;

  const operatorOf = (envId: string, live: RestFlag, job: ReconcileJob): Promise<string> =>
    findEditor(deps.featbit, envId, live, { fallback: job.operator, serviceOperatorName: deps.serviceOperatorName, logger });

  const append = (type: LedgerEventType, actor: Actor, subject: string, data: JsonObject) =>
    deps.ledger.append({ type, actor, subject, data, at: now().toISOString() });

  const acceptEdit = async (
    job: ReconcileJob,
    approved: ApprovedFlagState,
    live: FeatBitFlag,
    liveSegments: readonly FeatBitSegment[],
    verdict: EditVerdict,
    operator: string,
  ): Promise<void> => {
    const subject = flagSubject(job.envId, approved.flagKey);
    const actor: Actor = { id: operator, kind: ActorKind.FeatBitOperator };
    await append(LedgerEventType.EditAccepted, actor, subject, {
      envId: job.envId,
      flagKey: approved.flagKey,
      operator,
      source: job.source,
      verdict: verdict.kind,
      changes: [...verdict.changes],
      exposure: { ...verdict.exposure },
    });
    const state: ApprovedFlagState = {
      ...approved,
      flag: live,
      segments: mergeSegments(approved.segments, liveSegments),
      approvedAt: now().toISOString(),
      approvedBy: operator,
    };
    await append(LedgerEventType.ApprovedStateSet, serviceActor, subject, approvedStatePayload(LedgerEventType.ApprovedStateSet, state));
  };

  /** Re-reads what featgate just wrote and fails the job unless FeatBit now holds `wanted` (flag and segments). */
  const verifyRestored = async (envId: string, flagKey: string, wanted: FeatBitFlag, segments: readonly FeatBitSegment[]): Promise<FeatBitFlag> => {
    const after = flagSchema.safeParse(await deps.featbit.getFlag(envId, flagKey));
    const afterSegments = await fetchSegments(envId, segments.map((segment) => segment.id));
    const flagRestored = after.success && flagsEqual(after.data, { ...wanted, isEnabled: after.data.isEnabled });
    const segmentsRestored = segments.every((segment) => afterSegments.some((current) => current.id === segment.id && segmentsEqual(current, segment)));
    if (!after.success || !flagRestored || !segmentsRestored) {
      const differs = !after.success ? 'its shape' : !flagRestored ? differingFields(after.data, wanted).join(', ') : 'a segment';
      throw new RevertNotRestoredError(envId, flagKey, differs);
    }
    return after.data;
  };

  /** How this revert may write, decided before its first write from what is known of the token's permissions. */
  const revertAccess = async (envId: string, live: RestFlag, needed: readonly FeatBitAction[]): Promise<RevertAccess> => {
    const permissions = deps.permissions;
    if (permissions) await permissions.forFlag(envId, { key: live.key, tags: live.tags });
    const stateOf = (action: FeatBitAction) => permissions?.stateOf(envId, live.key, action) ?? PermissionState.Unknown;
    const { route, missing } = chooseRevertRoute(needed, stateOf);
    return {
      route,
      needed,
      missing,
      learn: (actions, state) => permissions?.learn(envId, live.key, actions, state),
      patchRefused: () => stateOf(FeatBitAction.PatchFlag) === PermissionState.Missing,
    };
  };

  const revertEdit = async (
    job: ReconcileJob,
    approved: ApprovedFlagState,
    live: RestFlag,
    liveSegments: readonly FeatBitSegment[],
    verdict: EditVerdict,
    operator: string,
    enforce: boolean,
    unreadableSegmentIds: readonly string[] = [],
  ): Promise<FlagResult> => {
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
    const changeKey = deps.proposals.keyFor(proposal);
    const knownBefore = await deps.proposals.exists(changeKey);
    if (knownBefore && !enforce) return { outcome: ReconcileOutcome.Observed };
    const notifications: Notification[] = [];
    const openProposal = async (): Promise<void> => {
      try {
        const { reused } = await deps.proposals.openProposal(proposal);
        if (!reused) {
          notifications.push({
            kind: NotificationKind.ProposalOpened,
            subject: `change:${changeKey}`,
            text: `featgate opened proposal ${changeKey} from ${operator}'s edit of ${live.key} (${job.envId}): ${verdict.changes.join(', ')}. Reviewers can approve it.`,
          });
        }
      } catch (error) {
        // Best effort: the approved state is restored already; the next edit or round proposes again.
        logger.warn({ envId: job.envId, flagKey: live.key, changeKey, err: error instanceof Error ? error.message : String(error) }, 'could not open the proposal of a reverted edit');
      }
    };

    await append(LedgerEventType.EditIntercepted, editor, subject, {
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
      logger.info({ envId: job.envId, flagKey: live.key, operator, changeKey }, 'observed unapproved edit');
      return { outcome: ReconcileOutcome.Observed, notifications };
    }
    // Revert first (ARCHITECTURE.md invariant 1), the proposal after: a slow or failing workflow never delays the restore.
    const comment = `featgate: restored approved state (edit by ${operator} needs approval: ${changeKey})`;
    const segmentsToRestore = approved.segments.filter((segment) => {
      const current = liveSegments.find((candidate) => candidate.id === segment.id);
      return (current && !segmentsEqual(current, segment)) || unreadableSegmentIds.includes(segment.id);
    });
    const segmentActions = [...new Set(segmentsToRestore.flatMap((segment) => segmentRevertActions(unreadableSegmentIds.includes(segment.id) ? undefined : liveSegments.find((current) => current.id === segment.id), segment)))];
    const access = await revertAccess(job.envId, live, flagRevertActions(edited, { ...approved.flag, isEnabled: edited.isEnabled }));
    // Segments cannot be restored by JSON Patch: a missing segment action blocks the revert before its first write.
    const segmentsMissing = segmentActions.filter((action) => deps.permissions?.stateOf(job.envId, live.key, action) === PermissionState.Missing);
    if (segmentsMissing.length > 0 || access.route === RevertRoute.Blocked) throw new RevertBlockedError(job.envId, live.key, [...new Set([...segmentsMissing, ...access.missing])]);
    const restoredSegments: string[] = [];
    for (const segment of segmentsToRestore) {
      try {
        await deps.featbit.updateSegmentTargeting(job.envId, segment.id, { included: segment.included, excluded: segment.excluded, rules: segment.rules, comment });
      } catch (error) {
        if (!(error instanceof FeatBitForbiddenError)) throw error;
        access.learn(segmentActions, PermissionState.Missing);
        throw new RevertBlockedError(job.envId, live.key, segmentActions, { cause: error });
      }
      restoredSegments.push(segment.id);
    }
    if (segmentActions.length > 0) access.learn(segmentActions, PermissionState.Granted);
    const { revision, writes } = await revertJudgedFlag(deps.featbit, job.envId, live, approved.flag, comment, access);
    const restored = await verifyRestored(
      job.envId,
      approved.flagKey,
      approved.flag,
      approved.segments.filter((segment) => liveSegments.some((current) => current.id === segment.id) || unreadableSegmentIds.includes(segment.id)),
    );
    if (writes === 0 && restoredSegments.length === 0) {
      // FeatBit already held the approved state when the revert looked (someone restored it meanwhile): nothing was
      // restored by featgate, so no `edit.reverted` claims it was; the intercepted edit and its proposal stand.
      logger.info({ envId: job.envId, flagKey: approved.flagKey, changeKey }, 'FeatBit already held the approved state; nothing to restore');
      await openProposal();
      return { outcome: ReconcileOutcome.Equal, notifications };
    }
    await append(LedgerEventType.EditReverted, serviceActor, subject, {
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
      const onOff = { ...verdict, kind: EditVerdictKind.OnOff, widened: [], contentChanged: false, changes: [FlagChangeKind.Toggled] };
      await acceptEdit(job, approved, { ...approved.flag, isEnabled: restored.isEnabled }, approved.segments, onOff, operator);
    }
    await openProposal();
    notifications.unshift({
      kind: NotificationKind.EditReverted,
      subject,
      text: `featgate reverted an unapproved edit of ${live.key} (${job.envId}) by ${operator}: ${verdict.changes.join(', ')}. Proposal ${changeKey} is open for review.`,
    });
    logger.info({ envId: job.envId, flagKey: live.key, operator, changeKey, writes }, 'reverted unapproved edit');
    return { outcome: ReconcileOutcome.Reverted, notifications };
  };

  /**
   * A governed flag nobody approved (a new flag matching a governed pattern, say) is never approved by featgate
   * itself (ARCHITECTURE.md invariant 11): no approved state is recorded, so gates deny it; FeatBit is converged to the
   * safe state (switched off, serving the baseline, and only the baseline when switched on) and the admin's
   * configuration becomes a proposal. Without the policy's baseline variation the flag is only switched off. A flag
   * already in its safe state costs nothing: no write, no ledger entry.
   */
  const handleUnapprovedFlag = async (
    job: ReconcileJob,
    live: RestFlag,
    resolution: { surface: ApprovedFlagState['surface']; owner: string; baselineVariation: string },
    enforce: boolean,
  ): Promise<FlagResult> => {
    const flag = flagSchema.parse(live);
    const baselineVariationId = resolveBaselineVariationId(flag, resolution.baselineVariation);
    const safe: FeatBitFlag = baselineVariationId ? { ...baselineOnlyConfiguration(flag, baselineVariationId), isEnabled: false } : { ...flag, isEnabled: false };
    if (flagsEqual(flag, safe)) return { outcome: ReconcileOutcome.Unapproved };
    const subject = flagSubject(job.envId, live.key);
    const operator = await operatorOf(job.envId, live, job);
    const segments = await fetchSegments(job.envId, referencedSegmentIds(flag));
    const placeholder: ApprovedFlagState = {
      envId: job.envId,
      flagKey: live.key,
      flag: safe,
      segments: [],
      baselineVariationId: baselineVariationId ?? flag.disabledVariationId,
      surface: resolution.surface,
      owner: resolution.owner,
      approvedAt: now().toISOString(),
      approvedBy: 'nobody',
      version: 0,
    };
    const verdict = judgeEdit({ approved: safe, live: flag, baselineVariationId: placeholder.baselineVariationId, segmentsBefore: [], segmentsAfter: segments });
    await append(LedgerEventType.EditIntercepted, { id: operator, kind: ActorKind.FeatBitOperator }, subject, {
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
    const { writes } = await writeFlagConfiguration(deps.featbit, job.envId, live.key, safe, comment);
    await verifyRestored(job.envId, live.key, safe, []);
    await append(LedgerEventType.EditReverted, serviceActor, subject, {
      envId: job.envId,
      flagKey: live.key,
      operator,
      unapproved: true,
      revision: (await deps.featbit.getRawFlag(job.envId, live.key)).revision ?? null,
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
        const { changeKey, reused } = await deps.proposals.openProposal(proposal);
        if (!reused) notifications.push({ kind: NotificationKind.ProposalOpened, subject: `change:${changeKey}`, text: `featgate opened proposal ${changeKey} from ${operator}'s new governed flag ${live.key} (${job.envId}).` });
      } catch (error) {
        logger.warn({ envId: job.envId, flagKey: live.key, err: error instanceof Error ? error.message : String(error) }, 'could not open the proposal of a never-approved flag');
      }
    }
    logger.info({ envId: job.envId, flagKey: live.key, operator, writes }, 'converged a governed flag nobody approved to its safe state');
    return { outcome: ReconcileOutcome.Converged, notifications };
  };

  /**
   * An edit wider than the approved state (say, re-enabling after a kill switch during a ramp) is still approved
   * when it stays within the configuration the release wrote for the current stage of a live approved change.
   */
  const withinApprovedStage = async (
    approved: ApprovedFlagState,
    live: FeatBitFlag,
    liveSegments: readonly FeatBitSegment[],
    verdict: EditVerdict,
  ): Promise<EditVerdict | undefined> => {
    const stage = await deps.approvedStates.stageState(approved);
    if (!stage) return undefined;
    const againstStage = judgeFlagEdit({
      approved: stage.flag,
      live,
      baselineVariationId: approved.baselineVariationId,
      segmentsBefore: stage.segments,
      segmentsAfter: liveSegments,
    });
    return againstStage.kind === EditVerdictKind.Unauthorized ? undefined : { ...verdict, kind: EditVerdictKind.WithinApprovedStage };
  };

  /** The live flag of an approved state found by FeatBit's id, archived or not, when its key moved (JSON Patch renames). */
  const findById = async (envId: string, id: string): Promise<RawFlag | undefined> => {
    for (const isArchived of [false, true]) {
      const item = (await deps.featbit.listAllFlags(envId, { isArchived })).find((candidate) => candidate.id === id);
      if (item) return deps.featbit.getRawFlag(envId, item.key);
    }
    return undefined;
  };

  /**
   * Finds the flag a job names and its approved state, tracking flags by FeatBit's id (ARCHITECTURE.md invariant 11):
   * a job for an approved key whose flag was renamed finds it by id; a job for a new key finds the approved state
   * whose flag has that id.
   */
  const locate = async (envId: string, flagKey: string): Promise<{ raw?: RawFlag; approved?: ApprovedFlagState }> => {
    let approved = await deps.approvedStates.get(envId, flagKey);
    let raw: RawFlag | undefined;
    try {
      raw = await deps.featbit.getRawFlag(envId, flagKey);
    } catch (error) {
      if (!(error instanceof FeatBitNotFoundError)) throw error;
    }
    if (approved && (!raw || raw.id !== approved.flag.id)) raw = await findById(envId, approved.flag.id);
    if (raw && !approved) {
      const id = raw.id;
      approved = (await deps.approvedStates.list(envId)).find((state) => state.flag.id === id);
    }
    return { ...(raw ? { raw } : {}), ...(approved ? { approved } : {}) };
  };

  /**
   * A governed flag FeatBit holds in a shape featgate's model rejects (a rollout bound above 1, a null value, an odd
   * variation type or key): unauthorized by definition. The approved configuration is restored wholesale with one JSON
   * Patch, without needing to understand the live document; no proposal can be built from it.
   */
  const restoreUnknownShape = async (job: ReconcileJob, approved: ApprovedFlagState, raw: RawFlag, issues: readonly string[], enforce: boolean): Promise<FlagResult> => {
    const subject = flagSubject(job.envId, approved.flagKey);
    const operator = await findEditor(deps.featbit, job.envId, { id: raw.id, key: raw.key, ...(raw.revision ? { revision: raw.revision } : {}) }, {
      fallback: job.operator,
      serviceOperatorName: deps.serviceOperatorName,
      logger,
    });
    const widened = approved.flag.variations.map((variation) => variation.id).filter((id) => id !== approved.baselineVariationId);
    await append(LedgerEventType.EditIntercepted, { id: operator, kind: ActorKind.FeatBitOperator }, subject, {
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
    const tags = Array.isArray(raw['tags']) ? (raw['tags'] as unknown[]).filter((tag): tag is string => typeof tag === 'string') : [];
    if (deps.permissions) await deps.permissions.forFlag(job.envId, { key: raw.key, tags });
    // The one write that can restore a document featgate cannot read: refused, nothing is written at all.
    if (deps.permissions?.stateOf(job.envId, raw.key, FeatBitAction.PatchFlag) === PermissionState.Missing) throw new RevertBlockedError(job.envId, raw.key, [FeatBitAction.PatchFlag]);
    try {
      await deps.featbit.patchFlag(job.envId, raw.key, wholesaleRestorePatch(raw, approved.flag));
    } catch (error) {
      if (!(error instanceof FeatBitForbiddenError)) throw error;
      deps.permissions?.learn(job.envId, raw.key, [FeatBitAction.PatchFlag], PermissionState.Missing);
      throw new RevertBlockedError(job.envId, raw.key, [FeatBitAction.PatchFlag], { cause: error });
    }
    const restored = await verifyRestored(job.envId, approved.flagKey, approved.flag, []);
    await append(LedgerEventType.EditReverted, serviceActor, subject, {
      envId: job.envId,
      flagKey: approved.flagKey,
      operator,
      restoredVersion: approved.version,
      ...(approved.changeKey ? { restoredChangeKey: approved.changeKey } : {}),
      revision: (await deps.featbit.getRawFlag(job.envId, approved.flagKey)).revision ?? null,
      writes: 1,
      wholesale: true,
      restoredSegments: [],
    });
    if (restored.isEnabled !== approved.flag.isEnabled) {
      const onOff: EditVerdict = { kind: EditVerdictKind.OnOff, changes: [FlagChangeKind.Toggled], exposure: {}, contentChanged: false, widened: [] };
      await acceptEdit(job, approved, { ...approved.flag, isEnabled: restored.isEnabled }, approved.segments, onOff, operator);
    }
    logger.warn({ envId: job.envId, flagKey: approved.flagKey, operator, issues: issues.slice(0, 3) }, 'restored a governed flag FeatBit held in a shape featgate cannot parse');
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
  };

  /**
   * A flag nobody approved, in a shape featgate cannot parse: when its key or tags make it governed it is switched off
   * (the toggle needs no understanding of the document) and left for a person; gates deny it, as any unapproved flag.
   */
  const switchOffUnparseable = async (job: ReconcileJob, raw: RawFlag, issues: readonly string[]): Promise<FlagResult> => {
    const tags = Array.isArray(raw['tags']) ? (raw['tags'] as unknown[]).filter((tag): tag is string => typeof tag === 'string') : [];
    const resolution = resolveGovernedFlag(deps.policy(), job.envId, { key: raw.key, tags });
    if (!resolution.governed) return { outcome: ReconcileOutcome.Ungoverned };
    if (raw['isEnabled'] === false) return { outcome: ReconcileOutcome.Unapproved };
    const subject = flagSubject(job.envId, raw.key);
    const operator = await findEditor(deps.featbit, job.envId, { id: raw.id, key: raw.key, ...(raw.revision ? { revision: raw.revision } : {}) }, { fallback: job.operator, serviceOperatorName: deps.serviceOperatorName, logger });
    await append(LedgerEventType.EditIntercepted, { id: operator, kind: ActorKind.FeatBitOperator }, subject, {
      envId: job.envId,
      flagKey: raw.key,
      operator,
      source: job.source,
      verdict: EditVerdictKind.UnknownShape,
      changes: [EditVerdictKind.NeverApproved, EditVerdictKind.UnknownShape],
      issues: issues.slice(0, 10),
      revision: raw.revision ?? null,
    });
    if (resolution.environment.strictness !== EnvironmentStrictness.Enforce) return { outcome: ReconcileOutcome.Observed };
    await deps.featbit.toggle(job.envId, raw.key, false, `featgate: ${raw.key} is governed, nobody approved it and featgate cannot read it; switched off`);
    const after = await deps.featbit.getRawFlag(job.envId, raw.key);
    if (after['isEnabled'] !== false) throw new RevertNotRestoredError(job.envId, raw.key, 'isEnabled');
    await append(LedgerEventType.EditReverted, serviceActor, subject, { envId: job.envId, flagKey: raw.key, operator, unapproved: true, revision: after.revision ?? null, writes: 1, restoredSegments: [] });
    logger.error({ envId: job.envId, flagKey: raw.key, issues: issues.slice(0, 3) }, 'switched off a governed flag nobody approved that featgate cannot parse; a person must fix it');
    return {
      outcome: ReconcileOutcome.Converged,
      notifications: [{ kind: NotificationKind.RevertFailed, subject, text: `featgate switched off ${raw.key} (${job.envId}): governed, never approved, and in a shape featgate cannot read (${issues.slice(0, 3).join('; ')}). A person must fix it.` }],
    };
  };

  const reconcileLocked = async (job: ReconcileJob, flagKey: string): Promise<FlagResult> => {
    const policy = deps.policy();
    const { raw, approved } = await locate(job.envId, flagKey);
    if (!raw) return { outcome: ReconcileOutcome.Missing };
    const parsed = restFlagSchema.safeParse(raw);
    const issues = parsed.success ? [] : parsed.error.issues.map((issue) => `${issue.path.join('.') || '(flag)'}: ${issue.message}`);
    if (!approved) {
      if (!parsed.success) return switchOffUnparseable(job, raw, issues);
      const resolution = resolveGovernedFlag(policy, job.envId, parsed.data);
      if (!resolution.governed) return { outcome: ReconcileOutcome.Ungoverned };
      return handleUnapprovedFlag(job, parsed.data, resolution, resolution.environment.strictness === EnvironmentStrictness.Enforce);
    }
    // Once governed, always governed: live tags, key or type no longer decide (ARCHITECTURE.md invariant 11).
    const environment = resolveGovernedFlag(policy, job.envId, { key: approved.flagKey }).environment;
    if (!environment) return { outcome: ReconcileOutcome.Ungoverned };
    const enforce = environment.strictness === EnvironmentStrictness.Enforce;
    if (!parsed.success) return restoreUnknownShape(job, approved, raw, issues, enforce);
    const live = parsed.data;
    const liveFlag = flagSchema.parse(live);
    // Every governed flag's permissions are known (probed at most once per TTL), so readiness names what is missing
    // before a revert needs it (ARCHITECTURE.md, "FeatBit permissions").
    if (enforce && deps.permissions) await deps.permissions.forFlag(job.envId, { key: live.key, tags: live.tags });
    const segmentIds = [...new Set([...referencedSegmentIds(liveFlag), ...approved.segments.map((segment) => segment.id)])];
    const { segments: liveSegments, unreadable } = await readSegments(job.envId, segmentIds);
    const segmentsUnchanged = approved.segments.every((segment) => {
      const current = liveSegments.find((candidate) => candidate.id === segment.id);
      return current !== undefined && segmentsEqual(current, segment);
    });
    if (flagsEqual(liveFlag, approved.flag) && segmentsUnchanged) return { outcome: ReconcileOutcome.Equal };
    const verdict = judgeFlagEdit({
      approved: approved.flag,
      live: liveFlag,
      baselineVariationId: approved.baselineVariationId,
      segmentsBefore: approved.segments,
      segmentsAfter: liveSegments,
    });
    // An approved segment FeatBit holds in a shape featgate cannot parse is never accepted: it is restored wholesale.
    const unreadableApproved = unreadable.filter((id) => approved.segments.some((segment) => segment.id === id));
    if (unreadableApproved.length > 0) {
      const operator = await operatorOf(job.envId, live, job);
      return revertEdit(job, approved, live, liveSegments, { ...verdict, kind: EditVerdictKind.Unauthorized, changes: [...verdict.changes, EditVerdictKind.UnknownShape] }, operator, enforce, unreadableApproved);
    }
    if (verdict.kind === EditVerdictKind.Equal) return { outcome: ReconcileOutcome.Equal };
    const accepted = verdict.kind === EditVerdictKind.Unauthorized ? await withinApprovedStage(approved, liveFlag, liveSegments, verdict) : verdict;
    const operator = await operatorOf(job.envId, live, job);
    if (!accepted) return revertEdit(job, approved, live, liveSegments, verdict, operator, enforce, unreadable);
    await acceptEdit(job, approved, liveFlag, liveSegments, accepted, operator);
    logger.info({ envId: job.envId, flagKey: live.key, operator, verdict: accepted.kind }, 'accepted edit');
    return { outcome: ReconcileOutcome.Accepted };
  };

  /** Judges and acts; an edit that lands while its revert is prepared is judged again from FeatBit's new state. */
  const rejudgeWhileStale = async (job: ReconcileJob, flagKey: string): Promise<FlagResult> => {
    for (let judgement = 1; ; judgement += 1) {
      try {
        return await reconcileLocked(job, flagKey);
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
        ? await deps.lock.withLocks([flagSubject(job.envId, flagKey)], () => rejudgeWhileStale(job, flagKey))
        : await rejudgeWhileStale(job, flagKey);
    } catch (error) {
      if (error instanceof RevertBlockedError) await deps.health?.raise(FlagProblemKind.RevertBlocked, job.envId, flagKey, error.message);
      else if (error instanceof RevertNotRestoredError) await deps.health?.raise(FlagProblemKind.RevertFailed, job.envId, flagKey, `${error.differs} differ`);
      throw error;
    }
    deps.health?.clear(job.envId, flagKey, [FlagProblemKind.RevertBlocked, FlagProblemKind.RevertFailed]);
    for (const notification of result.notifications ?? []) await deps.notifier?.notify(notification);
    return result.outcome;
  };

  const fanOutSegment = async (job: ReconcileJob): Promise<void> => {
    if (job.target.kind !== JobTargetKind.Segment) return;
    const segmentId = job.target.segmentId;
    const states = await deps.approvedStates.list(job.envId);
    for (const state of states) {
      const references = state.segments.some((segment) => segment.id === segmentId) || referencedSegmentIds(state.flag).includes(segmentId);
      if (references) {
        await deps.queue.enqueue(flagJob(job.envId, state.flagKey, TriggerSource.Segment, job.operator ? { operator: job.operator } : {}));
      }
    }
  };

  const handler = async (job: ReconcileJob): Promise<void> => {
    if (job.target.kind === JobTargetKind.Segment) {
      await fanOutSegment(job);
      return;
    }
    const outcome = await reconcileFlag(job);
    logger.debug({ envId: job.envId, flagKey: job.target.flagKey, outcome }, 'reconciled flag');
  };
  return Object.assign(handler, { reconcileFlag });
}

/** Approved segments updated with their live versions where the live flag still references them. */
function mergeSegments(approved: readonly FeatBitSegment[], live: readonly FeatBitSegment[]): FeatBitSegment[] {
  const byId = new Map(approved.map((segment) => [segment.id, segment]));
  for (const segment of live) byId.set(segment.id, segment);
  return [...byId.values()];
}

/** Top-level fields of the comparable flag that differ, to say what a revert failed to restore. */
function differingFields(live: FeatBitFlag, wanted: FeatBitFlag): string[] {
  const a = comparableFlag({ ...live, isEnabled: wanted.isEnabled }) as Record<string, unknown>;
  const b = comparableFlag(wanted) as Record<string, unknown>;
  return Object.keys(b).filter((field) => canonicalJson(a[field] as JsonValue) !== canonicalJson(b[field] as JsonValue));
}
