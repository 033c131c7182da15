import { describe, expect, it } from 'vitest';
import { diffFlag, ExposureVerdict, FlagChangeKind, type FlagDiff } from '../../../../src/featbit/diff/index.js';
import { WebhookEvent } from '../../../../src/featbit/model/index.js';
import type { FeatBitFlag, FeatBitSegment } from '../../../../src/featbit/model/index.js';
import { BASE, baseFlag, CANDIDATE, edited, OTHER, rule, segment } from './flag-builder.js';

function diff(
  before: FeatBitFlag,
  after: FeatBitFlag,
  segmentsBefore: FeatBitSegment[] = [],
  segmentsAfter = segmentsBefore,
): FlagDiff {
  return diffFlag(before, after, { baselineVariationId: BASE, segmentsBefore, segmentsAfter });
}

const withCandidateRule = edited(baseFlag(), (flag) => {
  flag.rules = [
    rule(
      'r1',
      [{ property: 'country', op: 'IsOneOf', value: '["cn","us"]' }],
      [
        [CANDIDATE, 0, 0.3],
        [BASE, 0.3, 1],
      ],
    ),
  ];
});

describe('diffFlag exposure verdicts', () => {
  it('reports nothing for identical states', () => {
    const result = diff(withCandidateRule, structuredClone(withCandidateRule));
    expect(result.changes).toEqual([]);
    expect(result.exposure).toEqual({ [CANDIDATE]: ExposureVerdict.Unchanged, [OTHER]: ExposureVerdict.Unchanged });
    expect(result.contentChanged).toBe(false);
  });

  it('accepts a kill switch to the baseline as a narrowing of every candidate', () => {
    const result = diff(
      withCandidateRule,
      edited(withCandidateRule, (flag) => {
        flag.isEnabled = false;
      }),
    );
    expect(result.exposure[CANDIDATE]).toBe(ExposureVerdict.Narrowed);
    expect(result.changes).toEqual([
      { kind: FlagChangeKind.Toggled, before: true, after: false, featbitEvent: WebhookEvent.FlagToggled },
    ]);
  });

  it('calls turning the flag off onto a candidate a widening', () => {
    const result = diff(
      withCandidateRule,
      edited(withCandidateRule, (flag) => {
        flag.isEnabled = false;
        flag.disabledVariationId = CANDIDATE;
      }),
    );
    expect(result.exposure[CANDIDATE]).toBe(ExposureVerdict.Widened);
  });

  it('accepts a lowered percentage whose freed share goes to the baseline', () => {
    const lowered = edited(withCandidateRule, (flag) => {
      flag.rules[0]!.variations = rule(
        'x',
        [],
        [
          [CANDIDATE, 0, 0.1],
          [BASE, 0.1, 1],
        ],
      ).variations;
    });
    expect(diff(withCandidateRule, lowered).exposure[CANDIDATE]).toBe(ExposureVerdict.Narrowed);
    expect(diff(lowered, withCandidateRule).exposure[CANDIDATE]).toBe(ExposureVerdict.Widened);
  });

  it('calls a moved range of the same size a widening, and a changed dispatch key too', () => {
    const moved = edited(withCandidateRule, (flag) => {
      flag.rules[0]!.variations = rule(
        'x',
        [],
        [
          [BASE, 0, 0.7],
          [CANDIDATE, 0.7, 1],
        ],
      ).variations;
    });
    expect(diff(withCandidateRule, moved).exposure[CANDIDATE]).toBe(ExposureVerdict.Widened);
    const rekeyed = edited(withCandidateRule, (flag) => {
      flag.rules[0]!.dispatchKey = 'team';
    });
    expect(diff(withCandidateRule, rekeyed).exposure[CANDIDATE]).toBe(ExposureVerdict.Widened);
    const explicitKey = edited(withCandidateRule, (flag) => {
      flag.rules[0]!.dispatchKey = 'keyId';
    });
    expect(diff(withCandidateRule, explicitKey).exposure[CANDIDATE]).toBe(ExposureVerdict.Unchanged);
  });

  it('accepts a removed target key of a candidate, and refuses an added one', () => {
    const targeted = edited(baseFlag(), (flag) => {
      flag.targetUsers = [{ keyIds: ['u1', 'u2'], variationId: CANDIDATE }];
    });
    const fewer = edited(targeted, (flag) => {
      flag.targetUsers[0]!.keyIds = ['u1'];
    });
    expect(diff(targeted, fewer).exposure[CANDIDATE]).toBe(ExposureVerdict.Narrowed);
    expect(diff(fewer, targeted).exposure[CANDIDATE]).toBe(ExposureVerdict.Widened);
  });

  it('sees that a removed target key can fall into a later rule serving another candidate', () => {
    const flag = edited(baseFlag(), (copy) => {
      copy.targetUsers = [{ keyIds: ['u1'], variationId: CANDIDATE }];
      copy.rules = [rule('r-other', [{ property: 'country', op: 'Equal', value: 'cn' }], [[OTHER, 0, 1]])];
    });
    const result = diff(
      flag,
      edited(flag, (copy) => {
        copy.targetUsers = [];
      }),
    );
    expect(result.exposure[CANDIDATE]).toBe(ExposureVerdict.Narrowed);
    expect(result.exposure[OTHER]).toBe(ExposureVerdict.Widened);
  });

  it('accepts a removed candidate rule when its contexts fall to the baseline', () => {
    const result = diff(
      withCandidateRule,
      edited(withCandidateRule, (flag) => {
        flag.rules = [];
      }),
    );
    expect(result.exposure[CANDIDATE]).toBe(ExposureVerdict.Narrowed);
    expect(result.changes.map((change) => change.kind)).toEqual([FlagChangeKind.RuleRemoved]);
  });

  it('calls a removed rule a widening of the candidate a later rule serves', () => {
    const twoRules = edited(baseFlag(), (flag) => {
      flag.rules = [
        rule('r-base', [{ property: 'plan', op: 'Equal', value: 'free' }], [[BASE, 0, 1]]),
        rule('r-cand', [{ property: 'country', op: 'Equal', value: 'cn' }], [[CANDIDATE, 0, 1]]),
      ];
    });
    const removed = edited(twoRules, (flag) => {
      flag.rules = [flag.rules[1]!];
    });
    expect(diff(twoRules, removed).exposure[CANDIDATE]).toBe(ExposureVerdict.Widened);
    const sameCandidate = edited(twoRules, (flag) => {
      flag.rules[0]!.variations = rule('x', [], [[CANDIDATE, 0, 1]]).variations;
    });
    const removedSame = edited(sameCandidate, (flag) => {
      flag.rules = [flag.rules[1]!];
    });
    expect(diff(sameCandidate, removedSame).exposure[CANDIDATE]).toBe(ExposureVerdict.Narrowed);
  });

  it('treats rule reordering as a possible widening, reported without a FeatBit webhook', () => {
    const twoRules = edited(baseFlag(), (flag) => {
      flag.rules = [
        rule('r-base', [{ property: 'plan', op: 'Equal', value: 'free' }], [[BASE, 0, 1]]),
        rule('r-cand', [{ property: 'country', op: 'Equal', value: 'cn' }], [[CANDIDATE, 0, 1]]),
      ];
    });
    const result = diff(
      twoRules,
      edited(twoRules, (flag) => {
        flag.rules.reverse();
      }),
    );
    expect(result.exposure[CANDIDATE]).toBe(ExposureVerdict.Widened);
    expect(result.changes).toEqual([
      {
        kind: FlagChangeKind.RulesReordered,
        before: ['r-base', 'r-cand'],
        after: ['r-cand', 'r-base'],
        featbitEvent: null,
      },
    ]);
  });

  it('accepts a tighter condition and refuses a looser one', () => {
    const tighter = edited(withCandidateRule, (flag) => {
      flag.rules[0]!.conditions[0]!.value = '["cn"]';
    });
    expect(diff(withCandidateRule, tighter).exposure[CANDIDATE]).toBe(ExposureVerdict.Narrowed);
    expect(diff(tighter, withCandidateRule).exposure[CANDIDATE]).toBe(ExposureVerdict.Widened);
    const extraCondition = edited(withCandidateRule, (flag) => {
      flag.rules[0]!.conditions.push({ id: 'age', property: 'age', op: 'BiggerThan', value: '30' });
    });
    expect(diff(withCandidateRule, extraCondition).exposure[CANDIDATE]).toBe(ExposureVerdict.Narrowed);
    const raisedAge = edited(extraCondition, (flag) => {
      flag.rules[0]!.conditions[1]!.value = '40';
    });
    expect(diff(extraCondition, raisedAge).exposure[CANDIDATE]).toBe(ExposureVerdict.Narrowed);
    expect(diff(raisedAge, extraCondition).exposure[CANDIDATE]).toBe(ExposureVerdict.Widened);
  });

  it('accepts a segment that loses members granting a candidate, refuses one that gains them', () => {
    const flag = edited(baseFlag(), (copy) => {
      copy.rules = [
        rule('r-seg', [{ property: 'User is in segment', op: null, value: '["seg-1"]' }], [[CANDIDATE, 0, 1]]),
      ];
    });
    const before = [segment('seg-1', ['a', 'b'], [], [[{ property: 'plan', op: 'Equal', value: 'pro' }]])];
    const lostMembers = [segment('seg-1', ['a'], ['z'], [])];
    const narrowed = diff(flag, flag, before, lostMembers);
    expect(narrowed.exposure[CANDIDATE]).toBe(ExposureVerdict.Narrowed);
    expect(narrowed.segments[0]!.membership).toBe(ExposureVerdict.Narrowed);
    expect(narrowed.changes.map((change) => change.kind)).toEqual([FlagChangeKind.ReferencedSegmentChanged]);
    const widened = diff(flag, flag, lostMembers, before);
    expect(widened.exposure[CANDIDATE]).toBe(ExposureVerdict.Widened);
  });

  it('sees that contexts leaving a segment reach a later rule serving a candidate', () => {
    const flag = edited(baseFlag(), (copy) => {
      copy.rules = [
        rule('r-seg', [{ property: 'User is in segment', op: null, value: '["seg-1"]' }], [[BASE, 0, 1]]),
        rule('r-cand', [{ property: 'country', op: 'Equal', value: 'cn' }], [[CANDIDATE, 0, 1]]),
      ];
    });
    const result = diff(flag, flag, [segment('seg-1', ['a', 'b'], [])], [segment('seg-1', ['a'], [])]);
    expect(result.exposure[CANDIDATE]).toBe(ExposureVerdict.Widened);
  });

  it('counts a changed candidate value as content change and widening when it is served', () => {
    const changed = edited(withCandidateRule, (flag) => {
      flag.variations[1]!.value = 'prompt v2.1';
    });
    const result = diff(withCandidateRule, changed);
    expect(result.contentChanged).toBe(true);
    expect(result.contentChangedVariationIds).toEqual([CANDIDATE]);
    expect(result.exposure[CANDIDATE]).toBe(ExposureVerdict.Widened);
    const unserved = edited(withCandidateRule, (flag) => {
      flag.variations[2]!.value = 'prompt v3.1';
    });
    expect(diff(withCandidateRule, unserved).exposure[OTHER]).toBe(ExposureVerdict.Unchanged);
    const baselineChanged = diff(
      withCandidateRule,
      edited(withCandidateRule, (flag) => {
        flag.variations[0]!.value = 'new baseline';
      }),
    );
    expect(baselineChanged.contentChanged).toBe(true);
  });

  it("never calls archiving a narrowing: FeatBit's server SDKs keep serving archived flags", () => {
    const archived = edited(withCandidateRule, (flag) => {
      flag.isArchived = true;
    });
    expect(diff(withCandidateRule, archived).exposure[CANDIDATE]).toBe(ExposureVerdict.Unchanged);
    expect(diff(archived, withCandidateRule).exposure[CANDIDATE]).toBe(ExposureVerdict.Unchanged);
    const archivedAndWidened = edited(withCandidateRule, (flag) => {
      flag.isArchived = true;
      flag.fallthrough.variations = [{ id: CANDIDATE, rollout: [0, 1], exptRollout: 1 }];
    });
    expect(diff(withCandidateRule, archivedAndWidened).exposure[CANDIDATE]).toBe(ExposureVerdict.Widened);
  });

  it('refuses to claim a narrowing when the new state holds data FeatBit cannot evaluate', () => {
    const malformed = edited(withCandidateRule, (flag) => {
      flag.rules[0]!.conditions[0]!.value = 'cn';
    });
    const result = diff(withCandidateRule, malformed);
    expect(result.malformed).toMatch(/JSON string array/);
    expect(result.exposure[CANDIDATE]).toBe(ExposureVerdict.Widened);
  });
});

