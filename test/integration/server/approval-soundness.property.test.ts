import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  evaluate,
  loadPolicyFile,
  DEFAULT_POLICY_PATH,
  uncoveredRequirements,
  type Policy,
} from '../../../policies/index.js';
import { canonicalJson } from '../../../src/canonical/index.js';
import { jsonFlag } from '../../support/json-flag.js';
import { example, startHarness, type Harness } from './service-harness.js';

/**
 * Issue 12's property: random sequences of API calls (create, edit, review, evidence, apply-stage, rollback,
 * break-glass, signals) by random principals with random role sets and identity aliases, against the sandbox.
 * After every call FeatBit's real state is read and checked against an oracle built from the ledger alone: every
 * value FeatBit can serve is the adopted baseline, or a value of a change whose first stage was applied only after
 * enough distinct people (people, not spellings) with the required roles approved the reviewed record, none of
 * whom wrote any part of it; or the emergency value of a break-glass use while that use is active (any value: the
 * use serves it, approves nothing, and every end of it, by hand or by post-review, takes it away).
 */
const low = example('low-prompt-whitespace');
const PROMPT = low.flags[0].key as string;
const ROUTE = 'prop-model-route';
const P0 = low.flags[0].baseline;
const R0 = { provider: 'openai', model: 'gpt-4o-mini', region: 'eu', latencyTargetMs: 800 };
const VALUES: Record<string, unknown[]> = {
  [PROMPT]: [
    P0,
    low.flags[0].candidate,
    { ...P0, template: 'We guarantee a refund on every claim, risk-free.' },
    { ...P0, template: `${P0.template} Refunds follow the warranty terms.` },
    { ...P0, safety: { refuseTopics: ['medical'] } },
  ],
  [ROUTE]: [
    R0,
    { ...R0, latencyTargetMs: 900 },
    { ...R0, provider: 'mistral', model: 'mistral-small' },
    { ...R0, region: 'us' },
  ],
};
const SURFACE: Record<string, string> = { [PROMPT]: 'prompt', [ROUTE]: 'modelRoute' };

/** Principals: token name → roles; the identity mapping ties some of them into one person. */
const PRINCIPALS: Record<string, string[]> = {
  'ann-req': ['requester'],
  'Ann@Corp.example': ['reviewer', 'aiPlatformOwner', 'featureOwner', 'compliance', 'safetyOwner'],
  'ben-rev': ['aiPlatformOwner', 'featureOwner', 'compliance', 'safetyOwner'],
  'ben-admin': ['admin'],
  cy: ['releaseOwner', 'featureOwner', 'compliance', 'reviewer'],
  dee: ['requester', 'security', 'releaseOwner', 'aiPlatformOwner'],
  ic: ['incidentCommander', 'releaseOwner'],
  ci: ['service'],
};
const PEOPLE = [
  { id: 'ann', emails: ['ann@corp.example'], tokens: ['ann-req'] },
  { id: 'ben', tokens: ['ben-rev', 'ben-admin'] },
];
const personOf = (identity: string): string => {
  const folded = identity.trim().toLowerCase();
  if (['ann-req', 'ann@corp.example'].includes(folded)) return 'ann';
  if (['ben-rev', 'ben-admin'].includes(folded)) return 'ben';
  return folded;
};
const NAMES = Object.keys(PRINCIPALS);

const PLANS = [
  { stages: [{ name: 'everyone', audience: 'all users', percentage: 100, minDuration: '1s' }] },
  {
    stages: [
      { name: 'fifth', audience: 'all users', percentage: 20, minDuration: '1h' },
      { name: 'all', audience: 'everyone', percentage: 100, minDuration: '1h' },
    ],
  },
  {
    stages: [
      { name: 'canary', audience: 'all users', percentage: 1, minDuration: '4h' },
      { name: 'ten', audience: 'all users', percentage: 10, minDuration: '4h' },
      { name: 'all', audience: 'all users', percentage: 100, minDuration: '4h' },
    ],
    rollback: { plan: 'roll back', fallbackBehaviour: 'baseline' },
  },
];

