import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { MetricDirection, type EvidenceMetric, type OfflineEval } from '../../../src/changes/model/index.js';
import { checkEval } from '../../../src/changes/index.js';

const hash = 'c'.repeat(64);
const bars = [{ metric: 'groundedness', atLeast: 0.85, maxRegression: 0.02, minSampleSize: 100 }];
const groundedness: EvidenceMetric = {
  metric: 'groundedness',
  baselineScore: 0.91,
  candidateScore: 0.9,
  direction: MetricDirection.HigherIsBetter,
};
const result: OfflineEval = {
  candidateHash: hash,
  dataset: 'golden',
  datasetVersion: '7',
  evaluator: 'ragas',
  evaluatorVersion: '0.2.1',
  sampleSize: 200,
  metrics: [groundedness],
};
const withMetric = (overrides: Partial<typeof groundedness>): OfflineEval => ({
  ...result,
  metrics: [{ ...groundedness, ...overrides }],
});

describe('checkEval', () => {
  it('passes an eval of this candidate that clears every bar, saying per metric what it checked', () => {
    const check = checkEval(result, bars, hash);
    expect(check.passed).toBe(true);
    expect(check.metrics).toEqual([
      {
        metric: 'groundedness',
        passed: true,
        checked: true,
        reason: 'groundedness 0.9 ≥ 0.85, groundedness regression 0.01 ≤ 0.02 (baseline 0.91)',
      },
    ]);
    expect(check.reason).toBe(
      "featgate's check: groundedness 0.9 ≥ 0.85, groundedness regression 0.01 ≤ 0.02 (baseline 0.91) on 200 samples of golden@7 by ragas@0.2.1",
    );
  });

  it.each([
    [
      'another candidate',
      { ...result, candidateHash: 'd'.repeat(64) },
      "the eval ran on candidate dddddddddddd, not on this change's candidate cccccccccccc",
    ],
    [
      'a score below the floor',
      withMetric({ candidateScore: 0.8, baselineScore: 0.8 }),
      "groundedness 0.8 is below the policy's 0.85",
    ],
    [
      'a regression beyond the limit',
      withMetric({ candidateScore: 0.86, baselineScore: 0.9 }),
      "groundedness regresses by 0.04 against the baseline's 0.9; the policy allows 0.02",
    ],
    [
      'too few samples',
      { ...result, sampleSize: 20 },
      'groundedness was measured on 20 samples; the policy needs at least 100',
    ],
    [
      'an eval that does not measure the metric the policy names',
      { ...result, metrics: [{ ...groundedness, metric: 'vibes' }] },
      'the policy needs groundedness; this eval does not measure it',
    ],
    [
      'a score below its own threshold',
      withMetric({ threshold: 0.95 }),
      'groundedness 0.9 is below its own threshold 0.95',
    ],
  ])('refuses %s', (_name, evaluated, reason) => {
    const check = checkEval(evaluated, bars, hash);
    expect(check.passed).toBe(false);
    expect(check.reason).toBe(reason);
  });

  it('reads a lower-is-better metric the other way round', () => {
    const latency = [{ metric: 'latencyP95Ms', atMost: 900, maxRegression: 50 }];
    const lower = (candidateScore: number, baselineScore = 850): OfflineEval => ({
      ...result,
      metrics: [{ metric: 'latencyP95Ms', direction: MetricDirection.LowerIsBetter, candidateScore, baselineScore }],
    });
    expect(checkEval(lower(880), latency, hash).passed).toBe(true);
    expect(checkEval(lower(910), latency, hash).reason).toContain("latencyP95Ms 910 is above the policy's 900");
    expect(checkEval(lower(899, 800), latency, hash).reason).toContain('regresses by 99');
  });

  it('never passes numbers that break a bar, whatever else the eval reports (property)', () => {
    const score = fc.double({ min: 0, max: 1, noNaN: true });
    fc.assert(
      fc.property(score, score, fc.integer({ min: 1, max: 1000 }), (candidateScore, baselineScore, sampleSize) => {
        const check = checkEval({ ...withMetric({ candidateScore, baselineScore }), sampleSize }, bars, hash);
        const meets =
          candidateScore >= 0.85 &&
          Math.round((baselineScore - candidateScore) * 1e6) / 1e6 <= 0.02 &&
          sampleSize >= 100;
        expect(check.passed).toBe(meets);
      }),
    );
  });
});