describe('diffFlag change list', () => {
  it('flags the changes FeatBit sends no webhook for', () => {
    const keyed = edited(withCandidateRule, (flag) => {
      flag.rules[0]!.dispatchKey = 'team';
      flag.fallthrough.dispatchKey = 'team';
    });
    const cleared = edited(keyed, (flag) => {
      flag.rules[0]!.dispatchKey = null;
      flag.fallthrough.dispatchKey = null;
      flag.rules[0]!.includedInExpt = true;
      flag.exptIncludeAllTargets = false;
    });
    const result = diff(keyed, cleared);
    expect(result.changes.map((change) => [change.kind, change.featbitEvent])).toEqual([
      [FlagChangeKind.ExperimentIncludeAllTargetsChanged, null],
      [FlagChangeKind.DefaultRuleDispatchKeyChanged, null],
      [FlagChangeKind.RuleDispatchKeyChanged, null],
      [FlagChangeKind.RuleExperimentChanged, null],
    ]);
    const set = diff(withCandidateRule, keyed);
    expect(set.changes.map((change) => change.featbitEvent)).toEqual([
      WebhookEvent.FlagDefaultRuleChanged,
      WebhookEvent.FlagTargetingRulesChanged,
    ]);
  });

  it('reports a flag key changed by JSON Patch, which moves every bucket and which FeatBit does not see, as a widening', () => {
    const rekeyed = edited(withCandidateRule, (flag) => {
      flag.key = 'prompt-flag-2';
    });
    const result = diff(withCandidateRule, rekeyed);
    expect(result.changes).toEqual([
      { kind: FlagChangeKind.KeyChanged, before: 'prompt-flag', after: 'prompt-flag-2', featbitEvent: null },
    ]);
    expect(result.exposure[CANDIDATE]).toBe(ExposureVerdict.Widened);
  });

  it('reports swapped rollout ids with unchanged ranges, which FeatBit does not see, as a widening', () => {
    const swapped = edited(withCandidateRule, (flag) => {
      flag.rules[0]!.variations = rule(
        'x',
        [],
        [
          [BASE, 0, 0.3],
          [CANDIDATE, 0.3, 1],
        ],
      ).variations;
    });
    const result = diff(withCandidateRule, swapped);
    expect(result.changes).toMatchObject([
      { kind: FlagChangeKind.RuleRolloutChanged, ruleId: 'r1', featbitEvent: null },
    ]);
    expect(result.exposure[CANDIDATE]).toBe(ExposureVerdict.Widened);
  });

  it('lists variations, off variation, targets, rules and conditions like FeatBit, by id', () => {
    const before = edited(withCandidateRule, (flag) => {
      flag.targetUsers = [{ keyIds: ['a', 'b'], variationId: CANDIDATE }];
    });
    const after = edited(before, (flag) => {
      flag.name = 'Prompt 2';
      flag.tags = ['ai'];
      flag.variations[2]!.name = 'renamed';
      flag.variations.push({ id: 'v-new', name: 'new', value: 'prompt v4' });
      flag.disabledVariationId = OTHER;
      flag.targetUsers = [{ keyIds: ['b', 'c'], variationId: CANDIDATE }];
      flag.rules[0]!.conditions[0]!.op = 'NotOneOf';
      flag.rules.push(rule('r2', [{}], [[BASE, 0, 1]]));
    });
    expect(diff(before, after).changes.map((change) => change.kind)).toEqual([
      FlagChangeKind.NameChanged,
      FlagChangeKind.TagsChanged,
      FlagChangeKind.VariationNameChanged,
      FlagChangeKind.VariationAdded,
      FlagChangeKind.OffVariationChanged,
      FlagChangeKind.TargetUsersAdded,
      FlagChangeKind.TargetUsersRemoved,
      FlagChangeKind.RuleConditionChanged,
      FlagChangeKind.RuleAdded,
    ]);
  });
});
