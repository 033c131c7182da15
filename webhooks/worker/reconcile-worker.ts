import type { ApprovedFlagState } from '../../src/approved-state/index.js';
import type { JsonObject } from '../../src/canonical/index.js';
import { flagSchema, segmentSchema, type FeatBitFlag, type FeatBitSegment, type RestFlag } from '../../src/featbit/model/index.js';
import { FeatBitNotFoundError, updateFlagWithRevision, type FeatBitRestClient } from '../../src/featbit/rest-client/index.js';
import { ActorKind, type Actor } from '../../src/ledger/ledger-entry.js';
import type { LedgerStore } from '../../src/ledger/ledger-store.js';
import { LedgerEventType } from '../../src/ledger/ledger-event-type.js';
import type { Logger } from '../../src/logging/index.js';
import { silentLogger } from '../../src/logging/index.js';
import { EnvironmentStrictness, resolveGovernedFlag, type Policy } from '../../policies/index.js';
import type { JobHandler } from '../queue/job-queue.js';
import { flagJob, JobTargetKind, TriggerSource, type ReconcileJob } from '../queue/reconcile-job.js';
import type { TriggerSink } from '../receiver/webhook-router.js';
import { NotificationKind, type Notifier } from '../notifier/notification.js';
import type { ApprovedStateReader, ProposalOpener } from './bridge-ports.js';
import { EditVerdictKind, judgeEdit, type EditVerdict } from './edit-verdict.js';
import {
  baselineOnlyConfiguration,
  exposesOnlyBaseline,
  flagsEqual,
  referencedSegmentIds,
  resolveBaselineVariationId,
  segmentsEqual,
} from './flag-config.js';
import { planRevert } from './revert-plan.js';
import { approvedStatePayload } from './approved-state-payload.js';
import { editFingerprint } from './edit-fingerprint.js';

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
  readonly notifier?: Notifier;
  /** featgate's own actor in the ledger; its FeatBit token name is skipped when looking for the editor. */
  readonly serviceActor?: Actor;
  /** Name of featgate's FeatBit access token (the operator FeatBit records for featgate's writes). */
  readonly serviceOperatorName?: string;
  readonly logger?: Logger;
  readonly now?: () => Date;
}

/** What one flag job did, for logs and tests. */
export enum ReconcileOutcome {
  Ungoverned = 'ungoverned',
  Missing = 'missing',
  Equal = 'equal',
  Adopted = 'adopted',
  Accepted = 'accepted',
  Reverted = 'reverted',
  Observed = 'observed',
}

const FEATGATE_ACTOR: Actor = { id: 'featgate', kind: ActorKind.Service };

/**
 * Builds the job handler of the webhook bridge. For a flag job it re-reads the flag and its segments from FeatBit,
 * compares them with the approved state and lets the policy decide (DESIGN invariants 2-4):
 * - equal → nothing; safe direction or descriptive-only → accepted, the approved state follows, ledger records it;
 * - anything else → reverted with the current revision (re-planned on 409), ledger records who edited what and what
 *   was restored, a proposal is opened with the operator as requester, and a notification goes out;
 * - a governed flag featgate has no approved state for is adopted when it exposes only its baseline, otherwise
 *   converged to baseline-only and proposed.
 * A segment job fans out to flag jobs for every governed flag whose approved configuration references the segment.
 */
