import { breaks, GuardrailAction, type ThresholdCondition } from '../../changes/model/index.js';
import type { GuardrailBreach } from '../model/index.js';

/** A metric value as the guardrails see it. */
export interface ObservedValue {
  readonly value: number;
  readonly observedAt: string;
}

/** The breach a value causes under a condition, or undefined when the value is healthy. */
export function breachOf(condition: ThresholdCondition, value: number): GuardrailBreach | undefined {
  if (!breaks(condition, value)) return undefined;
  return {
    metric: condition.metric,
    value,
    operator: condition.operator,
    threshold: condition.threshold,
    action: condition.action ?? GuardrailAction.Hold,
  };
}

/**
 * Every condition the latest values break, rollbacks first (a rollback decides over a hold). A metric with no
 * value yet breaks nothing: guardrails judge evidence, and the absence of evidence is not a breach.
 */
export function breachesOf(
  conditions: readonly ThresholdCondition[],
  latest: Readonly<Record<string, ObservedValue>>,
): GuardrailBreach[] {
  const breaches: GuardrailBreach[] = [];
  for (const condition of conditions) {
    const observed = latest[condition.metric];
    if (!observed) continue;
    const breach = breachOf(condition, observed.value);
    if (breach) breaches.push(breach);
  }
  return breaches.sort((a, b) => rank(b.action) - rank(a.action));
}

/** A breach in words, for refusals and ledger reasons: `escalationRate 0.09 above 0.05`. */
export function describeBreach(breach: GuardrailBreach): string {
  const c = breach.comparison;
  if (c) {
    return `${breach.metric} candidate ${c.candidate.mean.toPrecision(4)} (n=${c.candidate.count}) worse than baseline ${c.baseline.mean.toPrecision(4)} (n=${c.baseline.count}) by ${c.difference.toPrecision(4)}, at least ${c.lower.toPrecision(4)} with ${1 - c.alpha} confidence, above the margin ${breach.threshold}`;
  }
  return `${breach.metric} ${breach.value} ${breach.operator} ${breach.threshold}`;
}

function rank(action: GuardrailAction): number {
  return action === GuardrailAction.Rollback ? 1 : 0;
}
