import { resolveGovernedFlag, type GovernedFlagResolution } from '../../policies/index.js';
import { ApprovedStateHistory, recordApprovedState, successorState } from '../approved-state/index.js';
import type { ApprovedFlagState } from '../approved-state/model/index.js';
import {
  ChangeStatus,
  durationMs,
  ReviewDecision,
  type ChangedFlag,
  type ChangeRecord,
  type StageAudienceBinding,
} from '../changes/model/index.js';
import { isRedactedValue, redactSecrets } from '../redaction/index.js';
import type { JsonValue } from '../canonical/index.js';
import { contentHash } from '../canonical/index.js';
import { ConflictError, PolicyViolationError } from '../errors/index.js';
import type { FeatBitFlag, FeatBitSegment, Variation } from '../featbit/model/index.js';
import type { FeatBitRestClient } from '../featbit/rest-client/index.js';
import { actorOf, Role, type Principal } from '../identity/index.js';
import { LedgerEventType, type Actor } from '../ledger/index.js';
import { convertFeatBitValue, requestedTypeOf } from '@featgate/openfeature/manifest';
import { changeSubject, flagSubject } from '../ledger-events/index.js';
import type { ChangeRecordFields, LoadedChangeRecordState } from '../changes/projection/index.js';
import type { GuardrailBreach } from '../exposure/model/index.js';
import type { ChangeService, ChangeView, ApplyStageRequest, ReasonRequest, ResumeRequest } from '../changes/index.js';
import { countedEvidence, isAuthor, assess, DecisionStatus, secretKeyMatcherOf } from '../changes/index.js';
import type { ProposalState } from '../proposals/model/index.js';
import { SwitchedOffFlag, writeFlagConfiguration } from './configuration-writes.js';
import { assertStageAllowed } from './stage-checks.js';
import { rolloutSplit, stageTargeting, targetingOf } from './stage-targeting.js';
import { newVariation } from './variation-values.js';
import { writeProposalConfiguration } from './proposal-release.js';
import type { WorkflowContext } from '../projections/index.js';

/** A governed flag of a change, resolved against the policy and the approved state. */
interface ReleaseTarget {
  readonly flag: ChangedFlag;
  readonly governance: GovernedFlagResolution;
  readonly approved: ApprovedFlagState;
}

/** How a stage is requested: by a person, or by featgate's auto-advance of a stage that says `advance: auto`. */
export interface StageRequestOrigin {
  /** Set by the auto-advance scheduler: the stage the change must still be at; the ramp-role check is the approval's. */
  readonly automaticFrom?: number;
}

/**
 * The release side of the workflow. featgate writes FeatBit as its own service identity (its access token),
 * through revision-guarded PUTs that re-read and re-plan on 409, then appends the approved-state event of each
 * flag so the approved state and the manifest advance, then the stage event. Every step runs under the
 * change's lock and the lock of each flag it touches. Guardrails, auto-advance and break-glass are later
 * additions: they append the same hold/stage events through these methods.
 */
export class ReleaseService {
  constructor(
    private readonly context: WorkflowContext,
    private readonly changes: ChangeService,
  ) {}