export function createReconcileHandler(deps: ReconcileWorkerDeps): JobHandler & { reconcileFlag(job: ReconcileJob): Promise<ReconcileOutcome> } {
  const logger = deps.logger ?? silentLogger;
  const now = deps.now ?? (() => new Date());
  const serviceActor = deps.serviceActor ?? FEATGATE_ACTOR;

  const fetchSegments = async (envId: string, ids: readonly string[]): Promise<FeatBitSegment[]> => {
    const segments: FeatBitSegment[] = [];
    for (const id of ids) {
      try {
        segments.push(segmentSchema.parse(await deps.featbit.getSegment(envId, id)));
      } catch (error) {
        if (!(error instanceof FeatBitNotFoundError)) throw error;
      }
    }
    return segments;
  };

  const findOperator = async (envId: string, live: RestFlag, job: ReconcileJob): Promise<string> => {
    try {
      const page = await deps.featbit.listAuditLogs(envId, { refId: live.id, refType: 'FeatureFlag', pageSize: 5 });
      const entry = page.items.find((item) => item.creatorName && item.creatorName !== deps.serviceOperatorName);
      if (entry?.creatorName) return entry.creatorName;
    } catch (error) {
      logger.warn({ envId, flagKey: live.key, err: (error as Error).message }, 'audit log unavailable; using the webhook operator');
    }
    return job.operator ?? 'unknown FeatBit operator';
  };

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
    const subject = `flag:${job.envId}/${live.key}`;
    const actor: Actor = { id: operator, kind: ActorKind.FeatBitOperator };
    await append(LedgerEventType.EditAccepted, actor, subject, {
      envId: job.envId,
      flagKey: live.key,
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

  const revertEdit = async (
    job: ReconcileJob,
    approved: ApprovedFlagState,
    live: RestFlag,
    liveSegments: readonly FeatBitSegment[],
    verdict: EditVerdict,
    operator: string,
    enforce: boolean,
  ): Promise<ReconcileOutcome> => {
    const subject = `flag:${job.envId}/${live.key}`;
    const editor: Actor = { id: operator, kind: ActorKind.FeatBitOperator };
    const edited = flagSchema.parse(live);
    const { changeKey, reused } = await deps.proposals.openProposal({
      envId: job.envId,
      flagKey: live.key,
      surface: approved.surface,
      owner: approved.owner,
      requester: operator,
      approved,
      edited,
      editedSegments: liveSegments,
      changes: verdict.changes,
      fingerprint: editFingerprint(job.envId, approved, edited, liveSegments),
    });
    if (reused && !enforce) return ReconcileOutcome.Observed;

    await append(LedgerEventType.EditIntercepted, editor, subject, {
      envId: job.envId,
      flagKey: live.key,
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
    let revision = live.revision;
    let writes = 0;
    const restoredSegments: string[] = [];
    if (enforce) {
      const comment = `featgate: restored approved state (edit by ${operator} needs approval)`;
      for (const segment of approved.segments) {
        const current = liveSegments.find((candidate) => candidate.id === segment.id);
        if (current && !segmentsEqual(current, segment)) {
          await deps.featbit.updateSegmentTargeting(job.envId, segment.id, {
            included: segment.included,
            excluded: segment.excluded,
            rules: segment.rules,
            comment,
          });
          restoredSegments.push(segment.id);
        }
      }
      let toggleTo: boolean | undefined;
      const result = await updateFlagWithRevision(deps.featbit, job.envId, live.key, (fresh) => {
        const plan = planRevert(fresh, approved.flag, comment);
        toggleTo = plan.toggleTo;
        return plan.writes;
      });
      revision = result.revision;
      writes = result.writes;
      if (toggleTo !== undefined) {
        revision = await deps.featbit.toggle(job.envId, live.key, toggleTo, comment);
        writes += 1;
      }
    }
    if (enforce) {
      await append(LedgerEventType.EditReverted, serviceActor, subject, {
        envId: job.envId,
        flagKey: live.key,
        operator,
        restoredVersion: approved.version,
        ...(approved.changeKey ? { restoredChangeKey: approved.changeKey } : {}),
        revision,
        writes,
        restoredSegments,
        proposal: changeKey,
      });
      await deps.notifier?.notify({
        kind: NotificationKind.EditReverted,
        subject,
        text: `featgate reverted an unapproved edit of ${live.key} (${job.envId}) by ${operator}: ${verdict.changes.join(', ')}. Proposal ${changeKey} is open for review.`,
      });
    }
    logger.info({ envId: job.envId, flagKey: live.key, operator, changeKey, writes, enforce }, enforce ? 'reverted unapproved edit' : 'observed unapproved edit');
    return enforce ? ReconcileOutcome.Reverted : ReconcileOutcome.Observed;
  };

  const handleUnapprovedFlag = async (
    job: ReconcileJob,
    live: RestFlag,
    resolution: { surface: ApprovedFlagState['surface']; owner: string; baselineVariation: string },
    enforce: boolean,
  ): Promise<ReconcileOutcome> => {
    const baselineVariationId = resolveBaselineVariationId(live, resolution.baselineVariation);
    if (!baselineVariationId) {
      throw new Error(`flag ${live.key} in ${job.envId} has no variation named ${resolution.baselineVariation}, the policy's baseline`);
    }
    const flag = flagSchema.parse(live);
    const segments = await fetchSegments(job.envId, referencedSegmentIds(flag));
    const adoptedFlag = exposesOnlyBaseline(flag, baselineVariationId) ? flag : baselineOnlyConfiguration(flag, baselineVariationId);
    const state: ApprovedFlagState = {
      envId: job.envId,
      flagKey: live.key,
      flag: adoptedFlag,
      segments: adoptedFlag === flag ? segments : [],
      baselineVariationId,
      surface: resolution.surface,
      owner: resolution.owner,
      approvedAt: now().toISOString(),
      approvedBy: serviceActor.id,
      version: 0,
    };
    const subject = `flag:${job.envId}/${live.key}`;
    await append(LedgerEventType.FlagAdopted, serviceActor, subject, approvedStatePayload(LedgerEventType.FlagAdopted, state));
    if (adoptedFlag === flag) return ReconcileOutcome.Adopted;
    const approved = (await deps.approvedStates.get(job.envId, live.key)) ?? state;
    const operator = await findOperator(job.envId, live, job);
    const verdict = judgeEdit({ approved: approved.flag, live: flag, baselineVariationId, segmentsBefore: approved.segments, segmentsAfter: segments });
    return revertEdit(job, approved, live, segments, { ...verdict, kind: EditVerdictKind.Unauthorized }, operator, enforce);
  };

  const reconcileFlag = async (job: ReconcileJob): Promise<ReconcileOutcome> => {
    if (job.target.kind !== JobTargetKind.Flag) throw new Error('reconcileFlag needs a flag job');
    const policy = deps.policy();
    let live: RestFlag;
    try {
      live = await deps.featbit.getFlag(job.envId, job.target.flagKey);
    } catch (error) {
      if (error instanceof FeatBitNotFoundError) return ReconcileOutcome.Missing;
      throw error;
    }
    const resolution = resolveGovernedFlag(policy, job.envId, live);
    if (!resolution.governed) return ReconcileOutcome.Ungoverned;
    const enforce = resolution.environment.strictness === EnvironmentStrictness.Enforce;
    const approved = await deps.approvedStates.get(job.envId, live.key);
    if (!approved) return handleUnapprovedFlag(job, live, resolution, enforce);
    const liveFlag = flagSchema.parse(live);
    const segmentIds = [...new Set([...referencedSegmentIds(liveFlag), ...approved.segments.map((segment) => segment.id)])];
    const liveSegments = await fetchSegments(job.envId, segmentIds);
    const segmentsUnchanged = approved.segments.every((segment) => {
      const current = liveSegments.find((candidate) => candidate.id === segment.id);
      return current !== undefined && segmentsEqual(current, segment);
    });
    if (flagsEqual(liveFlag, approved.flag) && segmentsUnchanged) return ReconcileOutcome.Equal;
    const verdict = judgeEdit({
      approved: approved.flag,
      live: liveFlag,
      baselineVariationId: approved.baselineVariationId,
      segmentsBefore: approved.segments,
      segmentsAfter: liveSegments,
    });
    if (verdict.kind === EditVerdictKind.Equal) return ReconcileOutcome.Equal;
    const operator = await findOperator(job.envId, live, job);
    if (verdict.kind === EditVerdictKind.Unauthorized) return revertEdit(job, approved, live, liveSegments, verdict, operator, enforce);
    await acceptEdit(job, approved, liveFlag, liveSegments.filter((segment) => segmentIds.includes(segment.id)), verdict, operator);
    logger.info({ envId: job.envId, flagKey: live.key, operator, verdict: verdict.kind }, 'accepted edit');
    return ReconcileOutcome.Accepted;
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
