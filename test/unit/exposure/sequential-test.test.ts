import { describe, expect, it } from 'vitest';
import {
  EMPTY_ARM,
  mergeArms,
  type ArmSummary,
  compareArms,
  ComparisonVerdict,
  confidenceRadius,
  mixtureLikelihoodRatio,
  type ComparisonSpec,
} from '../../../src/exposure/index.js';
import { seededRandom } from '../../support/seeded-random.js';

/** Summary of `errors` failures among `count` binary outcomes. */
function binary(count: number, errors: number): ArmSummary {
  return { count, sum: errors, sumSquares: errors };
}

describe('the normal-mixture SPRT', () => {
  it('matches the balanced-arm formula of Johari et al. (n = 1000 per arm, 10% against 5%, margin 2 points, tau 0.02)', () => {
    // Λ = sqrt(V / (V + nτ²)) · exp(n²τ²(d − θ0)² / (2V(V + nτ²))), V = p_c(1-p_c) + p_b(1-p_b), evaluated by hand.
    const variance = (0.1 * 0.9 + 0.05 * 0.95) / 1000;
    expect(mixtureLikelihoodRatio(0.05, variance, 0.02 ** 2, 0.02)).toBeCloseTo(5.77689, 4);
    expect(confidenceRadius(variance, 0.02 ** 2, 0.05)).toBeCloseTo(0.0368634, 6);
  });

  it('is 1 / sqrt(1 + τ²/s²) when the estimate sits exactly on the tested value', () => {
    expect(mixtureLikelihoodRatio(0.02, 0.0001, 0.0003, 0.02)).toBeCloseTo(0.5, 10);
  });

  it('reads those numbers as undecided: the lower bound 0.013 is inside the 0.02 margin, the upper bound 0.087 beyond it', () => {
    const spec: ComparisonSpec = { margin: 0.02, alpha: 0.05, minSamplePerArm: 100, higherIsWorse: true };
    const result = compareArms(binary(1000, 100), binary(1000, 50), spec);
    expect(result.verdict).toBe(ComparisonVerdict.Undecided);
    expect(result.statistic).toBeCloseTo(5.77689, 4);
    expect(result.boundary).toBe(20);
    expect(result.lower).toBeCloseTo(0.05 - 0.0368634, 6);
    expect(result.upper).toBeCloseTo(0.05 + 0.0368634, 6);
  });

  it('breaches at 20% against 5% and is healthy at 5% against 5% with 4,000 per arm', () => {
    const spec: ComparisonSpec = { margin: 0.02, alpha: 0.05, minSamplePerArm: 100, higherIsWorse: true };
    expect(compareArms(binary(4000, 800), binary(4000, 200), spec).verdict).toBe(ComparisonVerdict.Breached);
    expect(compareArms(binary(4000, 200), binary(4000, 200), spec).verdict).toBe(ComparisonVerdict.Healthy);
  });

  it('decides nothing below the minimum sample of either arm, however clear the numbers', () => {
    const spec: ComparisonSpec = { margin: 0, alpha: 0.05, minSamplePerArm: 500, higherIsWorse: true };
    expect(compareArms(binary(499, 499), binary(10_000, 0), spec).verdict).toBe(ComparisonVerdict.Collecting);
    expect(compareArms(binary(500, 500), binary(499, 0), spec).verdict).toBe(ComparisonVerdict.Collecting);
    expect(compareArms(binary(500, 500), binary(500, 0), spec).verdict).toBe(ComparisonVerdict.Breached);
  });

  it('turns the difference around when lower values are worse (feedback, judge scores)', () => {
    const spec: ComparisonSpec = { margin: 0.02, alpha: 0.05, minSamplePerArm: 100, higherIsWorse: false };
    const result = compareArms(binary(4000, 2000), binary(4000, 3200), spec);
    expect(result.difference).toBeCloseTo(0.3, 10);
    expect(result.verdict).toBe(ComparisonVerdict.Breached);
  });
});

/**
 * Simulates one staged rollout: `total` evaluations, each served the candidate with probability `share`, each an
 * error with the arm's rate; the guardrail looks after every `every` evaluations. Returns the first verdict other
 * than collecting/undecided, with the look at which it came.
 */
function simulate(
  random: () => number,
  rates: { candidate: number; baseline: number },
  spec: ComparisonSpec,
  total = 4000,
  every = 100,
  share = 0.3,
) {
  let candidate = EMPTY_ARM;
  let baseline = EMPTY_ARM;
  for (let served = 1; served <= total; served += 1) {
    const isCandidate = random() < share;
    const error = random() < (isCandidate ? rates.candidate : rates.baseline) ? 1 : 0;
    if (isCandidate) candidate = mergeArms(candidate, binary(1, error));
    else baseline = mergeArms(baseline, binary(1, error));
    if (served % every !== 0) continue;
    const result = compareArms(candidate, baseline, spec);
    if (result.verdict === ComparisonVerdict.Breached)
      return { breached: true, candidate: candidate.count, baseline: baseline.count };
  }
  return { breached: false, candidate: candidate.count, baseline: baseline.count };
}

describe('the comparison under repeated looks', () => {
  const spec: ComparisonSpec = { margin: 0, alpha: 0.05, minSamplePerArm: 200, higherIsWorse: true, mixingSd: 0.02 };

  it('raises at most alpha false alarms over 2,000 seeded A/A rollouts with 40 looks each (margin 0, the hardest case)', () => {
    const random = seededRandom(16);
    let alarms = 0;
    for (let run = 0; run < 2000; run += 1)
      if (simulate(random, { candidate: 0.05, baseline: 0.05 }, spec).breached) alarms += 1;
    // The runs are seeded, so the count is the same every time; alpha · runs is the bound the method promises.
    expect(alarms).toBeLessThanOrEqual(spec.alpha * 2000);
  });

  it('catches a candidate 6 points worse in nearly every run, and never before each arm has its minimum sample', () => {
    const random = seededRandom(12);
    let caught = 0;
    for (let run = 0; run < 200; run += 1) {
      const result = simulate(random, { candidate: 0.11, baseline: 0.05 }, spec);
      if (!result.breached) continue;
      caught += 1;
      expect(Math.min(result.candidate, result.baseline)).toBeGreaterThanOrEqual(spec.minSamplePerArm);
    }
    expect(caught).toBeGreaterThanOrEqual(180);
  });
});
