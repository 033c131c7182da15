import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { diffFlag, ExposureVerdict } from '../../../../src/featbit/diff/index.js';
import { evaluateFlag, type FeatBitUser } from '@featgate/openfeature/evaluator';
import {
  flagSchema,
  segmentSchema,
  type Condition,
  type FeatBitFlag,
  type FeatBitSegment,
  type RolloutVariation,
  type TargetRule,
} from '../../../../src/featbit/model/index.js';
import { pickWith, seededRandom } from '../../../support/seeded-random.js';

const BASE = 'base';
const VARIATIONS = [BASE, 'cand-a', 'cand-b'];
const KEYS = Array.from({ length: 10 }, (_, i) => `k${i}`);
const COUNTRIES = ['cn', 'us', 'jp', 'fr'];
const PLANS = ['free', 'pro', 'prime', 'team'];
const AGES = ['18', '25', '30', '40'];
const SEGMENT_IDS = ['seg-1', 'seg-2'];
const CUTS = [0, 0.1, 0.25, 0.3, 0.5, 0.7, 0.9, 1];
const CONTEXT_COUNT = 1500;
const RUNS = Number(process.env.FEATGATE_PROPERTY_RUNS ?? 250);

interface State {
  flag: FeatBitFlag;
  segments: FeatBitSegment[];
}

const subsetOf = <T>(items: readonly T[]) => fc.subarray([...items], { minLength: 1 });

const propertyCondition: fc.Arbitrary<Condition> = fc.oneof(
  fc.record({
    property: fc.constant('country'),
    op: fc.constantFrom('Equal', 'NotEqual'),
    value: fc.constantFrom(...COUNTRIES),
  }),
  fc.record({
    property: fc.constant('country'),
    op: fc.constantFrom('IsOneOf', 'NotOneOf'),
    value: subsetOf(COUNTRIES).map((list) => JSON.stringify(list)),
  }),
  fc.record({
    property: fc.constant('age'),
    op: fc.constantFrom('BiggerThan', 'LessThan', 'BiggerEqualThan', 'LessEqualThan'),
    value: fc.constantFrom(...AGES),
  }),
  fc.record({
    property: fc.constant('plan'),
    op: fc.constantFrom('StartsWith', 'Contains', 'EndsWith', 'Equal'),
    value: fc.constantFrom('pr', 'pro', 'f', 'free', 'team', 'e'),
  }),
  fc.record({
    property: fc.constant('keyId'),
    op: fc.constantFrom('IsOneOf', 'NotOneOf'),
    value: subsetOf(KEYS).map((list) => JSON.stringify(list)),
  }),
  fc.record({ property: fc.constant('member'), op: fc.constantFrom('IsTrue', 'IsFalse'), value: fc.constant('') }),
);

const segmentCondition: fc.Arbitrary<Condition> = fc.record({
  property: fc.constantFrom('User is in segment', 'User is not in segment'),
  op: fc.constant(null),
  value: subsetOf(SEGMENT_IDS).map((list) => JSON.stringify(list)),
});

const ruleCondition = fc.oneof({ arbitrary: propertyCondition, weight: 4 }, { arbitrary: segmentCondition, weight: 1 });

/** Rollouts: a partition of [0, 1] over cut points, or overlapping ranges closed by a catch-all entry. */
const rollouts: fc.Arbitrary<RolloutVariation[]> = fc.oneof(
  fc
    .tuple(fc.subarray(CUTS.slice(1, -1)), fc.array(fc.constantFrom(...VARIATIONS), { minLength: 8, maxLength: 8 }))
    .map(([cuts, ids]) => {
      const points = [0, ...cuts, 1];
      return points
        .slice(1)
        .map((max, i) => ({ id: ids[i]!, rollout: [points[i]!, max] as [number, number], exptRollout: 1 }));
    }),
  fc
    .tuple(
      fc.array(fc.tuple(fc.constantFrom(...VARIATIONS), fc.constantFrom(...CUTS), fc.constantFrom(...CUTS)), {
        minLength: 1,
        maxLength: 3,
      }),
      fc.constantFrom(...VARIATIONS),
    )
    .map(([entries, last]) => [
      ...entries.map(([id, a, b]) => ({
        id,
        rollout: [Math.min(a, b), Math.max(a, b)] as [number, number],
        exptRollout: 1,
      })),
      { id: last, rollout: [0, 1] as [number, number], exptRollout: 1 },
    ]),
);

