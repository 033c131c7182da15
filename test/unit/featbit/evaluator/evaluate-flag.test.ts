import { describe, expect, it } from 'vitest';
import {
  EvaluationKind,
  evaluateFlag,
  isUserInSegment,
  matchCondition,
  MalformedFlagError,
  type FeatBitUser,
} from '@featgate/openfeature/evaluator';
import type { FeatBitFlag } from '../../../../src/featbit/model/index.js';
import { lookupOf, referenceFlag, referenceSegments } from './reference-data.js';

const segments = lookupOf(referenceSegments());
const SEGMENT_01 = '0779d76b-afc6-4886-ab65-af8c004273ad';

function valueFor(flag: FeatBitFlag, user: FeatBitUser): string | undefined {
  return evaluateFlag(flag, user, segments).value;
}

describe('evaluateFlag on the reference flags', () => {
  it('serves the 10% variation to exactly user-12, 18, 20 and 37 of user-1..40', () => {
    const flag = referenceFlag('return-10p-true');
    const served = Array.from({ length: 40 }, (_, i) => `user-${i + 1}`).filter(
      (key) => valueFor(flag, { keyId: key }) === 'true',
    );
    expect(served).toEqual(['user-12', 'user-18', 'user-20', 'user-37']);
    expect(evaluateFlag(flag, { keyId: 'user-1' }, segments)).toEqual({
      kind: EvaluationKind.FallThrough,
      variationId: 'f7280f87-b277-4cec-9f8f-66e2f890e845',
      reason: 'fall through targets and rules',
      value: 'false',
    });
  });

  it('serves individual targets before anything else', () => {
    const flag = referenceFlag('individual-targeting');
    expect(evaluateFlag(flag, { keyId: 'false-3' }, segments)).toMatchObject({
      kind: EvaluationKind.TargetMatch,
      value: 'false',
      reason: 'target match',
    });
    expect(evaluateFlag(flag, { keyId: 'true-10' }, segments)).toMatchObject({
      kind: EvaluationKind.TargetMatch,
      value: 'true',
    });
    expect(evaluateFlag(flag, { keyId: 'someone' }, segments)).toMatchObject({
      kind: EvaluationKind.FallThrough,
      value: 'true',
    });
  });

  it('takes the first rule whose conditions all hold and buckets on its dispatch key', () => {
    const flag = referenceFlag('two-custom-rules');
    const qa = evaluateFlag(
      flag,
      { keyId: 'u', name: 'ann_qa', customizedProperties: { age: '30', country: 'fr' } },
      segments,
    );
    expect(qa).toMatchObject({
      kind: EvaluationKind.RuleMatch,
      ruleId: '16273e69-8e1f-4828-bb9b-07576724f6d8',
      reason: 'match rule Rule 1',
      value: 'true',
    });
    const young = evaluateFlag(
      flag,
      { keyId: 'user-1', name: 'ann_qa', customizedProperties: { age: '20', country: 'cn' } },
      segments,
    );
    expect(young).toMatchObject({ kind: EvaluationKind.RuleMatch, ruleId: '05a6e5fa-6fb5-4bf8-8c2d-d556ed44c143' });
    const nobody = evaluateFlag(flag, { keyId: 'u', customizedProperties: { age: '20', country: 'fr' } }, segments);
    expect(nobody).toMatchObject({ kind: EvaluationKind.FallThrough, value: 'true' });
  });

  it('grants segment rules to matching users, included keys always, excluded keys never', () => {
    const flag = referenceFlag('custom-rule-with-segment');
    const segment = segments(SEGMENT_01)!;
    expect(isUserInSegment(segment, { keyId: 'true-4' })).toBe(true);
    expect(
      isUserInSegment(segment, {
        keyId: 'false-4',
        name: 'al',
        customizedProperties: { age: '20', country: 'cn', isMember: 'true' },
      }),
    ).toBe(false);
    expect(
      isUserInSegment(segment, {
        keyId: 'x',
        name: 'al',
        customizedProperties: { age: '20', country: 'cn', isMember: 'true' },
      }),
    ).toBe(true);
    expect(
      isUserInSegment(segment, {
        keyId: 'x',
        name: 'bob',
        customizedProperties: { age: '20', country: 'cn', isMember: 'true' },
      }),
    ).toBe(false);
    expect(evaluateFlag(flag, { keyId: 'false-1', customizedProperties: { age: '25' } }, segments)).toMatchObject({
      ruleId: '21cca8c4-1de0-4590-824d-f82b7b106931',
      value: 'false',
    });
    expect(evaluateFlag(flag, { keyId: 'false-1', customizedProperties: { age: '18' } }, segments)).toMatchObject({
      kind: EvaluationKind.FallThrough,
      value: 'true',
    });
  });

  it('negates membership for "User is not in segment" and fails on an unknown segment id', () => {
    const notIn = { property: 'User is not in segment', op: null, value: JSON.stringify([SEGMENT_01]) };
    expect(matchCondition(notIn, { keyId: 'true-1' }, segments)).toBe(false);
    expect(matchCondition(notIn, { keyId: 'false-1' }, segments)).toBe(true);
    expect(matchCondition({ ...notIn, value: '[]' }, { keyId: 'true-1' }, segments)).toBe(true);
    expect(() => matchCondition({ ...notIn, value: '["missing"]' }, { keyId: 'true-1' }, segments)).toThrow(
      MalformedFlagError,
    );
  });

  it('serves the off variation when disabled, and an archived flag as if it were not archived (as server SDKs do)', () => {
    const flag = referenceFlag('individual-targeting');
    expect(evaluateFlag({ ...flag, isEnabled: false }, { keyId: 'true-1' }, segments)).toEqual({
      kind: EvaluationKind.Off,
      variationId: 'e228dd33-9a0d-43c7-ba94-752fbede1cec',
      reason: 'flag off',
      value: 'false',
    });
    expect(evaluateFlag({ ...flag, isArchived: true }, { keyId: 'true-1' }, segments)).toEqual(
      evaluateFlag(flag, { keyId: 'true-1' }, segments),
    );
    expect(evaluateFlag({ ...flag, isArchived: true }, { keyId: 'true-1' }, segments).kind).toBe(
      EvaluationKind.TargetMatch,
    );
  });

  it('reports malformed flags as errors instead of serving a variation', () => {
    const flag = referenceFlag('returns-true');
    const gap = {
      ...flag,
      fallthrough: {
        ...flag.fallthrough,
        variations: [{ id: flag.variations[0]!.id, rollout: [0, 0] as [number, number], exptRollout: 1 }],
      },
    };
    expect(evaluateFlag(gap, { keyId: 'u' }, segments)).toMatchObject({ kind: EvaluationKind.Error });
    expect(
      evaluateFlag({ ...flag, isEnabled: false, disabledVariationId: 'nope' }, { keyId: 'u' }, segments).kind,
    ).toBe(EvaluationKind.Error);
    const badRule = {
      ...flag,
      rules: [
        {
          id: 'r',
          name: 'r',
          dispatchKey: null,
          includedInExpt: false,
          conditions: [{ property: 'c', op: 'IsOneOf', value: 'cn' }],
          variations: flag.fallthrough.variations,
        },
      ],
    };
    expect(evaluateFlag(badRule, { keyId: 'u' }, segments).reason).toMatch(/^malformed flag/);
  });

  it('buckets a missing dispatch attribute as the empty string, like the server', () => {
    const flag = referenceFlag('return-10p-true');
    const byTeam = { ...flag, fallthrough: { ...flag.fallthrough, dispatchKey: 'team' } };
    const withoutTeam = Array.from({ length: 30 }, (_, i) => valueFor(byTeam, { keyId: `user-${i}` }));
    expect(new Set(withoutTeam).size).toBe(1);
    expect(withoutTeam[0]).toBe(valueFor(byTeam, { keyId: 'other', customizedProperties: { team: '' } }));
  });
});
