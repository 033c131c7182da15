import { describe, expect, it } from 'vitest';
import { MetricDirection } from '../../../src/change/index.js';
import { checkEval } from '../../../src/workflow/index.js';

const hash = 'c'.repeat(64);
const bars = [{ metric: 'groundedness', atLeast: 0.85, maxRegression: 0.02, minSampleSize: 100 }];
const result = { candidateHash: hash, dataset: 'golden', evaluator: 'ragas', metric: 'groundedness', score: 0.9, baselineScore: 0.91, sampleSize: 200, direction: MetricDirection.HigherIsBetter };

describe('checkEval', () => {
  it('passes an eval of this candidate that clears every bar, saying what it checked', () => {
    expect(checkEval(result, bars, hash)).toEqual({ passed: true, reason: "featgate's check: groundedness 0.9 ≥ 0.85, regression 0.01 ≤ 0.02 on 200 samples of golden" });
  });

  it.each([
    ['another candidate', { candidateHash: 'd'.repeat(64) }, 'the eval ran on candidate dddddddddddd, not on this change\'s candidate cccccccccccc'],
    ['a score below the floor', { score: 0.8 }, "groundedness 0.8 is below the policy's 0.85"],
    ['a regression beyond the limit', { score: 0.86, baselineScore: 0.9 }, "groundedness regresses by 0.04 against the baseline's 0.9; the policy allows 0.02"],
    ['too few samples', { sampleSize: 20 }, '20 samples; the policy needs at least 100'],
    ['a metric the policy does not check', { metric: 'vibes' }, 'the policy checks groundedness, not vibes'],
    ['no baseline score for a regression bar', { baselineScore: undefined }, 'the policy limits regression of groundedness; the eval names no baselineScore'],
  ])('refuses %s', (_name, overrides, reason) => {
    expect(checkEval({ ...result, ...overrides } as typeof result, bars, hash)).toEqual({ passed: false, reason });
  });

  it('refuses an offlineEval that brings no numbers at all', () => {
    expect(checkEval(undefined, bars, hash).reason).toBe('an offlineEval for this tier needs its numbers (eval): featgate checks groundedness itself');
  });

  it('reads a lower-is-better metric the other way round', () => {
    const latency = [{ metric: 'latencyP95Ms', atMost: 900, maxRegression: 50 }];
    const lower = { ...result, metric: 'latencyP95Ms', direction: MetricDirection.LowerIsBetter, score: 880, baselineScore: 850 };
    expect(checkEval(lower, latency, hash).passed).toBe(true);
    expect(checkEval({ ...lower, score: 910 }, latency, hash).reason).toBe("latencyP95Ms 910 is above the policy's 900");
    expect(checkEval({ ...lower, score: 899, baselineScore: 800 }, latency, hash).reason).toContain('regresses by 99');
  });
});