  /**
   * Applies the next stage (or the named one, 1-based) of an approved change, after the stage checks
   * (`assertStageAllowed`: in the plan, not held, minimum duration passed, guardrails healthy, expansion evidence)
   * and separation of duties (the tier's ramp roles; the requester may not ramp when the tier says so).
   */
  async applyStage(
    principal: Principal,
    key: string,
    request: ApplyStageRequest,
    origin: StageRequestOrigin = {},
  ): Promise<ChangeView> {
    return this.withRelease(key, async (state) => {
      if (
        origin.automaticFrom !== undefined &&
        (state.stageIndex !== origin.automaticFrom || state.status !== ChangeStatus.Releasing)
      )
        return undefined;
      if (state.status === ChangeStatus.Held)
        throw new ConflictError(
          `the release of ${key} is held (${state.statusReason ?? 'no reason given'}); resume it before ramping`,
        );
      if (state.status !== ChangeStatus.Approved && state.status !== ChangeStatus.Releasing) {
        throw new ConflictError(`change ${key} is ${state.status}; only approved changes are released`);
      }
      const policy = this.context.deps.policy();
      const { evaluation, decision } = assess(state, policy, this.context.identities);
      if (decision.status !== DecisionStatus.Approved) {
        throw Object.assign(new PolicyViolationError(`change ${key} is not approved: ${decision.reasons.join('; ')}`), {
          missing: decision.missing,
        });
      }
      const stages = state.record.release.stages;
      const next = (state.stageIndex ?? -1) + 1;
      const index = request.stage !== undefined ? request.stage - 1 : next;
      if (origin.automaticFrom !== undefined) {
        if (stages[origin.automaticFrom]?.advance !== 'auto' || index !== origin.automaticFrom + 1) {
          throw new ConflictError(`stage ${origin.automaticFrom + 1} of ${key} does not advance automatically`);
        }
      } else {
        const rampRoles = evaluation.exposure.rampRoles;
        if (rampRoles.length > 0 && !principal.roles.some((role) => rampRoles.includes(role) || role === Role.Admin)) {
          throw new PolicyViolationError(
            `the ${evaluation.tier} tier is ramped by ${rampRoles.join(' or ')}; ${principal.id} holds ${principal.roles.join(', ') || 'no roles'}`,
          );
        }
        if (!evaluation.exposure.requesterMayRamp && isAuthor(state.record, principal, this.context.identities)) {
          const identities = this.context.identities;
          const verb =
            identities.personOfPrincipal(principal) === identities.personOf(state.record.requester)
              ? 'requested'
              : 'is an author of';
          throw new PolicyViolationError(
            `${principal.id} ${verb} ${key} and may not ramp it: the ${evaluation.tier} tier needs another person to apply its stages`,
          );
        }
      }
      const now = this.context.deps.now?.() ?? new Date();
      if (state.stageIndex === undefined && evaluation.exposure.approvalLifetime) {
        const approvedAt = Math.max(
          ...state.reviews
            .filter(
              (review) => review.decision === ReviewDecision.Approve && decision.approvedBy.includes(review.reviewer),
            )
            .map((review) => Date.parse(review.at)),
        );
        const expiresAt = approvedAt + durationMs(evaluation.exposure.approvalLifetime);
        if (Number.isFinite(expiresAt) && now.getTime() > expiresAt) {
          throw new ConflictError(
            `the approval of ${key} expired at ${new Date(expiresAt).toISOString()} (the ${evaluation.tier} tier's approvals last ${evaluation.exposure.approvalLifetime}); ` +
              'it was not released in time, so it needs its reviews again (an edit re-opens it)',
          );
        }
      }
      assertStageAllowed({
        state,
        index,
        evaluation,
        now,
        evidence: countedEvidence(state, this.context.identities, evaluation.evalBars),
      });
      const stage = stages[index]!;
      const actor = actorOf(principal);
      const comment = `featgate: ${key} stage ${index + 1} (${stage.name}, ${stage.percentage}%)${request.comment ? `: ${request.comment}` : ''}`;
      const proposal = this.context.deps.projections.proposal(key);
      const targets = this.targets(state.record);
      for (const target of targets) assertNotUnderBreakGlass(target, key, 'stage');
      for (const target of targets) assertBaseUnmoved(target, key, state.stageIndex, proposal);
      const last = index === stages.length - 1;
      for (const target of targets) {
        // A proposal's last stage writes the FeatBit edit back exactly as it was made; its ramp stages before that
        // (see proposalPlan) put the edited candidate value on the stage's share, like any change.
        if (proposal && proposal.flagKey === target.flag.key && proposal.envId === target.approved.envId && last) {
          const segments = await writeProposalConfiguration(this.featbitClient(), proposal, comment);
          await this.setApproved(
            actor,
            target.approved,
            proposal.edited,
            { changeKey: key, stageIndex: index },
            principal.id,
            segments,
          );
          continue;
        }
        const staged =
          proposal && proposal.flagKey === target.flag.key
            ? { ...target, flag: withoutVariationId(target.flag) }
            : target;
        const binding = target.flag.stageAudiences?.find((one) => one.stage === index);
        const {
          flag: approvedFlag,
          candidateVariationId,
          everyone,
        } = await this.writeStage(staged, key, stage.percentage, stage.audience, comment, binding);
        // A completed change whose last stage serves its candidate to everyone makes the candidate the baseline (invariant 9).
        const baselineVariationId = last && everyone && stage.percentage >= 100 ? candidateVariationId : undefined;
        await this.setApproved(
          actor,
          target.approved,
          approvedFlag,
          { changeKey: key, stageIndex: index },
          principal.id,
          target.approved.segments,
          baselineVariationId,
        );
      }
      const subject = changeSubject(key);
      await this.context.append(LedgerEventType.StageApplied, actor, subject, {
        changeKey: key,
        stageIndex: index,
        percentage: stage.percentage,
      });
      if (index === stages.length - 1)
        await this.context.append(LedgerEventType.ReleaseCompleted, actor, subject, { changeKey: key });
      return undefined;
    });
  }