/** Stands for "another identity of whoever opened the change" (the requester trying to approve their own change). */
const ALIAS = 'alias-of-requester';
const ALIASES: Record<string, string> = { 'ann-req': 'Ann@Corp.example', dee: 'dee', 'ben-admin': 'ben-rev', ci: 'ci' };
const openedBy = new Map<string, string>();

type Action =
  | {
      kind: 'create';
      as: string;
      flag: string;
      candidate: number;
      rollback: number | null;
      plan: number;
      staleBaseline: boolean;
    }
  | { kind: 'edit'; as: string; change: number; candidate: number }
  | { kind: 'review'; as: string; change: number; approve: boolean; revision: boolean }
  | { kind: 'evidence'; as: string; change: number; type: string }
  | { kind: 'apply'; as: string; change: number }
  | { kind: 'rollback'; as: string; change: number }
  | { kind: 'breakGlass'; as: string; flag: string; value: number }
  | { kind: 'postReview'; as: string; flag: string; approve: boolean }
  | { kind: 'endBreakGlass'; as: string; flag: string }
  | { kind: 'signal'; as: string; change: number; value: number };

/** Mostly someone who may make the call, sometimes anyone: every call is also tried by the wrong people. */
const as = (...likely: string[]): fc.Arbitrary<string> =>
  fc.oneof({ weight: 3, arbitrary: fc.constantFrom(...likely) }, { weight: 1, arbitrary: fc.constantFrom(...NAMES) });
const flag = fc.oneof({ weight: 3, arbitrary: fc.constant(PROMPT) }, { weight: 1, arbitrary: fc.constant(ROUTE) });
const change = fc.nat({ max: 1 });
/** Candidates: the low-tier one (index 1) often, so releases happen; the others raise the tier. */
const candidate = fc.oneof(
  { weight: 5, arbitrary: fc.constant(1) },
  { weight: 2, arbitrary: fc.integer({ min: 1, max: 4 }) },
);
const action: fc.Arbitrary<Action> = fc.oneof(
  {
    weight: 3,
    arbitrary: fc.record({
      kind: fc.constant('create' as const),
      as: as('ann-req', 'dee', 'ci'),
      flag,
      candidate,
      rollback: fc.option(fc.integer({ min: 0, max: 4 }), { nil: null, freq: 3 }),
      plan: fc.oneof({ weight: 3, arbitrary: fc.constant(0) }, { weight: 2, arbitrary: fc.nat({ max: 2 }) }),
      staleBaseline: fc.nat({ max: 3 }).map((roll) => roll === 0),
    }),
  },
  {
    weight: 1,
    arbitrary: fc.record({
      kind: fc.constant('edit' as const),
      as: as('ann-req', 'dee', 'ben-admin'),
      change,
      candidate,
    }),
  },
  {
    weight: 5,
    arbitrary: fc.record({
      kind: fc.constant('review' as const),
      as: as('Ann@Corp.example', 'ben-rev', 'cy', 'dee', 'ic'),
      change,
      approve: fc.nat({ max: 4 }).map((roll) => roll > 0),
      revision: fc.boolean(),
    }),
  },
  {
    weight: 3,
    arbitrary: fc.record({
      kind: fc.constant('evidence' as const),
      as: as('ci', 'ann-req', 'dee'),
      change,
      type: fc.constantFrom(
        'offlineEval',
        'offlineEval',
        'offlineEval',
        'rollbackTest',
        'rollbackTest',
        'securityReview',
        'shadowTraffic',
      ),
    }),
  },
  {
    weight: 6,
    arbitrary: fc.record({ kind: fc.constant('apply' as const), as: as('cy', 'dee', 'ic', 'ben-admin'), change }),
  },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('rollback' as const), as: as('cy', 'ic'), change }) },
  {
    weight: 1,
    arbitrary: fc.record({ kind: fc.constant('breakGlass' as const), as: as('ic'), flag, value: fc.nat({ max: 4 }) }),
  },
  {
    weight: 1,
    arbitrary: fc.record({
      kind: fc.constant('postReview' as const),
      as: as('dee', 'cy', 'ic'),
      flag,
      approve: fc.boolean(),
    }),
  },
  { weight: 3, arbitrary: fc.record({ kind: fc.constant('endBreakGlass' as const), as: as('ic', 'dee'), flag }) },
  {
    weight: 1,
    arbitrary: fc.record({
      kind: fc.constant('signal' as const),
      as: as('ci', 'cy', 'ann-req'),
      change,
      value: fc.double({ min: 0, max: 1, noNaN: true }),
    }),
  },
);

