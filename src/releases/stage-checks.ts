import type { Evaluation } from '../../policies/index.js';
import type { EvidenceType } from '../changes/model/index.js';
import {
  breaks,
  ChangeStatus,
  thresholdConditions,
  durationMs,
  EvidenceResult,
  GuardrailAction,
  type EvidenceItem,
} from '../changes/model/index.js';
import { ConflictError, PolicyViolationError } from '../errors/index.js';
import type { LoadedChangeRecordState } from '../changes/projection/index.js';

/** What a stage request is checked against. */
export interface StageCheckInput {
  readonly state: LoadedChangeRecordState;
  /** The requested stage, 0-based. */
  readonly index: number;
  readonly evaluation: Evaluation;
  readonly now: Date;
  /**
   * The evidence that counts (`countedEvidence`: bound to the revision and candidate, attached by a service or a
   * non-author). Without it only attached evidence with a passed result counts, never the record's own.
   */
  readonly evidence?: readonly EvidenceItem[];
}

/**
 * Refuses a stage the release plan does not allow right now, with the reason (thrown as ConflictError, or
 * PolicyViolationError for missing evidence):
 * - a stage the plan does not contain, or one that skips a stage or goes back;
 * - a ramp while the release is held;
 * - a wider stage before the applied stage's minimum duration has passed (counted from the ledger time of its
 *   `release.stage-applied` entry);
 * - a wider stage while the latest value of any guardrail metric breaks its `holdIf` condition (a resumed release
 *   still needs healthy signals before it widens);
 * - exposure beyond the first stage without the tier's `expansion` evidence.
 * Re-applying the current stage (idempotent) is only checked for existence and hold.
 */
export function assertStageAllowed(input: StageCheckInput): void {
  const { state, index, now } = input;
  const key = state.key;
  const stages = state.record.release.stages;
  const current = state.stageIndex ?? -1;
  if (index < 0 || index >= stages.length) {
    const names = stages.map((stage, position) => `${position + 1} ${stage.name}`).join(', ');
    throw new ConflictError(
      `stage ${index + 1} is not in the release plan of ${key}; the plan has ${stages.length} stage(s): ${names}`,
    );
  }
  if (state.status === ChangeStatus.Held) {
    throw new ConflictError(
      `the release of ${key} is held (${state.statusReason ?? 'no reason given'}); resume it before ramping`,
    );
  }
  if (index > current + 1)
    throw new ConflictError(
      `stage ${index + 1} cannot be applied before stage ${current + 2} (${stages[current + 1]!.name})`,
    );
  if (index < current)
    throw new ConflictError(`stage ${index + 1} is behind the applied stage ${current + 1}; roll back instead`);
  if (index === current) return;
  if (current >= 0) {
    const applied = stages[current]!;
    const appliedAt = state.stageAppliedAt ? Date.parse(state.stageAppliedAt) : Number.NaN;
    const earliest = appliedAt + durationMs(applied.minDuration);
    if (!Number.isNaN(appliedAt) && now.getTime() < earliest) {
      throw new ConflictError(
        `stage ${current + 1} (${applied.name}) must run at least ${applied.minDuration} before stage ${index + 1}; ` +
          `it was applied at ${state.stageAppliedAt}, so stage ${index + 1} may be applied from ${new Date(earliest).toISOString()}`,
      );
    }
  }
  const breaches = latestBreaches(state);
  if (breaches.length > 0) {
    throw new ConflictError(
      `a guardrail holds the release of ${key}: ${breaches.join('; ')}; ramping waits for healthy signals`,
    );
  }
  if (index > 0) {
    const missing = missingExpansionEvidence(input);
    if (missing.length > 0) {
      throw Object.assign(
        new PolicyViolationError(
          `exposure beyond the first stage of ${key} needs passed evidence of ${missing.map((anyOf) => anyOf.join(' or ')).join(', and of ')}`,
        ),
        { missing: { evidence: missing.map((anyOf) => ({ anyOf, phase: 'expansion' })) } },
      );
    }
  }
}

/** The holdIf conditions the change's latest signals break, in words. */
export function latestBreaches(state: Pick<LoadedChangeRecordState, 'signals' | 'record'>): string[] {
  const signals = state.signals ?? {};
  return thresholdConditions(state.record.release.holdIf)
    .filter((condition) => {
      const latest = signals[condition.metric];
      return latest !== undefined && breaks(condition, latest.value);
    })
    .map((condition) => {
      const latest = signals[condition.metric]!;
      return `${condition.metric} ${latest.value} ${condition.operator} ${condition.threshold} (observed ${latest.observedAt}, ${condition.action ?? GuardrailAction.Hold})`;
    });
}

function missingExpansionEvidence(input: StageCheckInput): EvidenceType[][] {
  const evidence = input.evidence ?? input.state.evidence;
  return input.evaluation.requiredEvidence
    .filter((requirement) => requirement.phase === 'expansion')
    .filter(
      (requirement) =>
        !requirement.anyOf.some((type) =>
          evidence.some((item) => item.type === type && item.result === EvidenceResult.Passed),
        ),
    )
    .map((requirement) => [...requirement.anyOf]);
}