  /** Pauses ramping; the applied stage stays live. `breach` names the guardrail metric value when one held it. */
  async hold(principal: Principal, key: string, request: ReasonRequest, breach?: GuardrailBreach): Promise<ChangeView> {
    return this.withRelease(key, async (state) => {
      if (state.status !== ChangeStatus.Releasing)
        throw new ConflictError(`change ${key} is ${state.status}; only a releasing change can be held`);
      await this.context.append(LedgerEventType.ReleaseHeld, actorOf(principal), changeSubject(key), {
        changeKey: key,
        reason: request.reason,
        ...(breach ? { metric: breach.metric, breach } : {}),
      });
      return undefined;
    });
  }

  /** Resumes a held release. */
  async resume(principal: Principal, key: string, request: ResumeRequest): Promise<ChangeView> {
    return this.withRelease(key, async (state) => {
      if (state.status !== ChangeStatus.Held)
        throw new ConflictError(`change ${key} is ${state.status}; only a held release can be resumed`);
      await this.context.append(LedgerEventType.ReleaseResumed, actorOf(principal), changeSubject(key), {
        changeKey: key,
        ...(request.comment ? { reason: request.comment } : {}),
      });
      return undefined;
    });
  }

  /**
   * Rolls back to the plan's rollback value (`rollbackValue`, the baseline when absent), in one FeatBit targeting
   * write per flag: when the rollback value is the baseline, the targeting approved before the change's first
   * stage comes back (so audiences the change never touched keep what they had); when the plan names another
   * value, the variation holding it serves everyone (the first stage created it when FeatBit lacked it). Variations
   * stay as they are (the candidate stays defined but unserved and ungranted), which is what keeps it one write.
   * Only when no variation holds the rollback value (a redacted secret featgate could not create) is the whole
   * approved configuration from before the change written back. The result
   * becomes the approved state; `breach` names the guardrail metric value when a guardrail rolled it back.
   */
  async rollback(
    principal: Principal,
    key: string,
    request: ReasonRequest,
    breach?: GuardrailBreach,
  ): Promise<ChangeView> {
    return this.withRelease(key, async (state) => {
      const allowed = [ChangeStatus.Approved, ChangeStatus.Releasing, ChangeStatus.Held, ChangeStatus.Completed];
      if (!allowed.includes(state.status))
        throw new ConflictError(`change ${key} is ${state.status}; there is nothing to roll back`);
      const actor = actorOf(principal);
      const served: { flagKey: string; variationId: string }[] = [];
      const targets = this.targets(state.record, false);
      for (const target of targets) assertNotUnderBreakGlass(target, key, 'rollback');
      for (const target of targets) {
        if (!target.approved || target.approved.changeKey !== key) continue;
        const baseline = await this.stateBefore(target.approved, key);
        if (!baseline)
          throw new ConflictError(
            `no approved state of ${target.flag.key} before ${key} is recorded; cannot roll back`,
          );
        const { flag, variationId } = this.rollbackConfiguration(target, baseline);
        await writeFlagConfiguration(
          this.featbitClient(),
          target.approved.envId,
          target.flag.key,
          flag,
          `featgate: roll back ${key}: ${request.reason}`,
          SwitchedOffFlag.KeepOff,
        );
        await this.setApproved(
          actor,
          baseline,
          flag,
          { changeKey: baseline.changeKey, stageIndex: baseline.stageIndex },
          principal.id,
        );
        served.push({ flagKey: target.flag.key, variationId });
      }
      await this.context.append(LedgerEventType.ReleaseRolledBack, actor, changeSubject(key), {
        changeKey: key,
        reason: request.reason,
        ...(breach ? { breach } : {}),
        served,
      });
      return undefined;
    });
  }