/** An episode: open a change, a few random calls (mostly about it), then try to ship it; sequences chain episodes. */
const episode: fc.Arbitrary<Action[]> = fc
  .tuple(
    action.filter((one) => one.kind === 'create'),
    fc.array(action, { maxLength: 5 }),
    fc
      .tuple(as('ci', 'ann-req', 'dee'), fc.nat({ max: 3 }))
      .map(([attacher, count]): Action[] =>
        ['offlineEval', 'rollbackTest', 'securityReview']
          .slice(0, count)
          .map((type) => ({ kind: 'evidence', as: attacher, change: 0, type })),
      ),
    fc.array(
      fc.record({
        kind: fc.constant('review' as const),
        as: fc.oneof(as('Ann@Corp.example', 'ben-rev', 'cy', 'dee', 'ic'), fc.constant(ALIAS)),
        change: fc.constant(0),
        approve: fc.nat({ max: 7 }).map((roll) => roll > 0),
        revision: fc.boolean(),
      }),
      { minLength: 1, maxLength: 3 },
    ),
    fc.record({ kind: fc.constant('apply' as const), as: as('cy', 'dee', 'ic'), change: fc.constant(0) }),
    fc.array(action, { maxLength: 3 }),
  )
  .map(([opened, noise, evidence, reviews, ship, after]) => [
    opened,
    ...noise,
    ...evidence,
    ...reviews,
    ship,
    ...after,
  ]);
const sequence: fc.Arbitrary<Action[]> = fc
  .array(episode, { minLength: 2, maxLength: 5 })
  .map((episodes) => episodes.flat());

let h: Harness;
let policy: Policy;
let run = 0;
/** How often each kind of call was answered with each status, so the test shows it exercised releases. */
const answered = new Map<string, number>();

beforeAll(async () => {
  policy = await loadPolicyFile(DEFAULT_POLICY_PATH);
  h = await startHarness(
    (envId) => [
      jsonFlag(envId, PROMPT, [{ id: 'current', name: 'current', value: P0 }]),
      jsonFlag(envId, ROUTE, [{ id: 'current', name: 'current', value: R0 }]),
    ],
    { identity: { people: PEOPLE } },
    NAMES.map((name) => ({ name, roles: PRINCIPALS[name]! })),
  );
  for (const flagKey of [PROMPT, ROUTE]) {
    expect(
      (
        await h.call('POST', '/v1/adoptions', {
          token: h.tokens.admin,
          body: { envId: h.envId, flagKey, reason: 'baseline' },
        })
      ).status,
    ).toBe(201);
  }
}, 60_000);

afterAll(async () => {
  await h?.close();
});

async function ledger(): Promise<any[]> {
  const entries: any[] = [];
  let afterSeq = 0;
  for (;;) {
    const page = await h.call('GET', `/v1/audit?afterSeq=${afterSeq}&limit=1000`, { token: h.tokens.auditor });
    expect(page.status).toBe(200);
    entries.push(...page.body.entries);
    if (page.body.nextAfterSeq === null || page.body.entries.length === 0) return entries;
    afterSeq = page.body.nextAfterSeq;
  }
}

