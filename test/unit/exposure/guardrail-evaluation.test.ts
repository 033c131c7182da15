import { describe, expect, it } from 'vitest';
import { breaks, GuardrailAction, HoldOperator, type ThresholdCondition } from '../../../src/changes/model/index.js';
import { breachesOf, describeBreach } from '../../../src/exposure/index.js';

const escalation: ThresholdCondition = { metric: 'escalationRate', operator: HoldOperator.Above, threshold: 0.05 };
const grounding: ThresholdCondition = {
  metric: 'groundingScore',
  operator: HoldOperator.Below,
  threshold: 0.7,
  action: GuardrailAction.Rollback,
};
const latency: ThresholdCondition = { metric: 'latencyP95Ms', operator: HoldOperator.Above, threshold: 2000 };
const at = '2026-03-01T10:00:00Z';

describe('guardrail conditions', () => {
  it('breaks only strictly beyond the threshold', () => {
    expect(breaks(escalation, 0.05)).toBe(false);
    expect(breaks(escalation, 0.0501)).toBe(true);
    expect(breaks(grounding, 0.7)).toBe(false);
    expect(breaks(grounding, 0.69)).toBe(true);
  });

  it('lists every breach with the value that caused it, rollbacks before holds', () => {
    const breaches = breachesOf([escalation, grounding, latency], {
      escalationRate: { value: 0.09, observedAt: at },
      groundingScore: { value: 0.41, observedAt: at },
      latencyP95Ms: { value: 900, observedAt: at },
    });
    expect(breaches).toEqual([
      { metric: 'groundingScore', value: 0.41, operator: 'below', threshold: 0.7, action: 'rollback' },
      { metric: 'escalationRate', value: 0.09, operator: 'above', threshold: 0.05, action: 'hold' },
    ]);
    expect(describeBreach(breaches[1]!)).toBe('escalationRate 0.09 above 0.05');
  });

  it('treats a metric with no value as no breach', () => {
    expect(breachesOf([escalation, grounding], {})).toEqual([]);
  });
});