  /** The configuration a rollback writes for one flag, and the variation it serves where the change had reached. */
  private rollbackConfiguration(
    target: ReleaseTarget,
    baseline: ApprovedFlagState,
  ): { flag: FeatBitFlag; variationId: string } {
    const current = target.approved.flag;
    const wanted = target.flag.rollbackValue ?? target.flag.baseline;
    const holders = current.variations.filter((variation) => this.sameValue(current, variation, wanted));
    const variation = holders.find((holder) => holder.id === baseline.baselineVariationId) ?? holders[0];
    if (!variation) return { flag: baseline.flag, variationId: baseline.baselineVariationId };
    if (variation.id === baseline.baselineVariationId)
      return { flag: { ...current, ...targetingOf(baseline.flag) }, variationId: variation.id };
    const everyone = rolloutSplit(variation.id, variation.id, 100);
    return {
      flag: {
        ...current,
        targetUsers: [],
        rules: current.rules.map((rule) => ({ ...rule, variations: everyone })),
        fallthrough: { ...current.fallthrough, variations: everyone },
      },
      variationId: variation.id,
    };
  }

  private async withRelease(
    key: string,
    fn: (state: LoadedChangeRecordState) => Promise<undefined>,
  ): Promise<ChangeView> {
    await this.context.deps.projections.catchUp();
    const before = this.context.deps.projections.changes.changes.get(key);
    const flagLocks = before ? this.flagLockNames(before.record) : [];
    await this.changes.withChange(
      key,
      async (state) => {
        const current = this.flagLockNames(state.record);
        if (current.join('\n') !== flagLocks.join('\n'))
          throw new ConflictError(`change ${key} changed its flags meanwhile; try again`);
        return fn(await this.context.deps.projections.loaded(state));
      },
      flagLocks,
    );
    return await this.changes.view(key);
  }

  private flagLockNames(record: ChangeRecordFields): string[] {
    const policy = this.context.deps.policy();
    return record.flags
      .map((flag) => {
        const resolution = resolveGovernedFlag(policy, record.environment, { key: flag.key });
        return flagSubject(resolution.environment?.id ?? record.environment, flag.key);
      })
      .sort();
  }

  /** Resolves every flag of a change; with `strict`, a flag that is not governed or has no baseline is refused. */
  private targets(record: ChangeRecord, strict = true): ReleaseTarget[] {
    const policy = this.context.deps.policy();
    const targets: ReleaseTarget[] = [];
    for (const flag of record.flags) {
      const governance = resolveGovernedFlag(policy, record.environment, { key: flag.key });
      if (!governance.governed) {
        if (strict)
          throw new ConflictError(
            `flag ${flag.key} is not governed in ${record.environment} (${governance.reason}); the policy must name it`,
          );
        continue;
      }
      const approved = this.context.deps.projections.approved(governance.environment.id, flag.key);
      if (!approved) {
        if (strict)
          throw new ConflictError(
            `flag ${flag.key} has no approved baseline in ${governance.environment.name}; adopt it first`,
          );
        continue;
      }
      targets.push({ flag, governance, approved });
    }
    return targets;
  }

  private featbitClient(): FeatBitRestClient {
    const featbit = this.context.deps.featbit;
    if (!featbit)
      throw new ConflictError(
        'FeatBit is not configured (FEATBIT_API_URL, FEATBIT_ACCESS_TOKEN); releases cannot be applied',
      );
    return featbit;
  }