/** The approved baseline value of a flag, read from the ledger's newest approved state. */
function approvedBaseline(entries: any[], flagKey: string): unknown {
  const states = entries.filter(
    (entry) =>
      (entry.type === 'approved-state.set' || entry.type === 'flag.adopted') && entry.data.state?.flagKey === flagKey,
  );
  const state = states.at(-1)!.data.state;
  return JSON.parse(state.flag.variations.find((variation: any) => variation.id === state.baselineVariationId).value);
}

/**
 * The oracle: from the ledger alone, which values each flag may serve, and which changes reached FeatBit without
 * the approvals their reviewed record needed (each must be empty).
 */
function oracle(entries: any[]): { allowed: Map<string, Set<string>>; violations: string[] } {
  const allowed = new Map<string, Set<string>>([PROMPT, ROUTE].map((key) => [key, new Set<string>()]));
  const violations: string[] = [];
  const changes = new Map<string, { record: any; authors: Set<string>; reviews: any[]; released: boolean }>();
  // A break-glass use may serve its emergency value while it is active, and only then: it approves nothing.
  const emergency = new Map<string, { flagKey: string; value: string }>();
  for (const entry of entries) {
    if (entry.type === 'approved-state.set' && entry.data.state?.breakGlassId) {
      const state = entry.data.state;
      const served = state.flag.variations.find(
        (variation: any) => variation.id === state.flag.fallthrough.variations[0].id,
      );
      emergency.set(state.breakGlassId, { flagKey: state.flagKey, value: canonicalJson(JSON.parse(served.value)) });
      continue;
    }
    if (entry.type === 'break-glass.expired') {
      emergency.delete(entry.data.id);
      continue;
    }
    if (entry.type === 'flag.adopted') {
      const state = entry.data.state;
      allowed
        .get(state.flagKey)
        ?.add(
          canonicalJson(
            JSON.parse(
              state.flag.variations.find((variation: any) => variation.id === state.baselineVariationId).value,
            ),
          ),
        );
      continue;
    }
    if (entry.type === 'change.created' || entry.type === 'change.edited') {
      const record = entry.data.record;
      const existing = changes.get(record.key);
      const authors = existing?.authors ?? new Set<string>();
      authors.add(personOf(entry.actor.id));
      authors.add(personOf(record.requester));
      changes.set(record.key, { record, authors, reviews: [], released: existing?.released ?? false });
      continue;
    }
    const key = entry.data?.changeKey;
    const state = key ? changes.get(key) : undefined;
    if (!state) continue;
    if (entry.type === 'review.submitted') state.reviews.push(entry.data.review);
    if (entry.type === 'review.approvals-reset') state.reviews = [];
    if (entry.type === 'release.stage-applied' && !state.released) {
      state.released = true;
      const evaluation = evaluate(state.record, policy);
      const latest = new Map<string, any>();
      for (const review of state.reviews) {
        const person = personOf(review.reviewer);
        if (state.authors.has(person)) continue;
        latest.set(person, review);
      }
      const approvers = [...latest.entries()]
        .filter(([, review]) => review.decision === 'approve')
        .map(([person, review]) => ({ reviewer: person, roles: review.roles }));
      const rejected = [...latest.values()].some((review) => review.decision === 'reject');
      const required = evaluation.requiredApprovals;
      const uncovered = uncoveredRequirements(required.mustInclude, approvers, required.onePersonMayFillSeveralRoles);
      if (rejected || approvers.length < required.count || uncovered.length > 0) {
        violations.push(
          `${key} (${evaluation.tier}) reached FeatBit approved by [${approvers.map((one) => one.reviewer).join(', ')}], authors [${[...state.authors].join(', ')}]`,
        );
      }
      for (const changed of state.record.flags) {
        const values = allowed.get(changed.key);
        if (!values) continue;
        for (const value of [changed.candidate, changed.rollbackValue, ...(changed.servedValues ?? [])])
          if (value !== undefined) values.add(canonicalJson(value));
      }
    }
  }
  for (const { flagKey, value } of emergency.values()) allowed.get(flagKey)?.add(value);
  return { allowed, violations };
}

