import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { proposalPlan, PROPOSAL_FINAL_STAGE } from '../../../src/proposals/index.js';
import { durationMs, releasePlanSchema } from '../../../src/changes/model/index.js';

const limitsArb = fc.record({
  maxFirstStagePercentage: fc.integer({ min: 1, max: 100 }),
  minStages: fc.integer({ min: 1, max: 4 }),
  rollbackPlanRequired: fc.boolean(),
  rampRoles: fc.constant([] as string[]),
  requesterMayRamp: fc.boolean(),
  minStageDuration: fc.constantFrom('30m', '1h', '4h'),
});

describe('the release plan of a proposal', () => {
  it('is one stage that writes the edit when the tier allows its exposure at once', () => {
    const plan = proposalPlan(
      'team',
      { percentage: 20 },
      { maxFirstStagePercentage: 25, minStages: 1, rollbackPlanRequired: false, rampRoles: [], requesterMayRamp: true },
      'medium',
    );
    expect(plan.stages).toEqual([
      { name: PROPOSAL_FINAL_STAGE, audience: 'as configured in the edit', percentage: 20, minDuration: '1m' },
    ]);
    expect(plan.rollback).toBeUndefined();
  });

  it('ramps a wide edit from the tier maximum, doubling, to the edit itself', () => {
    const plan = proposalPlan(
      'team',
      { percentage: 80 },
      { maxFirstStagePercentage: 10, minStages: 2, rollbackPlanRequired: true, rampRoles: [], requesterMayRamp: false },
      'high',
    );
    expect(plan.stages.map((stage) => stage.percentage)).toEqual([10, 20, 40, 80]);
    expect(plan.stages.at(-1)!.name).toBe(PROPOSAL_FINAL_STAGE);
    expect(plan.rollback).toBeDefined();
  });

  it('ramps inside the rule the edit widened', () => {
    const plan = proposalPlan(
      'team',
      { ruleName: 'beta testers', percentage: 100 },
      { maxFirstStagePercentage: 25, minStages: 1, rollbackPlanRequired: false, rampRoles: [], requesterMayRamp: true },
      'medium',
    );
    expect(new Set(plan.stages.map((stage) => stage.audience))).toEqual(new Set(['beta testers']));
  });

  it('always satisfies the tier: first stage within the maximum, enough stages, never shrinking, ending at the edit', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 10_000 }).map((basis) => basis / 100),
        limitsArb,
        (percentage, limits) => {
          const plan = releasePlanSchema.parse(proposalPlan('team', { percentage }, limits, 'tier'));
          const shares = plan.stages.map((stage) => stage.percentage);
          expect(shares[0]).toBeLessThanOrEqual(limits.maxFirstStagePercentage);
          expect(plan.stages.length).toBeGreaterThanOrEqual(limits.minStages);
          expect(shares.at(-1)).toBe(percentage);
          shares.forEach((share, index) => index > 0 && expect(share).toBeGreaterThanOrEqual(shares[index - 1]!));
          if (limits.rollbackPlanRequired) expect(plan.rollback).toBeDefined();
          for (const stage of plan.stages.slice(0, -1))
            expect(durationMs(stage.minDuration)).toBeGreaterThanOrEqual(durationMs(limits.minStageDuration));
        },
      ),
      { numRuns: 500 },
    );
  });
});
