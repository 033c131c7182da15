import { describe, expect, it } from 'vitest';
import { flagSchema, type FeatBitFlag } from '../../../src/featbit/model/index.js';
import { FlagWriteKind } from '../../../src/featbit/rest-client/index.js';
import {
  baselineOnlyConfiguration,
  EditVerdictKind,
  exposesOnlyBaseline,
  flagsEqual,
  judgeEdit,
  planRevert,
  resolveBaselineVariationId,
} from '../../../webhooks/index.js';
import { referencedSegmentIds } from '../../../src/featbit/diff/index.js';

const approved: FeatBitFlag = flagSchema.parse({
  id: 'f1',
  key: 'assistant-prompt',
  name: 'Assistant prompt',
  variationType: 'string',
  variations: [
    { id: 'base', name: 'baseline', value: 'v1' },
    { id: 'cand', name: 'candidate', value: 'v2' },
  ],
  targetUsers: [{ keyIds: ['qa-1'], variationId: 'cand' }],
  rules: [],
  isEnabled: true,
  disabledVariationId: 'base',
  fallthrough: {
    dispatchKey: null,
    includedInExpt: true,
    variations: [
      { id: 'cand', rollout: [0, 0.05], exptRollout: 1 },
      { id: 'base', rollout: [0.05, 1], exptRollout: 1 },
    ],
  },
});

const withFallthroughShare = (share: number): FeatBitFlag => ({
  ...approved,
  fallthrough: {
    ...approved.fallthrough,
    variations: [
      { id: 'cand', rollout: [0, share], exptRollout: 1 },
      { id: 'base', rollout: [share, 1], exptRollout: 1 },
    ],
  },
});

const judge = (live: FeatBitFlag) =>
  judgeEdit({ approved, live, baselineVariationId: 'base', segmentsBefore: [], segmentsAfter: [] });

describe('judging a live configuration against the approved one', () => {
  it('calls an identical configuration equal', () => {
    expect(judge(structuredClone(approved)).kind).toBe(EditVerdictKind.Equal);
  });

  it('calls a raise of the candidate from 5% to 50% unauthorized', () => {
    const verdict = judge(withFallthroughShare(0.5));
    expect(verdict.kind).toBe(EditVerdictKind.Unauthorized);
    expect(verdict.widened).toEqual(['cand']);
  });

  it('accepts a lowered percentage, a removed target and a kill switch to the baseline as safe', () => {
    expect(judge(withFallthroughShare(0.01)).kind).toBe(EditVerdictKind.SafeDirection);
    expect(judge({ ...approved, targetUsers: [] }).kind).toBe(EditVerdictKind.SafeDirection);
    expect(judge({ ...approved, isEnabled: false }).kind).toBe(EditVerdictKind.SafeDirection);
  });

  it('rates name, description and tag edits low', () => {
    expect(judge({ ...approved, name: 'Renamed', description: 'new words', tags: ['ai'] }).kind).toBe(
      EditVerdictKind.LowRisk,
    );
  });

  it('calls a changed candidate value unauthorized even when nobody new receives it', () => {
    const live = { ...approved, variations: [approved.variations[0]!, { id: 'cand', name: 'candidate', value: 'v3' }] };
    expect(judge(live).kind).toBe(EditVerdictKind.Unauthorized);
  });
});

describe('planning a revert', () => {
  it('plans nothing when FeatBit already equals the approved state', () => {
    expect(planRevert(structuredClone(approved), approved, 'c')).toEqual({ writes: [] });
  });

  it('restores targeting with the approved rollout', () => {
    const plan = planRevert(withFallthroughShare(0.5), approved, 'restore');
    expect(plan.writes).toHaveLength(1);
    expect(plan.writes[0]).toMatchObject({
      kind: FlagWriteKind.Targeting,
      comment: 'restore',
      targeting: { fallthrough: approved.fallthrough },
    });
  });

  it('writes variations before targeting when the edit removed a variation the approved targeting uses', () => {
    const live = {
      ...approved,
      variations: [approved.variations[0]!],
      targetUsers: [],
      fallthrough: {
        ...approved.fallthrough,
        variations: [{ id: 'base', rollout: [0, 1] as [number, number], exptRollout: 1 }],
      },
    };
    expect(planRevert(live, approved, 'c').writes.map((write) => write.kind)).toEqual([
      FlagWriteKind.Variations,
      FlagWriteKind.Targeting,
    ]);
  });

  it('restores the off variation and the on/off state', () => {
    const plan = planRevert({ ...approved, disabledVariationId: 'cand', isEnabled: false }, approved, 'c');
    expect(plan.writes.map((write) => write.kind)).toEqual([FlagWriteKind.OffVariation]);
    expect(plan.toggleTo).toBe(true);
  });
});

describe('flag configuration helpers', () => {
  it('compares flags ignoring fields FeatBit adds (revision, timestamps)', () => {
    expect(flagsEqual(approved, { ...approved, revision: 'r2', updatedAt: 'later' } as FeatBitFlag)).toBe(true);
    expect(flagsEqual(approved, withFallthroughShare(0.5))).toBe(false);
  });

  it('resolves the baseline by id or by name', () => {
    expect(resolveBaselineVariationId(approved, 'base')).toBe('base');
    expect(resolveBaselineVariationId(approved, 'baseline')).toBe('base');
    expect(resolveBaselineVariationId(approved, 'nope')).toBeUndefined();
  });

  it('tells a baseline-only flag from one that exposes a candidate, and builds the baseline-only form', () => {
    expect(exposesOnlyBaseline(approved, 'base')).toBe(false);
    const safe = baselineOnlyConfiguration(approved, 'base');
    expect(exposesOnlyBaseline(safe, 'base')).toBe(true);
    expect(exposesOnlyBaseline({ ...approved, isEnabled: false }, 'base')).toBe(true);
  });

  it('lists the segments a flag’s rules reference', () => {
    const flag = flagSchema.parse({
      ...approved,
      rules: [
        {
          id: 'r1',
          name: 'beta',
          conditions: [{ property: 'User is in segment', op: null, value: '["s1","s2"]' }],
          variations: [{ id: 'cand', rollout: [0, 1] }],
        },
        {
          id: 'r2',
          name: 'not',
          conditions: [{ property: 'User is not in segment', op: null, value: '["s2","s3"]' }],
          variations: [{ id: 'base', rollout: [0, 1] }],
        },
      ],
    });
    expect(referencedSegmentIds(flag).sort()).toEqual(['s1', 's2', 's3']);
  });
});