  /** Writes one stage of one flag to FeatBit and returns the flag configuration that is now approved. */
  private async writeStage(
    target: ReleaseTarget,
    key: string,
    percentage: number,
    audience: string,
    comment: string,
    binding: StageAudienceBinding | undefined,
  ): Promise<{ flag: FeatBitFlag; candidateVariationId: string; everyone: boolean }> {
    const approvedFlag = target.approved.flag;
    const existing = this.candidateVariation(approvedFlag, target.flag);
    const candidate = existing ?? this.createCandidate(approvedFlag, target.flag, key);
    const withCandidate = existing ? approvedFlag.variations : [...approvedFlag.variations, candidate];
    const rollback = this.missingRollbackVariation({ ...approvedFlag, variations: withCandidate }, target.flag, key);
    const variations = rollback ? [...withCandidate, rollback] : withCandidate;
    const { targeting, slot } = stageTargeting({
      baseline: approvedFlag,
      baselineVariationId: target.approved.baselineVariationId,
      candidateVariationId: candidate.id,
      percentage,
      audience,
      ...(binding ? { binding: { ...binding, segments: target.approved.segments } } : {}),
    });
    const next: FeatBitFlag = { ...approvedFlag, variations, ...targeting };
    await writeFlagConfiguration(
      this.featbitClient(),
      target.approved.envId,
      target.flag.key,
      next,
      comment,
      SwitchedOffFlag.Refuse,
    );
    return { flag: next, candidateVariationId: candidate.id, everyone: slot.kind === 'default-rule' };
  }

  private async setApproved(
    actor: Actor,
    previous: ApprovedFlagState,
    flag: FeatBitFlag,
    origin: { changeKey?: string | undefined; stageIndex?: number | undefined },
    approvedBy: string,
    segments?: readonly FeatBitSegment[],
    baselineVariationId?: string,
  ): Promise<void> {
    const state = successorState(previous, {
      flag,
      origin,
      approvedAt: this.context.nowIso(),
      approvedBy,
      ...(segments !== undefined ? { segments } : {}),
      ...(baselineVariationId !== undefined ? { baselineVariationId } : {}),
    });
    await recordApprovedState(this.context.deps.ledger, { type: LedgerEventType.ApprovedStateSet, actor, state });
  }

  /** The variation that carries the change's candidate: named by id, or equal in value (compared after redaction). */
  private candidateVariation(flag: FeatBitFlag, changed: ChangedFlag): Variation | undefined {
    if (changed.candidateVariationId) {
      const named = flag.variations.find((variation) => variation.id === changed.candidateVariationId);
      if (!named) throw new ConflictError(`flag ${flag.key} has no variation ${changed.candidateVariationId}`);
      if (!this.sameValue(flag, named, changed.candidate)) {
        throw new ConflictError(`variation ${named.id} of ${flag.key} does not hold the approved candidate value`);
      }
      return named;
    }
    return flag.variations.find((variation) => this.sameValue(flag, variation, changed.candidate));
  }

  /**
   * The variation a stage adds so the plan's rollback value exists in FeatBit before it is needed: a rollback then
   * only moves targeting (one write). None when no rollback value is planned, a variation already holds it, or it
   * holds secrets featgate does not keep (the rollback then writes the configuration from before the change).
   */
  private missingRollbackVariation(flag: FeatBitFlag, changed: ChangedFlag, key: string): Variation | undefined {
    const wanted = changed.rollbackValue;
    if (wanted === undefined || containsRedacted(wanted)) return undefined;
    if (flag.variations.some((variation) => this.sameValue(flag, variation, wanted))) return undefined;
    return newVariation(flag, wanted, `${key}-rollback`);
  }

  private createCandidate(flag: FeatBitFlag, changed: ChangedFlag, key: string): Variation {
    if (containsRedacted(changed.candidate)) {
      throw new ConflictError(
        `the candidate of ${flag.key} holds secret values featgate does not keep; create its variation in FeatBit and name it with candidateVariationId`,
      );
    }
    return newVariation(flag, changed.candidate, key);
  }