/** Every value FeatBit can serve for a flag right now: targets, rule and default-rule rollouts, the off variation. */
async function servedValues(flagKey: string): Promise<string[]> {
  const answer = await fetch(`${h.sandbox.url}/api/v1/envs/${h.envId}/feature-flags/${flagKey}`, {
    headers: { Authorization: h.sandbox.tokens.demo.token },
  });
  const flag = ((await answer.json()) as any).data;
  const ids = new Set<string>([flag.disabledVariationId]);
  for (const target of flag.targetUsers) if (target.keyIds.length > 0) ids.add(target.variationId);
  for (const slot of [...flag.rules.map((rule: any) => rule.variations), flag.fallthrough.variations]) {
    for (const rollout of slot) if (rollout.rollout[1] > rollout.rollout[0]) ids.add(rollout.id);
  }
  return flag.variations
    .filter((variation: any) => ids.has(variation.id))
    .map((variation: any) => canonicalJson(JSON.parse(variation.value)));
}

const pick = (flagKey: string, index: number): unknown => VALUES[flagKey]![index % VALUES[flagKey]!.length];

async function perform(step: Action, keys: string[], entries: any[]): Promise<number> {
  const target = 'change' in step ? keys[keys.length - 1 - Math.min(step.change, keys.length - 1)] : undefined;
  const token = h.extraTokens[step.as === ALIAS ? (ALIASES[openedBy.get(target ?? '') ?? ''] ?? 'cy') : step.as]!;
  // The newest changes, so calls pile up on a few and some get far enough to be released.
  const keyOf = (index: number): string | undefined => keys[keys.length - 1 - Math.min(index, keys.length - 1)];
  switch (step.kind) {
    case 'create': {
      const key = `prop-${run}-${keys.length}`;
      const baseline = step.staleBaseline ? VALUES[step.flag]![0] : approvedBaseline(entries, step.flag);
      const flagEntry: Record<string, unknown> = {
        key: step.flag,
        surface: SURFACE[step.flag],
        baseline,
        candidate: pick(step.flag, step.candidate),
      };
      if (step.rollback !== null) flagEntry.rollbackValue = pick(step.flag, step.rollback);
      const record = {
        ...low,
        key,
        flags: [flagEntry],
        release: {
          decisionOwner: 'support-ai-team',
          holdIf: [{ metric: 'errorRate', operator: 'above', threshold: 0.5 }],
          ...PLANS[step.plan],
        },
      };
      const answer = await h.call('POST', '/v1/changes', { token, body: record });
      if (answer.status === 201) {
        keys.push(key);
        openedBy.set(key, step.as);
      }
      return answer.status;
    }
    case 'edit': {
      const key = keyOf(step.change);
      if (!key) return 0;
      const current = await h.call('GET', `/v1/changes/${key}`, { token: h.tokens.auditor });
      const record = { ...current.body.record };
      delete record.authors;
      record.flags = record.flags.map(({ basedOn: _b, stageAudiences: _s, ...rest }: any) => ({
        ...rest,
        candidate: pick(rest.key, step.candidate),
      }));
      const answer = await h.call('PUT', `/v1/changes/${key}`, { token, body: record });
      return answer.status;
    }
    case 'review': {
      const key = keyOf(step.change);
      if (!key) return 0;
      const revision = step.revision
        ? (await h.call('GET', `/v1/changes/${key}`, { token: h.tokens.auditor })).body.revision
        : undefined;
      const body = {
        decision: step.approve ? 'approve' : 'reject',
        comment: step.approve ? '' : 'no',
        ...(revision ? { revision } : {}),
      };
      const answer = await h.call('POST', `/v1/changes/${key}/reviews`, { token, body });
      return answer.status;
    }
    case 'evidence': {
      const key = keyOf(step.change);
      if (!key) return 0;
      return (
        await h.call('POST', `/v1/changes/${key}/evidence`, {
          token,
          body: { type: step.type, summary: 'ran', result: 'passed' },
        })
      ).status;
    }
    case 'apply': {
      const key = keyOf(step.change);
      if (!key) return 0;
      const answer = await h.call('POST', `/v1/changes/${key}/release/apply-stage`, { token, body: {} });
      return answer.status;
    }
    case 'rollback': {
      const key = keyOf(step.change);
      if (!key) return 0;
      return (await h.call('POST', `/v1/changes/${key}/release/rollback`, { token, body: { reason: 'random' } }))
        .status;
    }
    case 'breakGlass': {
      // Any value, approved or not: the emergency value is served while the use is active, never approved by it.
      const body = {
        environment: 'production',
        flagKey: step.flag,
        incidentReference: 'INC-1',
        reason: 'incident',
        duration: '1h',
        serve: { value: pick(step.flag, step.value) },
      };
      return (await h.call('POST', '/v1/break-glass', { token, body })).status;
    }
    case 'postReview':
    case 'endBreakGlass': {
      const listed = await h.call('GET', '/v1/break-glass', { token: h.tokens.auditor });
      const active = listed.body.items.find((item: any) => item.flagKey === step.flag && item.status !== 'ended');
      if (!active) return 0;
      if (step.kind === 'endBreakGlass')
        return (await h.call('POST', `/v1/break-glass/${active.id}/end`, { token, body: { reason: 'over' } })).status;
      const body = { decision: step.approve ? 'approve' : 'reject', comment: step.approve ? '' : 'no' };
      return (await h.call('POST', `/v1/break-glass/${active.id}/reviews`, { token, body })).status;
    }
    case 'signal': {
      const key = keyOf(step.change);
      if (!key) return 0;
      return (
        await h.call('POST', `/v1/changes/${key}/signals`, {
          token,
          body: { signals: [{ metric: 'errorRate', value: step.value }] },
        })
      ).status;
    }
  }
}

