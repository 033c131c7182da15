import { armMean, armVariance, type ArmSummary } from './arm-summary.js';

/** Where a comparison stands after one look. */
export enum ComparisonVerdict {
  /** An arm has fewer than the minimum sample: nothing is decided. */
  Collecting = 'collecting',
  /** Enough data, but the confidence sequence still straddles the margin. */
  Undecided = 'undecided',
  /** The candidate is not worse than the baseline by more than the margin (upper bound within the margin). */
  Healthy = 'healthy',
  /** The candidate is worse than the baseline by more than the margin (lower bound beyond it). */
  Breached = 'breached',
}

/** What a comparison is asked: the margin, the level, the minimum sample and the mixing scale. */
export interface ComparisonSpec {
  /** Largest tolerated worsening (candidate minus baseline, in the worse direction). */
  readonly margin: number;
  readonly alpha: number;
  readonly minSamplePerArm: number;
  /** Whether larger values are worse (errors, latency) or smaller ones (feedback, scores). */
  readonly higherIsWorse: boolean;
  /**
   * Standard deviation τ of the normal mixing distribution over the difference; the test is valid for any τ > 0, τ
   * only tunes which effect sizes it detects fastest. Default: the margin, or 0.05 for a margin of 0.
   */
  readonly mixingSd?: number;
}

/** The numbers behind a verdict, as the ledger records them. */
export interface ComparisonResult {
  readonly verdict: ComparisonVerdict;
  readonly candidate: { readonly count: number; readonly mean: number };
  readonly baseline: { readonly count: number; readonly mean: number };
  /** Worsening estimate: candidate minus baseline, signed so positive is worse. */
  readonly difference: number;
  /** Standard error of the difference. */
  readonly standardError: number;
  /** Always-valid confidence sequence for the worsening at level 1 - alpha. */
  readonly lower: number;
  readonly upper: number;
  /** The mixture likelihood ratio against "worsening equals the margin", and the bound 1/alpha it must reach. */
  readonly statistic: number;
  readonly boundary: number;
  readonly margin: number;
  readonly alpha: number;
  readonly minSamplePerArm: number;
}

/** Floor for the variance of the difference, so two arms without any spread do not divide by zero. */
const MIN_VARIANCE = 1e-12;

/**
 * The normal-mixture sequential probability ratio test (mSPRT) of Johari, Pekelis and Walsh ("Always valid
 * inference", 2017; Robbins 1970) for a difference estimate d ~ N(θ, s²) against θ = θ0, with mixing θ ~ N(θ0, τ²):
 *   Λ = sqrt(s² / (s² + τ²)) · exp( τ² (d − θ0)² / (2 s² (s² + τ²)) ).
 * Rejecting when Λ ≥ 1/α keeps the chance of ever rejecting a true θ0 at most α however often one looks.
 */
export function mixtureLikelihoodRatio(
  difference: number,
  variance: number,
  mixingVariance: number,
  theta0: number,
): number {
  const s2 = Math.max(variance, MIN_VARIANCE);
  const t2 = mixingVariance;
  return Math.sqrt(s2 / (s2 + t2)) * Math.exp((t2 * (difference - theta0) ** 2) / (2 * s2 * (s2 + t2)));
}

/** Half-width of the always-valid confidence sequence obtained by inverting the mSPRT: {θ0 : Λ(θ0) < 1/α}. */
export function confidenceRadius(variance: number, mixingVariance: number, alpha: number): number {
  const s2 = Math.max(variance, MIN_VARIANCE);
  const t2 = mixingVariance;
  return Math.sqrt(((2 * s2 * (s2 + t2)) / t2) * (Math.log(1 / alpha) + 0.5 * Math.log((s2 + t2) / s2)));
}

/**
 * One look at a candidate/baseline comparison. Below the minimum sample in either arm it is `collecting`. Then the
 * worsening d = (candidate − baseline) (negated when lower is worse) has the unpooled variance
 * s² = var_c/n_c + var_b/n_b, and the confidence sequence d ± r (see `confidenceRadius`) decides: lower bound above
 * the margin breaches, upper bound at or below it is healthy, anything else waits. A breach is exactly the mSPRT
 * rejecting "worsening = margin" with the estimate above the margin, so under any true worsening at or below the
 * margin (A/A included) a false breach happens with probability at most alpha over all looks (asymptotically, as
 * every mSPRT with an estimated variance; the minimum sample keeps the normal approximation honest).
 */
export function compareArms(candidate: ArmSummary, baseline: ArmSummary, spec: ComparisonSpec): ComparisonResult {
  const sign = spec.higherIsWorse ? 1 : -1;
  const candidateMean = armMean(candidate);
  const baselineMean = armMean(baseline);
  const difference = sign * (candidateMean - baselineMean);
  const variance =
    candidate.count > 0 && baseline.count > 0
      ? armVariance(candidate) / candidate.count + armVariance(baseline) / baseline.count
      : 0;
  const tau = spec.mixingSd ?? (spec.margin > 0 ? spec.margin : 0.05);
  const mixingVariance = tau * tau;
  const radius = confidenceRadius(variance, mixingVariance, spec.alpha);
  const statistic = mixtureLikelihoodRatio(difference, variance, mixingVariance, spec.margin);
  const lower = difference - radius;
  const upper = difference + radius;
  const enough = candidate.count >= spec.minSamplePerArm && baseline.count >= spec.minSamplePerArm;
  const verdict = !enough
    ? ComparisonVerdict.Collecting
    : lower > spec.margin
      ? ComparisonVerdict.Breached
      : upper <= spec.margin
        ? ComparisonVerdict.Healthy
        : ComparisonVerdict.Undecided;
  return {
    verdict,
    candidate: { count: candidate.count, mean: candidateMean },
    baseline: { count: baseline.count, mean: baselineMean },
    difference,
    standardError: Math.sqrt(variance),
    lower,
    upper,
    statistic,
    boundary: 1 / spec.alpha,
    margin: spec.margin,
    alpha: spec.alpha,
    minSamplePerArm: spec.minSamplePerArm,
  };
}
