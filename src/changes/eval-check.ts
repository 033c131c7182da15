import type { EvalBar } from '../../policies/index.js';
import { MetricDirection, type EvidenceMetric, type OfflineEval } from './model/index.js';

/** featgate's verdict on one metric of an eval or of shadow traffic. */
export interface MetricCheck {
  readonly metric: string;
  readonly passed: boolean;
  /** Whether any bar (the policy's or the measurer's threshold) was checked; an unchecked metric passes. */
  readonly checked: boolean;
  readonly reason: string;
}

/** featgate's own verdict on typed evidence: passed or not, why, and per metric when there are metrics. */
export interface EvidenceCheck {
  readonly passed: boolean;
  readonly reason: string;
  readonly metrics: readonly MetricCheck[];
}

/**
 * Checks an offline eval against the policy's bars: it must have run on the change's current candidate (by content
 * hash) and measure every metric the policy names for this change, and each measured metric must clear the
 * policy's bars (floor or ceiling, regression against its baseline score, sample size) and the threshold the eval
 * itself names. What the attacher claims is never consulted: the numbers decide.
 */
export function checkEval(result: OfflineEval, bars: readonly EvalBar[], candidateHash: string): EvidenceCheck {
  if (result.candidateHash !== candidateHash) {
    return {
      passed: false,
      reason: `the eval ran on candidate ${result.candidateHash.slice(0, 12)}, not on this change's candidate ${candidateHash.slice(0, 12)}`,
      metrics: [],
    };
  }
  const metrics = result.metrics.map((metric) =>
    checkMetric(
      metric,
      bars.filter((bar) => bar.metric === metric.metric),
      result.sampleSize,
    ),
  );
  const measured = new Set(result.metrics.map((metric) => metric.metric));
  const unmeasured = [...new Set(bars.map((bar) => bar.metric))].filter((metric) => !measured.has(metric));
  for (const metric of unmeasured) {
    metrics.push({
      metric,
      passed: false,
      checked: true,
      reason: `the policy needs ${metric}; this eval does not measure it`,
    });
  }
  return summarise(
    metrics,
    `${result.sampleSize} samples of ${result.dataset}@${result.datasetVersion} by ${result.evaluator}@${result.evaluatorVersion}`,
  );
}

/** Checks metrics against the thresholds their measurer named (shadow traffic has no policy bars of its own). */
export function checkMetrics(metrics: readonly EvidenceMetric[], context: string): EvidenceCheck {
  return summarise(
    metrics.map((metric) => checkMetric(metric, [], undefined)),
    context,
  );
}

function summarise(metrics: MetricCheck[], context: string): EvidenceCheck {
  const failed = metrics.filter((metric) => !metric.passed);
  if (failed.length > 0) return { passed: false, reason: failed.map((metric) => metric.reason).join('; '), metrics };
  const checked = metrics.filter((metric) => metric.checked);
  if (checked.length === 0)
    return {
      passed: true,
      reason: `no bar applies to its metrics (${metrics.map((metric) => metric.metric).join(', ')}); ${context}`,
      metrics,
    };
  return {
    passed: true,
    reason: `featgate's check: ${checked.map((metric) => metric.reason).join('; ')} on ${context}`,
    metrics,
  };
}

/** One metric against its bars: every failed bar is named, and otherwise every bar it cleared. */
function checkMetric(metric: EvidenceMetric, bars: readonly EvalBar[], sampleSize: number | undefined): MetricCheck {
  const higher = metric.direction !== MetricDirection.LowerIsBetter;
  const name = metric.metric;
  const score = metric.candidateScore;
  const failures: string[] = [];
  const facts: string[] = [];
  const floor = (limit: number, whose: string): void => {
    if (score < limit) failures.push(`${name} ${score} is below ${whose} ${limit}`);
    else facts.push(`${name} ${score} ≥ ${limit}`);
  };
  const ceiling = (limit: number, whose: string): void => {
    if (score > limit) failures.push(`${name} ${score} is above ${whose} ${limit}`);
    else facts.push(`${name} ${score} ≤ ${limit}`);
  };
  if (metric.threshold !== undefined) (higher ? floor : ceiling)(metric.threshold, 'its own threshold');
  for (const bar of bars) {
    if (bar.minSampleSize !== undefined && sampleSize !== undefined && sampleSize < bar.minSampleSize) {
      failures.push(`${name} was measured on ${sampleSize} samples; the policy needs at least ${bar.minSampleSize}`);
    }
    if (bar.atLeast !== undefined) floor(bar.atLeast, "the policy's");
    if (bar.atMost !== undefined) ceiling(bar.atMost, "the policy's");
    if (bar.maxRegression !== undefined) {
      const regression = round(higher ? metric.baselineScore - score : score - metric.baselineScore);
      if (regression > bar.maxRegression) {
        failures.push(
          `${name} regresses by ${regression} against the baseline's ${metric.baselineScore}; the policy allows ${bar.maxRegression}`,
        );
      } else {
        facts.push(
          `${name} regression ${Math.max(0, regression)} ≤ ${bar.maxRegression} (baseline ${metric.baselineScore})`,
        );
      }
    }
  }
  const checked = metric.threshold !== undefined || bars.length > 0;
  if (failures.length > 0) return { metric: name, passed: false, checked, reason: [...new Set(failures)].join(', ') };
  return {
    metric: name,
    passed: true,
    checked,
    reason: checked ? [...new Set(facts)].join(', ') : `${name} ${score}: no bar applies`,
  };
}

function round(value: number): number {
  return Math.round(value * 1e6) / 1e6;
}
