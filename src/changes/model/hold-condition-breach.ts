import { HoldOperator, type ThresholdCondition } from './hold-condition.js';

/**
 * Whether `value` breaks `condition` (`above`: strictly greater than the threshold; `below`: strictly less). The
 * one reading of a threshold condition, shared by the stage checks and the guardrails so both judge a metric alike.
 */
export function breaks(condition: ThresholdCondition, value: number): boolean {
  return condition.operator === HoldOperator.Above ? value > condition.threshold : value < condition.threshold;
}
