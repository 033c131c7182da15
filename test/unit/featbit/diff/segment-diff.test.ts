import { describe, expect, it } from 'vitest';
import { diffFlag, diffSegment, ExposureVerdict, SegmentChangeKind } from '../../../../src/featbit/diff/index.js';
import { BASE, baseFlag, CANDIDATE, edited, rule, segment } from './flag-builder.js';

describe('diffSegment', () => {
  it('proves a segment that only loses included keys and rules, or excludes more, narrowed', () => {
    const before = segment(
      's',
      ['a', 'b'],
      [],
      [[{ property: 'plan', op: 'Equal', value: 'pro' }], [{ property: 'age', op: 'BiggerThan', value: '30' }]],
    );
    const after = segment('s', ['a'], ['c'], [[{ property: 'age', op: 'BiggerThan', value: '40' }]]);
    const result = diffSegment('s', before, after);
    expect(result.membership).toBe(ExposureVerdict.Narrowed);
    expect(result.changes.map((change) => change.kind)).toEqual([
      SegmentChangeKind.IncludedRemoved,
      SegmentChangeKind.ExcludedAdded,
      SegmentChangeKind.RuleChanged,
      SegmentChangeKind.RuleRemoved,
    ]);
  });

  it('calls added keys, removed exclusions and looser rules a widening', () => {
    const base = segment('s', ['a'], ['z'], [[{ property: 'age', op: 'BiggerThan', value: '40' }]]);
    expect(
      diffSegment('s', base, segment('s', ['a', 'b'], ['z'], [[{ property: 'age', op: 'BiggerThan', value: '40' }]]))
        .membership,
    ).toBe(ExposureVerdict.Widened);
    expect(
      diffSegment('s', base, segment('s', ['a'], [], [[{ property: 'age', op: 'BiggerThan', value: '40' }]]))
        .membership,
    ).toBe(ExposureVerdict.Widened);
    expect(
      diffSegment('s', base, segment('s', ['a'], ['z'], [[{ property: 'age', op: 'BiggerThan', value: '30' }]]))
        .membership,
    ).toBe(ExposureVerdict.Widened);
  });

  it('sees descriptive edits as unchanged membership and reports appearing or vanishing segments', () => {
    const base = segment('s', ['a'], [], []);
    const renamed = { ...base, name: 'renamed', tags: ['x'] };
    expect(diffSegment('s', base, renamed)).toEqual({
      segmentId: 's',
      changes: [
        { kind: SegmentChangeKind.NameChanged, before: 's', after: 'renamed' },
        { kind: SegmentChangeKind.TagsChanged, added: ['x'], removed: [] },
      ],
      membership: ExposureVerdict.Unchanged,
    });
    expect(diffSegment('s', undefined, base).membership).toBe(ExposureVerdict.Widened);
    expect(diffSegment('s', base, undefined).membership).toBe(ExposureVerdict.Narrowed);
  });
});

describe('segment containment with segment-named properties inside segment rules', () => {
  it('reads them as the plain custom properties FeatBit evaluates, so a rule matching everyone is a widening', () => {
    const nobody = segment('s', [], [], [[{ property: 'User is in segment', op: 'Equal', value: '[]' }]]);
    const everyone = segment('s', [], [], [[{ property: 'User is in segment', op: 'NotEqual', value: '[]' }]]);
    expect(diffSegment('s', nobody, everyone).membership).toBe(ExposureVerdict.Widened);
    const flag = edited(baseFlag(), (copy) => {
      copy.rules = [rule('r', [{ property: 'User is in segment', op: null, value: '["s"]' }], [[CANDIDATE, 0, 1]])];
    });
    const diff = diffFlag(flag, flag, {
      baselineVariationId: BASE,
      segmentsBefore: [nobody],
      segmentsAfter: [everyone],
    });
    expect(diff.exposure[CANDIDATE]).toBe(ExposureVerdict.Widened);
  });
});