const dispatchKey = fc.constantFrom(null, 'keyId', 'plan', 'country');

let ruleCounter = 0;
const targetRule: fc.Arbitrary<TargetRule> = fc
  .record({ conditions: fc.array(ruleCondition, { maxLength: 2 }), variations: rollouts, dispatchKey })
  .map((rule) => {
    ruleCounter += 1;
    return { id: `r${ruleCounter}`, name: `r${ruleCounter}`, includedInExpt: false, ...rule };
  });

const segmentArb = (id: string): fc.Arbitrary<FeatBitSegment> =>
  fc
    .record({
      included: fc.subarray(KEYS, { maxLength: 3 }),
      excluded: fc.subarray(KEYS, { maxLength: 2 }),
      rules: fc.array(fc.array(propertyCondition, { minLength: 1, maxLength: 2 }), { maxLength: 2 }),
    })
    .map(({ included, excluded, rules }) =>
      segmentSchema.parse({
        id,
        name: id,
        included,
        excluded,
        rules: rules.map((conditions, index) => ({ id: `${id}-r${index}`, name: 'r', conditions })),
      }),
    );

const stateArb: fc.Arbitrary<State> = fc
  .record({
    isEnabled: fc.boolean(),
    disabled: fc.constantFrom(...VARIATIONS),
    targets: fc.array(
      fc.record({ keyIds: fc.subarray(KEYS, { maxLength: 3 }), variationId: fc.constantFrom(...VARIATIONS) }),
      { maxLength: 2 },
    ),
    rules: fc.array(targetRule, { maxLength: 4 }),
    fallthrough: fc.record({ variations: rollouts, dispatchKey }),
    segments: fc.tuple(segmentArb('seg-1'), segmentArb('seg-2')),
  })
  .map(({ isEnabled, disabled, targets, rules, fallthrough, segments }) => ({
    flag: flagSchema.parse({
      id: 'f',
      key: 'ai-prompt',
      variationType: 'string',
      variations: VARIATIONS.map((id) => ({ id, name: id, value: `value of ${id}` })),
      targetUsers: targets,
      rules,
      isEnabled,
      disabledVariationId: disabled,
      fallthrough: { includedInExpt: true, ...fallthrough },
    }),
    segments: [...segments],
  }));

type Edit = (state: State) => void;
const at = <T>(items: T[], index: number): T | undefined =>
  items.length === 0 ? undefined : items[index % items.length];

