import {
  flagSchema,
  segmentSchema,
  type Condition,
  type FeatBitFlag,
  type FeatBitSegment,
  type TargetRule,
} from '../../../../src/featbit/model/index.js';

export const BASE = 'v-base';
export const CANDIDATE = 'v-cand';
export const OTHER = 'v-other';

/** A three-variation string flag serving the baseline to everyone, to be edited by tests. */
export function baseFlag(): FeatBitFlag {
  return flagSchema.parse({
    id: 'flag-1',
    key: 'prompt-flag',
    name: 'Prompt',
    variationType: 'string',
    variations: [
      { id: BASE, name: 'baseline', value: 'prompt v1' },
      { id: CANDIDATE, name: 'candidate', value: 'prompt v2' },
      { id: OTHER, name: 'other', value: 'prompt v3' },
    ],
    targetUsers: [],
    rules: [],
    isEnabled: true,
    disabledVariationId: BASE,
    fallthrough: {
      dispatchKey: null,
      includedInExpt: true,
      variations: [{ id: BASE, rollout: [0, 1], exptRollout: 1 }],
    },
    exptIncludeAllTargets: true,
    tags: [],
    isArchived: false,
  });
}

/** A rule with the given conditions and rollout entries `[variationId, min, max]`. */
export function rule(
  id: string,
  conditions: Partial<Condition>[],
  rollouts: [string, number, number][],
  dispatchKey: string | null = null,
): TargetRule {
  return {
    id,
    name: id,
    dispatchKey,
    includedInExpt: false,
    conditions: conditions.map((condition, index) => ({
      id: `${id}-c${index}`,
      property: 'country',
      op: 'Equal',
      value: 'cn',
      ...condition,
    })),
    variations: rollouts.map(([variationId, min, max]) => ({
      id: variationId,
      rollout: [min, max] as [number, number],
      exptRollout: 1,
    })),
  };
}

/** A segment with included/excluded keys and rules given as condition lists. */
export function segment(
  id: string,
  included: string[],
  excluded: string[],
  rules: Partial<Condition>[][] = [],
): FeatBitSegment {
  return segmentSchema.parse({
    id,
    name: id,
    included,
    excluded,
    rules: rules.map((conditions, index) => ({
      id: `${id}-r${index}`,
      name: `r${index}`,
      conditions: conditions.map((c) => ({ property: 'country', op: 'Equal', value: 'cn', ...c })),
    })),
  });
}

/** A deep copy of a flag with an edit applied. */
export function edited(flag: FeatBitFlag, edit: (copy: FeatBitFlag) => void): FeatBitFlag {
  const copy = structuredClone(flag);
  edit(copy);
  return copy;
}
