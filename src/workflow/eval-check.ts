import type { EvalBar } from '../../policies/index.js';
import { MetricDirection, type OfflineEvalResult } from '../change/index.js';

/** featgate's own verdict on an offline eval's numbers. */
export interface EvalCheck {
  readonly passed: boolean;
  readonly reason: string;
}

/**
 * Checks an offline eval against the policy's bars: it must have run on the change's current candidate (by content
 * hash), measure a metric the policy names, and clear that bar (floor or ceiling, regression against its baseline
 * score, sample size). The attacher's `passed` is never consulted: the numbers decide.
 */
export function checkEval(result: OfflineEvalResult | undefined, bars: readonly EvalBar[], candidateHash: string): EvalCheck {
  const metrics = [...new Set(bars.map((bar) => bar.metric))].join(', ');
  if (!result) return { passed: false, reason: `an offlineEval for this tier needs its numbers (eval): featgate checks ${metrics} itself` };
  if (result.candidateHash !== candidateHash) {
    return { passed: false, reason: `the eval ran on candidate ${result.candidateHash.slice(0, 12)}, not on this change's candidate ${candidateHash.slice(0, 12)}` };
  }
  const bar = bars.find((one) => one.metric === result.metric);
  if (!bar) return { passed: false, reason: `the policy checks ${metrics}, not ${result.metric}` };
  const higher = result.direction !== MetricDirection.LowerIsBetter;
  const facts: string[] = [];
  if (bar.minSampleSize !== undefined && result.sampleSize < bar.minSampleSize) {
    return { passed: false, reason: `${result.sampleSize} samples; the policy needs at least ${bar.minSampleSize}` };
  }
  if (bar.atLeast !== undefined) {
    if (result.score < bar.atLeast) return { passed: false, reason: `${result.metric} ${result.score} is below the policy's ${bar.atLeast}` };
    facts.push(`${result.metric} ${result.score} ≥ ${bar.atLeast}`);
  }
  if (bar.atMost !== undefined) {
    if (result.score > bar.atMost) return { passed: false, reason: `${result.metric} ${result.score} is above the policy's ${bar.atMost}` };
    facts.push(`${result.metric} ${result.score} ≤ ${bar.atMost}`);
  }
  if (bar.maxRegression !== undefined) {
    if (result.baselineScore === undefined) return { passed: false, reason: `the policy limits regression of ${result.metric}; the eval names no baselineScore` };
    const regression = higher ? result.baselineScore - result.score : result.score - result.baselineScore;
    if (regression > bar.maxRegression) {
      return { passed: false, reason: `${result.metric} regresses by ${round(regression)} against the baseline's ${result.baselineScore}; the policy allows ${bar.maxRegression}` };
    }
    facts.push(`regression ${round(Math.max(0, regression))} ≤ ${bar.maxRegression}`);
  }
  return { passed: true, reason: `featgate's check: ${facts.join(', ')} on ${result.sampleSize} samples of ${result.dataset}` };
}

function round(value: number): number {
  return Math.round(value * 1e6) / 1e6;
}