const editArb: fc.Arbitrary<Edit> = fc.oneof(
  fc.constant<Edit>((s) => {
    s.flag.isEnabled = !s.flag.isEnabled;
  }),
  fc.constant<Edit>((s) => {
    s.flag.isArchived = !s.flag.isArchived;
  }),
  fc.constantFrom(...VARIATIONS).map<Edit>((id) => (s) => {
    s.flag.disabledVariationId = id;
  }),
  fc.tuple(fc.constantFrom(...KEYS), fc.constantFrom(...VARIATIONS)).map<Edit>(([key, id]) => (s) => {
    const list = s.flag.targetUsers.find((target) => target.variationId === id);
    if (list) list.keyIds = [...list.keyIds, key];
    else s.flag.targetUsers.push({ keyIds: [key], variationId: id });
  }),
  fc.constantFrom(...KEYS).map<Edit>((key) => (s) => {
    for (const target of s.flag.targetUsers) target.keyIds = target.keyIds.filter((k) => k !== key);
  }),
  fc.tuple(targetRule, fc.nat()).map<Edit>(([rule, index]) => (s) => {
    s.flag.rules.splice(index % (s.flag.rules.length + 1), 0, rule);
  }),
  fc.nat().map<Edit>((index) => (s) => {
    if (s.flag.rules.length > 0) s.flag.rules.splice(index % s.flag.rules.length, 1);
  }),
  fc.tuple(fc.nat(), fc.nat()).map<Edit>(([a, b]) => (s) => {
    const rules = s.flag.rules;
    if (rules.length < 2) return;
    const [i, j] = [a % rules.length, b % rules.length];
    [rules[i], rules[j]] = [rules[j]!, rules[i]!];
  }),
  fc.tuple(fc.nat(), ruleCondition).map<Edit>(([index, condition]) => (s) => {
    at(s.flag.rules, index)?.conditions.push(condition);
  }),
  fc.tuple(fc.nat(), fc.nat()).map<Edit>(([index, c]) => (s) => {
    const rule = at(s.flag.rules, index);
    if (rule && rule.conditions.length > 0) rule.conditions.splice(c % rule.conditions.length, 1);
  }),
  fc.tuple(fc.nat(), fc.nat(), propertyCondition).map<Edit>(([index, c, condition]) => (s) => {
    const rule = at(s.flag.rules, index);
    if (rule && rule.conditions.length > 0) rule.conditions[c % rule.conditions.length] = condition;
  }),
  fc.tuple(fc.nat(), rollouts).map<Edit>(([index, variations]) => (s) => {
    const rule = at(s.flag.rules, index);
    if (rule) rule.variations = variations;
    else s.flag.fallthrough.variations = variations;
  }),
  fc.tuple(fc.nat(), fc.nat()).map<Edit>(([index, entry]) => (s) => {
    const list = at(s.flag.rules, index)?.variations ?? s.flag.fallthrough.variations;
    const target = at(list, entry);
    if (!target) return;
    const [min, max] = target.rollout;
    target.rollout = [min, min + (max - min) / 2];
    list.push({ id: BASE, rollout: [0, 1], exptRollout: 1 });
  }),
  fc.tuple(fc.nat(), dispatchKey).map<Edit>(([index, key]) => (s) => {
    const rule = at(s.flag.rules, index);
    if (rule) rule.dispatchKey = key;
    else s.flag.fallthrough.dispatchKey = key;
  }),
  fc.tuple(fc.constantFrom(...VARIATIONS), fc.string({ maxLength: 3 })).map<Edit>(([id, suffix]) => (s) => {
    const variation = s.flag.variations.find((candidate) => candidate.id === id)!;
    variation.value = `${variation.value}${suffix}`;
  }),
  fc
    .tuple(fc.nat(1), fc.constantFrom(...KEYS), fc.constantFrom('included', 'excluded' as const), fc.boolean())
    .map<Edit>(([seg, key, list, add]) => (s) => {
      const segment = s.segments[seg]!;
      segment[list] = add ? [...segment[list], key] : segment[list].filter((k) => k !== key);
    }),
  fc
    .tuple(fc.nat(1), fc.array(propertyCondition, { minLength: 1, maxLength: 2 }))
    .map<Edit>(([seg, conditions]) => (s) => {
      s.segments[seg]!.rules = [...s.segments[seg]!.rules, { id: `new-${conditions.length}`, name: 'new', conditions }];
    }),
  fc.tuple(fc.nat(1), fc.nat()).map<Edit>(([seg, index]) => (s) => {
    const rules = s.segments[seg]!.rules;
    if (rules.length > 0) s.segments[seg]!.rules = rules.filter((_, i) => i !== index % rules.length);
  }),
  fc.tuple(fc.nat(1), fc.nat(), propertyCondition).map<Edit>(([seg, index, condition]) => (s) => {
    const rule = at(s.segments[seg]!.rules, index);
    if (rule) rule.conditions = [...rule.conditions.slice(1), condition];
  }),
);

function contexts(): FeatBitUser[] {
  const random = seededRandom(7);
  const pick = pickWith(random);
  return Array.from({ length: CONTEXT_COUNT }, (_, i) => {
    const customizedProperties: Record<string, string> = {};
    if (random() < 0.9) customizedProperties.country = pick(COUNTRIES);
    if (random() < 0.9) customizedProperties.plan = pick(PLANS);
    if (random() < 0.9) customizedProperties.age = pick([...AGES, '22', '35', '50']);
    if (random() < 0.8) customizedProperties.member = pick(['true', 'false']);
    return { keyId: i < 200 ? KEYS[i % KEYS.length]! : `u${i}`, customizedProperties };
  });
}

function servedIds(state: State, users: readonly FeatBitUser[]): (string | undefined)[] {
  const byId = new Map(state.segments.map((segment) => [segment.id, segment]));
  // FeatBit's server SDKs serve archived flags as if live, so the oracle evaluates them that way.
  return users.map(
    (user) => evaluateFlag({ ...state.flag, isArchived: false }, user, (id) => byId.get(id)).variationId,
  );
}

