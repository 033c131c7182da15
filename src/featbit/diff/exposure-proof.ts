import { dispatchBucket, isInRollout, isSegmentCondition } from '@featgate/openfeature/evaluator';
import type { Condition } from '../model/index.js';
import { isBucketEmpty, isBucketFull, isBucketSubset, type BucketSet } from './bucket-grid.js';
import { conditionsExclude, conditionsImply, decideCondition } from './condition-implication.js';
import { dispatchIdentity, type FlagSideModel, type RolloutStep } from './flag-side-model.js';
import type { SegmentContainment } from './flag-side.js';

type KeyConstraint =
  { readonly kind: 'any' } | { readonly kind: 'untargeted' } | { readonly kind: 'exact'; readonly keyId: string };

/**
 * A set of contexts that one step of the source flag serves the variation to: a key constraint, the step's
 * conditions (which hold), the conditions of the rules before it (which fail: `failedRules` is their count), and
 * the buckets on the step's dispatch key.
 */
interface ExposurePiece {
  readonly key: KeyConstraint;
  readonly holds: readonly Condition[];
  readonly failedRules: number;
  readonly bucket: { readonly dispatch: string; readonly set: BucketSet } | undefined;
}

function piecesOf(source: FlagSideModel, variationId: string): ExposurePiece[] {
  // No short-circuit for archived flags: FeatBit's server SDKs keep serving them, so archiving narrows nothing.
  const { flag } = source;
  if (!flag.isEnabled)
    return flag.disabledVariationId === variationId
      ? [{ key: { kind: 'any' }, holds: [], failedRules: 0, bucket: undefined }]
      : [];
  const pieces: ExposurePiece[] = [];
  for (const [keyId, target] of source.firstTarget) {
    if (target === variationId)
      pieces.push({ key: { kind: 'exact', keyId }, holds: [], failedRules: 0, bucket: undefined });
  }
  const steps = [...source.rules, source.fallthrough];
  steps.forEach((step, index) => {
    const set = step.served(variationId);
    if (isBucketEmpty(set)) return;
    pieces.push({
      key: { kind: 'untargeted' },
      holds: step.conditions,
      failedRules: index,
      bucket: { dispatch: step.dispatch, set },
    });
  });
  return pieces;
}

const isKeyCondition = (condition: Condition) => condition.property === 'keyId' && !isSegmentCondition(condition);

/**
 * Proves that every context the source flag state serves `variationId` to gets the same variation from the target
 * state (E_source(v) ⊆ E_target(v)), walking the target's decision list for each exposure piece of the source.
 * Returns false whenever a step cannot be decided: the caller then reports a widening, never a false narrowing.
 */
export class ExposureProof {
  private readonly ruleImplication = new Map<number, boolean>();

  constructor(
    private readonly source: FlagSideModel,
    private readonly target: FlagSideModel,
    private readonly segments: SegmentContainment,
  ) {}

  /** Whether E_source(v) ⊆ E_target(v) is proven. */
  contained(variationId: string): boolean {
    return piecesOf(this.source, variationId).every(
      (piece) => this.isEmpty(piece) || this.targetServes(piece, variationId),
    );
  }

  /** A piece is empty when its conditions contradict each other or imply an earlier source rule it must fail (a catch-all rule). */
  private isEmpty(piece: ExposurePiece): boolean {
    if (conditionsExclude(piece.holds, piece.holds)) return true;
    for (let failed = 0; failed < piece.failedRules; failed += 1) {
      const conditions = this.source.rules[failed]!.conditions;
      if (conditionsImply(piece.holds, this.source.side, conditions, this.source.side, this.segments)) return true;
    }
    return false;
  }

  private targetServes(piece: ExposurePiece, variationId: string): boolean {
    const { flag } = this.target;
    if (!flag.isEnabled) return flag.disabledVariationId === variationId;
    if (!this.targetsAgree(piece.key, variationId)) return false;
    if (piece.key.kind === 'exact') {
      const target = this.target.firstTarget.get(piece.key.keyId);
      if (target !== undefined) return target === variationId;
    }
    for (let index = 0; index < this.target.rules.length; index += 1) {
      const rule = this.target.rules[index]!;
      if (this.cannotMatch(piece, index)) continue;
      const serves = this.stepServes(rule, piece, variationId);
      if (this.mustMatch(piece, rule.conditions)) return serves;
      if (serves) continue;
      return false;
    }
    return this.stepServes(this.target.fallthrough, piece, variationId);
  }

  /** No context of the piece is captured by a target list of the target state that serves another variation. */
  private targetsAgree(key: KeyConstraint, variationId: string): boolean {
    if (key.kind === 'exact') return true;
    for (const [keyId, target] of this.target.firstTarget) {
      if (target === variationId) continue;
      if (key.kind === 'any' || !this.source.firstTarget.has(keyId)) return false;
    }
    return true;
  }

  private stepServes(step: RolloutStep, piece: ExposurePiece, variationId: string): boolean {
    const served = step.served(variationId);
    if (isBucketFull(served)) return true;
    if (piece.key.kind === 'exact' && step.dispatch === dispatchIdentity(this.target.flag.key, 'keyId')) {
      const bucket = dispatchBucket(this.target.flag.key, piece.key.keyId);
      const first = step.rollouts.find((entry) => isInRollout(bucket, entry.rollout));
      return first?.id === variationId;
    }
    return (
      piece.bucket !== undefined && piece.bucket.dispatch === step.dispatch && isBucketSubset(piece.bucket.set, served)
    );
  }

  private mustMatch(piece: ExposurePiece, conditions: readonly Condition[]): boolean {
    if (conditionsImply(piece.holds, this.source.side, conditions, this.target.side, this.segments)) return true;
    const { key } = piece;
    return (
      key.kind === 'exact' &&
      conditions.every((condition) => isKeyCondition(condition) && decideCondition(condition, key.keyId) === true)
    );
  }

  private cannotMatch(piece: ExposurePiece, targetRuleIndex: number): boolean {
    const conditions = this.target.rules[targetRuleIndex]!.conditions;
    const { key } = piece;
    if (
      key.kind === 'exact' &&
      conditions.some((condition) => isKeyCondition(condition) && decideCondition(condition, key.keyId) === false)
    )
      return true;
    if (conditionsExclude(piece.holds, conditions)) return true;
    for (let failed = 0; failed < piece.failedRules; failed += 1) {
      if (this.targetRuleImpliesSourceRule(targetRuleIndex, failed)) return true;
    }
    return false;
  }

  private targetRuleImpliesSourceRule(targetIndex: number, sourceIndex: number): boolean {
    const memoKey = targetIndex * 100_003 + sourceIndex;
    let known = this.ruleImplication.get(memoKey);
    if (known === undefined) {
      known = conditionsImply(
        this.target.rules[targetIndex]!.conditions,
        this.target.side,
        this.source.rules[sourceIndex]!.conditions,
        this.source.side,
        this.segments,
      );
      this.ruleImplication.set(memoKey, known);
    }
    return known;
  }
}