describe('approvals over random API sequences (property)', () => {
  it('never lets FeatBit serve a value that was not classified and approved by enough distinct non-author people with the required roles', async () => {
    await fc.assert(
      fc.asyncProperty(sequence, async (steps) => {
        run += 1;
        const keys: string[] = [];
        for (const step of steps) {
          const before = await ledger();
          const status = await perform(step, keys, before);
          expect(status, `${JSON.stringify(step)} answered ${status}`).toBeLessThan(500);
          answered.set(`${step.kind} ${status}`, (answered.get(`${step.kind} ${status}`) ?? 0) + 1);
          const entries = await ledger();
          const { allowed, violations } = oracle(entries);
          expect(violations).toEqual([]);
          for (const flagKey of [PROMPT, ROUTE]) {
            for (const served of await servedValues(flagKey)) {
              expect(
                allowed.get(flagKey)!.has(served),
                `${flagKey} serves ${served} after ${JSON.stringify(step)}`,
              ).toBe(true);
            }
          }
        }
      }),
      { numRuns: 25, seed: 1207, endOnFailure: true },
    );
    // The sequences reached FeatBit (stages applied, rollbacks, break-glass) and were refused too, or the property proves nothing.
    expect(answered.get('apply 200') ?? 0, JSON.stringify([...answered])).toBeGreaterThan(3);
    expect(answered.get('review 403') ?? 0).toBeGreaterThan(0);
    expect(answered.get('apply 409') ?? 0).toBeGreaterThan(0);
    expect(answered.get('breakGlass 201') ?? 0).toBeGreaterThan(0);
    expect((answered.get('endBreakGlass 200') ?? 0) + (answered.get('postReview 201') ?? 0)).toBeGreaterThan(0);
    expect([...answered.keys()].some((call) => call.startsWith('signal '))).toBe(true);
  }, 600_000);
});
