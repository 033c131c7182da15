import { describe, expect, it } from 'vitest';
import { flagSchema } from '../../../src/featbit/model/index.js';
import { dispatchBucket, evaluateFlag } from '@featgate/openfeature/evaluator';
import { bindAudience } from '../../../src/changes/index.js';
import { rolloutSplit, stageTargeting } from '../../../src/releases/index.js';
import { StageAudienceKind } from '../../../src/changes/model/index.js';

const baseline = flagSchema.parse({
  id: 'f1',
  key: 'support-assistant-prompt',
  variationType: 'string',
  variations: [
    { id: 'current', name: 'current', value: 'old' },
    { id: 'candidate', name: 'candidate', value: 'new' },
  ],
  targetUsers: [{ keyIds: ['vip'], variationId: 'current' }],
  rules: [
    {
      id: 'r1',
      name: 'Beta cohort',
      conditions: [{ property: 'cohort', op: 'Equal', value: 'beta' }],
      variations: [{ id: 'current', rollout: [0, 1] }],
    },
  ],
  isEnabled: true,
  disabledVariationId: 'current',
  fallthrough: { variations: [{ id: 'current', rollout: [0, 1] }] },
});

describe('stageTargeting', () => {
  it('puts a stage whose audience names no rule on the default rule as the candidate share', () => {
    const { targeting, slot } = stageTargeting({
      baseline,
      baselineVariationId: 'current',
      candidateVariationId: 'candidate',
      percentage: 10,
      audience: 'all users',
    });
    expect(slot).toEqual({ kind: 'default-rule' });
    expect(targeting.fallthrough.variations).toEqual([
      { id: 'candidate', rollout: [0, 0.1], exptRollout: 1 },
      { id: 'current', rollout: [0.1, 1], exptRollout: 1 },
    ]);
    expect(targeting.rules).toEqual(baseline.rules);
    expect(targeting.targetUsers).toEqual(baseline.targetUsers);
  });

  it('puts a stage on the rule its audience names, leaving the default rule alone', () => {
    const { targeting, slot } = stageTargeting({
      baseline,
      baselineVariationId: 'current',
      candidateVariationId: 'candidate',
      percentage: 100,
      audience: ' beta COHORT ',
    });
    expect(slot).toEqual({ kind: 'rule', ruleId: 'r1', ruleName: 'Beta cohort' });
    expect(targeting.rules[0]!.variations).toEqual([{ id: 'candidate', rollout: [0, 1], exptRollout: 1 }]);
    expect(targeting.fallthrough).toEqual(baseline.fallthrough);
  });

  it('exposes exactly the contexts FeatBit buckets into the stage percentage', () => {
    const { targeting } = stageTargeting({
      baseline,
      baselineVariationId: 'current',
      candidateVariationId: 'candidate',
      percentage: 25,
      audience: 'everyone',
    });
    const staged = { ...baseline, ...targeting };
    for (let index = 0; index < 500; index += 1) {
      const keyId = `user-${index}`;
      const served = evaluateFlag(staged, { keyId }, () => undefined).variationId;
      expect(served).toBe(dispatchBucket(baseline.key, keyId) <= 0.25 ? 'candidate' : 'current');
    }
  });

  it('serves only the baseline at 0 % and only the candidate at 100 %', () => {
    expect(rolloutSplit('candidate', 'current', 0)).toEqual([{ id: 'current', rollout: [0, 1], exptRollout: 1 }]);
    expect(rolloutSplit('candidate', 'current', 100)).toEqual([{ id: 'candidate', rollout: [0, 1], exptRollout: 1 }]);
  });
});

describe('stageTargeting with an approved audience binding', () => {
  const binding = bindAudience(baseline, [], 'beta cohort', 0)!;
  const stage = (flag: typeof baseline) =>
    stageTargeting({
      baseline: flag,
      baselineVariationId: 'current',
      candidateVariationId: 'candidate',
      percentage: 25,
      audience: 'beta cohort',
      binding: { ...binding, segments: [] },
    });

  it('binds the audience words to the rule id and its conditions when the record is written', () => {
    expect(binding).toMatchObject({ stage: 0, kind: StageAudienceKind.Rule, ruleId: 'r1', ruleName: 'Beta cohort' });
    expect(bindAudience(baseline, [], 'everyone', 1)).toEqual({ stage: 1, kind: StageAudienceKind.Everyone });
    expect(bindAudience(baseline, [], 'internal staff', 2)).toBeUndefined();
  });

  it('follows the rule by id when it was renamed, so the stage never falls through to everyone', () => {
    const renamed = { ...baseline, rules: baseline.rules.map((rule) => ({ ...rule, name: 'something else' })) };
    const { slot, targeting } = stage(renamed);
    expect(slot).toEqual({ kind: 'rule', ruleId: 'r1', ruleName: 'something else' });
    expect(targeting.fallthrough).toEqual(renamed.fallthrough);
  });

  it('refuses the stage when the rule is gone or its conditions changed since approval', () => {
    expect(() => stage({ ...baseline, rules: [] })).toThrow(/no longer exists; the stage is refused/);
    const widened = {
      ...baseline,
      rules: baseline.rules.map((rule) => ({
        ...rule,
        conditions: [{ property: 'cohort', op: 'NotEqual', value: 'beta' }],
      })),
    };
    expect(() => stage(widened)).toThrow(/conditions changed since approval; the stage is refused/);
  });
});