describe('exposure verdicts are sound against evaluation of thousands of contexts', () => {
  const users = contexts();

  it('reports every edit that moves a context onto a non-baseline variation as widening it', () => {
    const verdictCounts = new Map<ExposureVerdict, number>();
    fc.assert(
      fc.property(stateArb, fc.array(editArb, { minLength: 1, maxLength: 4 }), (before, edits) => {
        const after = structuredClone(before);
        for (const edit of edits) edit(after);
        const diff = diffFlag(before.flag, after.flag, {
          baselineVariationId: BASE,
          segmentsBefore: before.segments,
          segmentsAfter: after.segments,
        });
        for (const verdict of Object.values(diff.exposure))
          verdictCounts.set(verdict, (verdictCounts.get(verdict) ?? 0) + 1);
        const [was, now] = [servedIds(before, users), servedIds(after, users)];
        const valueOf = (state: State, id: string) =>
          state.flag.variations.find((variation) => variation.id === id)?.value;
        for (let i = 0; i < users.length; i += 1) {
          const [from, to] = [was[i], now[i]];
          if (to !== undefined && to !== BASE && (to !== from || valueOf(before, to) !== valueOf(after, to))) {
            expect(diff.exposure[to], `context ${JSON.stringify(users[i])} moved from ${from} to ${to}`).toBe(
              ExposureVerdict.Widened,
            );
          }
          if (from !== undefined && from !== BASE && to !== from) {
            expect(diff.exposure[from], `context ${JSON.stringify(users[i])} left ${from}`).not.toBe(
              ExposureVerdict.Unchanged,
            );
          }
        }
      }),
      { numRuns: RUNS },
    );
    const proven =
      (verdictCounts.get(ExposureVerdict.Narrowed) ?? 0) + (verdictCounts.get(ExposureVerdict.Unchanged) ?? 0);
    expect(proven, 'the diff proves some narrowings, not only widenings').toBeGreaterThan(RUNS / 4);
    expect(verdictCounts.get(ExposureVerdict.Narrowed) ?? 0).toBeGreaterThan(RUNS / 20);
  });

  it("proves the product's safe edits on random flags: kill switch, lowered share, removed candidate target", () => {
    fc.assert(
      fc.property(stateArb, (before) => {
        const off = structuredClone(before);
        off.flag.isEnabled = false;
        off.flag.disabledVariationId = BASE;
        const killed = diffFlag(before.flag, off.flag, {
          baselineVariationId: BASE,
          segmentsBefore: before.segments,
          segmentsAfter: off.segments,
        });
        expect(Object.values(killed.exposure).every((verdict) => verdict !== ExposureVerdict.Widened)).toBe(true);
        const lowered = structuredClone(before);
        for (const list of [
          ...lowered.flag.rules.map((rule) => rule.variations),
          lowered.flag.fallthrough.variations,
        ]) {
          for (let i = list.length - 1; i >= 0; i -= 1) {
            const [min, max] = list[i]!.rollout;
            if (list[i]!.id === BASE || max - min < 0.02) continue;
            const mid = min + (max - min) / 2;
            list[i]!.rollout = [min, mid];
            list.splice(i + 1, 0, { id: BASE, rollout: [mid, max], exptRollout: 1 });
          }
        }
        const shares = diffFlag(before.flag, lowered.flag, {
          baselineVariationId: BASE,
          segmentsBefore: before.segments,
          segmentsAfter: lowered.segments,
        });
        expect(Object.values(shares.exposure).every((verdict) => verdict !== ExposureVerdict.Widened)).toBe(true);
        if (before.flag.isArchived) return;
        const untargeted = structuredClone(before);
        for (const target of untargeted.flag.targetUsers)
          if (target.variationId !== BASE) target.keyIds = target.keyIds.slice(1);
        const onlyCandidateTargetsLost = diffFlag(before.flag, untargeted.flag, {
          baselineVariationId: BASE,
          segmentsBefore: before.segments,
          segmentsAfter: untargeted.segments,
        });
        for (const id of VARIATIONS.slice(1)) {
          const losesTarget = before.flag.targetUsers.some(
            (target) => target.variationId === id && target.keyIds.length > 0,
          );
          const othersLoseTargets = before.flag.targetUsers.some(
            (target) => target.variationId !== id && target.variationId !== BASE && target.keyIds.length > 0,
          );
          if (losesTarget && !othersLoseTargets)
            expect(onlyCandidateTargetsLost.exposure[id]).not.toBe(ExposureVerdict.Widened);
        }
      }),
      { numRuns: 100 },
    );
  });
});