  private sameValue(flag: FeatBitFlag, variation: Variation, approved: JsonValue): boolean {
    const converted = convertFeatBitValue(variation.value, requestedTypeOf(flag.variationType));
    if (!converted.convertible) return false;
    const matcher = secretKeyMatcherOf(this.context.deps.policy());
    const key = this.context.deps.redactionKey;
    return (
      contentHash(redactSecrets(converted.value, matcher, key)) === contentHash(redactSecrets(approved, matcher, key))
    );
  }

  /** The approved state of the flag recorded last before the change's first stage touched it. */
  private async stateBefore(current: ApprovedFlagState, key: string): Promise<ApprovedFlagState | undefined> {
    let before: ApprovedFlagState | undefined;
    for await (const state of new ApprovedStateHistory(this.context.deps.ledger).of(current.envId, current.flagKey)) {
      if (state.changeKey === key) return before;
      before = state;
    }
    return before;
  }
}

/**
 * Refuses to build on an emergency configuration: while a break-glass use serves one value to everyone, its state
 * was never reviewed, and a stage or rollback written on top of it would carry the emergency value into an
 * approved state that outlives the break-glass. Nothing of the change is served meanwhile (the emergency value
 * is), so waiting loses nothing; the break-glass's exit restores the state the change left.
 */
function assertNotUnderBreakGlass(target: ReleaseTarget, key: string, action: 'stage' | 'rollback'): void {
  const id = target.approved.breakGlassId;
  if (id === undefined) return;
  throw new ConflictError(
    `${target.flag.key} is under break-glass ${id}: its emergency configuration serves everyone and was never reviewed, so no ${action} of ${key} is written over it; ` +
      'it waits until the break-glass ends (expiry, POST /v1/break-glass/{id}/end or its post-review), which restores the approved state before it',
  );
}

/**
 * Refuses to write over a newer approved state (invariant 9). Before a change's first stage the flag's approved
 * state must still be the one its record was based on (same producing change and baseline; a proposal needs the
 * exact version it was an edit of); during its release no other change may have taken the flag over. The 409
 * names the change (or adoption) that moved it.
 */
function assertBaseUnmoved(
  target: ReleaseTarget,
  key: string,
  stageIndex: number | undefined,
  proposal: ProposalState | undefined,
): void {
  const approved = target.approved;
  const mover =
    approved.changeKey !== undefined ? `change ${approved.changeKey}` : 'an adoption or accepted FeatBit edit';
  if (stageIndex !== undefined) {
    if (approved.changeKey !== undefined && approved.changeKey !== key) {
      throw new ConflictError(
        `${target.flag.key} is now approved from ${mover} (version ${approved.version}); ${key} would write over it`,
      );
    }
    return;
  }
  if (proposal && proposal.flagKey === target.flag.key && proposal.envId === approved.envId) {
    if (proposal.approvedVersion !== approved.version) {
      throw new ConflictError(
        `proposal ${key} is an edit of approved version ${proposal.approvedVersion} of ${target.flag.key}, but ${mover} moved it to version ${approved.version}; ` +
          'applying it would write the old edit over that change. Withdraw it and propose the edit again',
      );
    }
    return;
  }
  const basedOn = target.flag.basedOn;
  if (!basedOn) return;
  if (
    basedOn.version !== approved.version &&
    (basedOn.changeKey !== approved.changeKey || basedOn.baselineVariationId !== approved.baselineVariationId)
  ) {
    throw new ConflictError(
      `${key} is based on approved version ${basedOn.version} of ${target.flag.key}, but ${mover} moved it to version ${approved.version}; ` +
        'edit the change so it is based on what is approved now (it is reviewed again)',
    );
  }
}

function containsRedacted(value: JsonValue): boolean {
  if (isRedactedValue(value)) return true;
  if (Array.isArray(value)) return value.some(containsRedacted);
  if (value !== null && typeof value === 'object') return Object.values(value).some(containsRedacted);
  return false;
}

/**
 * A proposal's candidate by value only: the variation the edit made or changed may not exist in the approved
 * configuration (or holds other content there), so a ramp stage finds or adds a variation holding that value.
 */
function withoutVariationId(flag: ChangedFlag): ChangedFlag {
  const { candidateVariationId: _ignored, ...rest } = flag;
  return rest;
}
