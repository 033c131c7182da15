import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FeatBitRestClient } from '../../../src/featbit/rest-client/index.js';
import { silentLogger } from '../../../src/logging/index.js';
import { jsonFlag } from '../../support/json-flag.js';
import { example, startHarness, type Harness } from './service-harness.js';

/**
 * Issue 12, played by a hostile requester, admin and flag admin through the public API with real tokens: each
 * test is one hole, and shows it closed.
 */
const low = example('low-prompt-whitespace');
const high = example('high-model-provider-change');
const promptKey: string = low.flags[0].key;
const routeKey: string = high.flags[0].key;
const CLAIMS = 'We guarantee a full refund on every claim, risk-free.';
const STAFF_RULE = {
  id: 'rule-staff',
  name: 'internal staff',
  dispatchKey: null,
  includedInExpt: false,
  conditions: [{ property: 'email', op: 'EndsWith', value: '@acme.example' }],
};

const PROPOSAL_FLAG = 'proposal-model-route';
const ROUTE = { provider: 'openai', model: 'gpt-4o-mini', region: 'eu', latencyTargetMs: 800 };

let h: Harness;
/** How far the service's clock runs ahead of the wall clock: tests move it past a stage's minimum duration. */
let clockAheadMs = 0;
const token = (name: string): string => h.extraTokens[name]!;

beforeAll(async () => {
  h = await startHarness(
    (envId) => [
      jsonFlag(
        envId,
        promptKey,
        [{ id: 'current', name: 'current', value: low.flags[0].baseline }],
        [{ ...STAFF_RULE, variations: [{ id: 'current', rollout: [0, 1], exptRollout: 1 }] }],
      ),
      jsonFlag(envId, routeKey, [{ id: 'current', name: 'current', value: high.flags[0].baseline }]),
      jsonFlag(envId, PROPOSAL_FLAG, [{ id: 'current', name: 'current', value: ROUTE }]),
    ],
    {
      identity: {
        people: [
          { id: 'alice', emails: ['alice@corp.example'], tokens: ['alice-admin'], featbitUsers: ['Alice Smith'] },
          { id: 'bob', emails: ['bob@corp.example'], tokens: ['bob-admin'] },
        ],
      },
    },
    [
      { name: 'alice@corp.example', roles: ['requester'] },
      { name: 'Alice@Corp.example', roles: ['reviewer', 'featureOwner'] },
      { name: 'alice-admin', roles: ['admin'] },
      { name: 'bob-admin', roles: ['admin'] },
      { name: 'carol', roles: ['reviewer', 'featureOwner'] },
    ],
    { now: () => new Date(Date.now() + clockAheadMs) },
  );
  for (const flagKey of [promptKey, routeKey, PROPOSAL_FLAG]) {
    expect(
      (
        await h.call('POST', '/v1/adoptions', {
          token: h.tokens.admin,
          body: { envId: h.envId, flagKey, reason: 'baseline' },
        })
      ).status,
    ).toBe(201);
  }
});

afterAll(async () => {
  await h?.close();
});

function lowChange(key: string, candidate: unknown = low.flags[0].candidate, extra: Record<string, unknown> = {}): any {
  return { ...low, key, flags: [{ ...low.flags[0], candidate, ...extra }] };
}

async function create(record: unknown, as = h.tokens.requester) {
  return h.call('POST', '/v1/changes', { token: as, body: record });
}

async function approve(key: string, as: string, body: Record<string, unknown> = {}) {
  return h.call('POST', `/v1/changes/${key}/reviews`, {
    token: as,
    body: { decision: 'approve', comment: 'ok', ...body },
  });
}

async function liveFlag(flagKey: string): Promise<any> {
  const answer = await fetch(`${h.sandbox.url}/api/v1/envs/${h.envId}/feature-flags/${flagKey}`, {
    headers: { Authorization: h.sandbox.tokens.demo.token },
  });
  return ((await answer.json()) as any).data;
}

describe('claimed baselines', () => {
  it('refuses a record whose baseline differs from the approved one by one space, naming the difference', async () => {
    const baseline = { ...low.flags[0].baseline, template: `${low.flags[0].baseline.template} ` };
    const claimed = await create({
      ...lowChange('claimed-baseline', { ...low.flags[0].baseline, template: CLAIMS }),
      flags: [{ ...low.flags[0], baseline, candidate: { ...baseline, template: CLAIMS } }],
    });
    expect(claimed.status).toBe(409);
    expect(claimed.body.detail).toContain('is not the approved baseline');
    expect(claimed.body.detail).toContain('$.template');
  });

  it('classifies against what is approved: the truthful claims prompt is high whatever the record says', async () => {
    const created = await create(lowChange('claims-truthful', { ...low.flags[0].baseline, template: CLAIMS }));
    expect(created.status).toBe(201);
    expect(created.body.tier).toBe('high');
    expect(created.body.record.flags[0].basedOn).toMatchObject({ baselineVariationId: 'current' });
  });
});

describe('rollback values', () => {
  it('classifies the rollback value: a whitespace change that rolls back to a claims prompt is high, and the explanation says which value fired', async () => {
    const created = await create(
      lowChange('rollback-to-claims', low.flags[0].candidate, {
        rollbackValue: { ...low.flags[0].baseline, template: CLAIMS },
      }),
    );
    expect(created.status).toBe(201);
    expect(created.body.tier).toBe('high');
    const explained = await h.call('GET', '/v1/changes/rollback-to-claims/policy', { token: h.tokens.auditor });
    expect(explained.status).toBe(200);
    expect(explained.body.values).toEqual([
      expect.objectContaining({ value: 'candidate', firedRuleIds: ['prompt-whitespace-only'] }),
      expect.objectContaining({
        value: 'rollbackValue',
        tier: 'high',
        firedRuleIds: expect.arrayContaining(['prompt-claims']),
      }),
    ]);
    expect(explained.body.firedRules).toEqual(
      expect.arrayContaining([expect.objectContaining({ ruleId: 'prompt-claims', value: 'rollbackValue' })]),
    );
  });

  it('refuses servedValues from a requester: only featgate lists them, for proposals', async () => {
    const sneaky = await create(lowChange('served-by-hand', low.flags[0].candidate, { servedValues: [] }));
    expect(sneaky.status).toBe(400);
    expect(JSON.stringify(sneaky.body)).toContain('flags.0.servedValues');
  });
});

describe('separation of duties', () => {
  it('treats every spelling of a person as that person: case, admin token and e-mail of the requester never approve', async () => {
    const created = await create(lowChange('alice-rewrap'), token('alice@corp.example'));
    expect(created.status).toBe(201);
    for (const spelling of ['Alice@Corp.example', 'alice-admin']) {
      const own = await approve('alice-rewrap', token(spelling));
      expect(own.status).toBe(403);
      expect(own.body.detail).toContain('cannot review it: separation of duties');
    }
    const explained = await h.call('GET', '/v1/changes/alice-rewrap/policy', { token: h.tokens.auditor });
    expect(explained.body.approvals.excluded).toEqual([
      expect.objectContaining({ identity: 'alice@corp.example', why: expect.stringContaining('requested the change') }),
    ]);
    expect(explained.body.approvals.stillNeeded).toBe(1);
  });

  it('makes an admin who rewrote the change an author: they cannot approve it alone', async () => {
    const edited = await h.call('PUT', '/v1/changes/alice-rewrap', {
      token: token('bob-admin'),
      body: lowChange('alice-rewrap', { ...low.flags[0].candidate, template: `${low.flags[0].candidate.template}\n` }),
    });
    expect(edited.status).toBe(200);
    expect(edited.body.record.authors).toEqual(['alice@corp.example', 'bob-admin']);
    const bob = await approve('alice-rewrap', token('bob-admin'));
    expect(bob.status).toBe(403);
    expect(bob.body.detail).toContain('bob-admin edited change alice-rewrap and cannot review it');
    const carol = await approve('alice-rewrap', token('carol'));
    expect(carol.status).toBe(201);
    expect(carol.body).toMatchObject({ status: 'approved', decision: { approvedBy: ['carol'] } });
    const explained = await h.call('GET', '/v1/changes/alice-rewrap/policy', { token: h.tokens.auditor });
    expect(explained.body.approvals.excluded.map((one: any) => one.identity)).toEqual([
      'alice@corp.example',
      'bob-admin',
      'carol',
    ]);
  });
});

describe('reviews name a version', () => {
  it('answers 409 to a review of a revision that an edit replaced, and accepts If-Match for the current one', async () => {
    const created = await create(lowChange('review-race'));
    expect(created.body.revision).toBe(1);
    const edited = await h.call('PUT', '/v1/changes/review-race', {
      token: h.tokens.requester,
      body: lowChange('review-race', { ...low.flags[0].baseline, template: CLAIMS }),
    });
    expect(edited.body.revision).toBe(2);
    const stale = await approve('review-race', token('carol'), { revision: 1 });
    expect(stale.status).toBe(409);
    expect(stale.body.detail).toContain('revision 1');
    const headers = await fetch(`${h.service.url}/v1/changes/review-race/reviews`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token('carol')}`, 'content-type': 'application/json', 'if-match': '"1"' },
      body: JSON.stringify({ decision: 'approve' }),
    });
    expect(headers.status).toBe(409);
    const current = await fetch(`${h.service.url}/v1/changes/review-race/reviews`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token('carol')}`, 'content-type': 'application/json', 'if-match': '"2"' },
      body: JSON.stringify({ decision: 'approve' }),
    });
    expect(current.status).toBe(201);
    expect(((await current.json()) as any).reviews[0]).toMatchObject({ reviewer: 'carol', revision: 2 });
  });
});

describe('evidence', () => {
  it('does not count evidence the requester attaches, counts CI evidence, and an edit of the candidate voids it', async () => {
    const record = { ...high, key: 'route-evidence', flags: [{ ...high.flags[0] }] };
    const created = await create(record);
    expect(created.status).toBe(201);
    const own = await h.call('POST', '/v1/changes/route-evidence/evidence', {
      token: h.tokens.requester,
      body: { type: 'offlineEval', summary: 'mine', result: 'passed' },
    });
    expect(own.status).toBe(201);
    expect(own.body.decision.missing.evidence.map((item: any) => item.anyOf[0])).toContain('offlineEval');
    const ci = await h.call('POST', '/v1/changes/route-evidence/evidence', {
      token: h.tokens.service,
      body: { type: 'offlineEval', summary: 'ci run', result: 'passed' },
    });
    expect(ci.body.decision.missing.evidence.map((item: any) => item.anyOf[0])).not.toContain('offlineEval');
    let explained = await h.call('GET', '/v1/changes/route-evidence/policy', { token: h.tokens.auditor });
    expect(explained.body.evidence).toEqual([
      expect.objectContaining({
        attachedBy: 'requester-user',
        counts: false,
        reason: expect.stringContaining('an author of the change'),
      }),
      expect.objectContaining({ attachedBy: 'service-user', counts: true }),
    ]);
    const candidate = { ...high.flags[0].candidate, model: 'mistral-medium-2' };
    expect(
      (
        await h.call('PUT', '/v1/changes/route-evidence', {
          token: h.tokens.requester,
          body: { ...record, flags: [{ ...high.flags[0], candidate }] },
        })
      ).status,
    ).toBe(200);
    explained = await h.call('GET', '/v1/changes/route-evidence/policy', { token: h.tokens.auditor });
    expect(explained.body.evidence[1]).toMatchObject({
      counts: false,
      reason: expect.stringContaining('an edit voided it'),
    });
    expect(explained.body.missingEvidence.map((item: any) => item.anyOf[0])).toContain('offlineEval');
  });
});

describe('stage audiences', () => {
  it('refuses a stage audience that names no rule, segment or everyone, instead of silently using the default rule', async () => {
    const record = lowChange('unknown-audience');
    record.release = {
      ...record.release,
      stages: [{ name: 'beta', audience: 'beta testers', percentage: 25, minDuration: '1h' }],
    };
    const refused = await create(record);
    expect(refused.status).toBe(400);
    expect(JSON.stringify(refused.body)).toContain('release.stages.0.audience');
  });

  it('writes an approved "internal staff, 25%" stage to that rule by id, never to everyone', async () => {
    const record = lowChange('staff-quarter');
    record.release = {
      ...record.release,
      stages: [{ name: 'staff', audience: 'Internal Staff', percentage: 25, minDuration: '1h' }],
    };
    const created = await create(record);
    expect(created.status).toBe(201);
    expect(created.body.record.flags[0].stageAudiences).toEqual([
      expect.objectContaining({ kind: 'rule', ruleId: 'rule-staff' }),
    ]);
    expect((await approve('staff-quarter', token('carol'))).body.status).toBe('approved');
    const applied = await h.call('POST', '/v1/changes/staff-quarter/release/apply-stage', {
      token: h.tokens.releaseOwner,
      body: {},
    });
    expect(applied.status).toBe(200);
    const live = await liveFlag(promptKey);
    expect(live.fallthrough.variations).toEqual([expect.objectContaining({ id: 'current', rollout: [0, 1] })]);
    expect(live.rules[0].variations).toEqual([
      expect.objectContaining({ rollout: [0, 0.25] }),
      expect.objectContaining({ id: 'current', rollout: [0.25, 1] }),
    ]);
    expect(
      (
        await h.call('POST', '/v1/changes/staff-quarter/release/rollback', {
          token: h.tokens.releaseOwner,
          body: { reason: 'test over' },
        })
      ).status,
    ).toBe(200);
  });
});

describe('segment audiences', () => {
  it("ramps the playbook's internal-support-team, then five-percent-low-risk-accounts, each bound to the rule that serves its segment", async () => {
    const flagKey = 'segments-model-route';
    const segment = (id: string, name: string, included: string[]) => ({
      id,
      envId: h.envId,
      name,
      included,
      excluded: [],
      rules: [],
    });
    const inSegment = (id: string, ruleId: string, name: string) => ({
      id: ruleId,
      name,
      dispatchKey: null,
      includedInExpt: false,
      conditions: [{ property: 'User is in segment', op: null, value: JSON.stringify([id]) }],
      variations: [{ id: 'current', rollout: [0, 1], exptRollout: 1 }],
    });
    h.sandbox.control.seed({
      flags: [
        jsonFlag(
          h.envId,
          flagKey,
          [{ id: 'current', name: 'current', value: ROUTE }],
          [
            inSegment('5e6f0000-0000-4000-8000-0000000000a1', 'rule-support', 'support team'),
            inSegment('5e6f0000-0000-4000-8000-0000000000a2', 'rule-low-risk', 'low risk'),
          ],
        ),
      ],
      segments: [
        segment('5e6f0000-0000-4000-8000-0000000000a1', 'internal-support-team', ['agent-1', 'agent-2']),
        segment('5e6f0000-0000-4000-8000-0000000000a2', 'five-percent-low-risk-accounts', ['acct-9']),
      ],
    });
    const adoption = await h.call('POST', '/v1/adoptions', {
      token: h.tokens.admin,
      body: { envId: h.envId, flagKey, reason: 'baseline' },
    });
    expect(adoption.status, JSON.stringify(adoption.body)).toBe(201);
    const record = {
      ...high,
      key: 'segment-ramp',
      flags: [{ key: flagKey, surface: 'modelRoute', baseline: ROUTE, candidate: { ...ROUTE, latencyTargetMs: 900 } }],
      release: {
        decisionOwner: 'ai-platform',
        stages: [
          { name: 'support', audience: 'internal-support-team', percentage: 20, minDuration: '30m' },
          { name: 'low risk', audience: 'five-percent-low-risk-accounts', percentage: 100, minDuration: '1s' },
        ],
      },
    };
    const created = await create(record);
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    expect(created.body.tier).toBe('medium');
    expect(created.body.record.flags[0].stageAudiences).toEqual([
      expect.objectContaining({
        kind: 'segment',
        segmentId: '5e6f0000-0000-4000-8000-0000000000a1',
        ruleId: 'rule-support',
      }),
      expect.objectContaining({
        kind: 'segment',
        segmentId: '5e6f0000-0000-4000-8000-0000000000a2',
        ruleId: 'rule-low-risk',
      }),
    ]);
    await h.call('POST', '/v1/changes/segment-ramp/evidence', {
      token: h.tokens.service,
      body: { type: 'offlineEval', summary: 'ci', result: 'passed' },
    });
    expect((await approve('segment-ramp', h.tokens.aiPlatformOwner)).body.status).toBe('approved');
    expect(
      (await h.call('POST', '/v1/changes/segment-ramp/release/apply-stage', { token: h.tokens.releaseOwner, body: {} }))
        .status,
    ).toBe(200);
    const live = await liveFlag(flagKey);
    expect(live.rules.map((rule: any) => rule.variations.map((slot: any) => slot.id === 'current'))).toEqual([
      [false, true],
      [true],
    ]);
    expect(live.rules[0].variations[0].rollout).toEqual([0, 0.2]);
    expect(live.fallthrough.variations).toEqual([expect.objectContaining({ id: 'current' })]);
    const early = await h.call('POST', '/v1/changes/segment-ramp/release/apply-stage', {
      token: h.tokens.releaseOwner,
      body: {},
    });
    expect(early.status).toBe(409);
    expect(early.body.detail).toContain('must run at least 30m');
  });
});

describe('stage audiences after FeatBit edits', () => {
  it('keeps an approved rule stage on that rule when the rule is renamed in FeatBit, and refuses it once its conditions changed', async () => {
    const record = lowChange('staff-renamed');
    record.release = {
      ...record.release,
      stages: [
        { name: 'staff', audience: 'internal staff', percentage: 25, minDuration: '1s' },
        { name: 'all staff', audience: 'internal staff', percentage: 100, minDuration: '1s' },
      ],
    };
    expect((await create(record)).status).toBe(201);
    expect((await approve('staff-renamed', token('carol'))).body.status).toBe('approved');
    expect(
      (
        await h.call('POST', '/v1/changes/staff-renamed/release/apply-stage', {
          token: h.tokens.releaseOwner,
          body: {},
        })
      ).status,
    ).toBe(200);

    const alice = new FeatBitRestClient({
      baseUrl: h.sandbox.url,
      accessToken: h.sandbox.tokens.issue('Alice Smith').token,
      logger: silentLogger,
    });
    const editRule = async (change: (rule: any) => any) => {
      const flag = await alice.getFlag(h.envId, promptKey);
      await alice.updateTargeting(h.envId, promptKey, {
        revision: flag.revision,
        targeting: {
          targetUsers: flag.targetUsers,
          rules: flag.rules.map((rule) => (rule.id === 'rule-staff' ? change(rule) : rule)),
          fallthrough: flag.fallthrough,
          exptIncludeAllTargets: flag.exptIncludeAllTargets,
        },
      });
      await h.service.bridge!.reconciler.runOnce();
      await h.service.bridge!.queue.whenIdle(20_000);
    };
    await editRule((rule) => ({ ...rule, name: 'everyone' }));
    expect((await liveFlag(promptKey)).rules[0].name).toBe('everyone');
    clockAheadMs += 1100;
    const second = await h.call('POST', '/v1/changes/staff-renamed/release/apply-stage', {
      token: h.tokens.releaseOwner,
      body: {},
    });
    expect(second.status, JSON.stringify(second.body)).toBe(200);
    const live = await liveFlag(promptKey);
    expect(live.rules[0].variations).toEqual([expect.objectContaining({ rollout: [0, 1] })]);
    expect(live.rules[0].variations[0].id).not.toBe('current');
    expect(live.fallthrough.variations).toEqual([expect.objectContaining({ id: 'current', rollout: [0, 1] })]);
    expect(
      (
        await h.call('POST', '/v1/changes/staff-renamed/release/rollback', {
          token: h.tokens.releaseOwner,
          body: { reason: 'test over' },
        })
      ).status,
    ).toBe(200);
  });
});

describe('changes compose', () => {
  it('makes a completed change the baseline, refuses a change based on the old baseline with 409 naming the change that moved it', async () => {
    const firstCandidate = {
      ...low.flags[0].baseline,
      template: 'You are the support assistant for Acme.  Answer briefly and cite the help centre article you used.',
    };
    const second = await create(
      lowChange('compose-late', {
        ...low.flags[0].baseline,
        template: 'You are the support assistant for Acme. Answer briefly and cite the help centre article you used. ',
      }),
    );
    expect(second.status).toBe(201);
    expect((await approve('compose-late', token('carol'))).body.status).toBe('approved');

    const first = await create(lowChange('compose-first', firstCandidate));
    expect(first.status).toBe(201);
    expect((await approve('compose-first', token('carol'))).body.status).toBe('approved');
    const done = await h.call('POST', '/v1/changes/compose-first/release/apply-stage', {
      token: h.tokens.releaseOwner,
      body: {},
    });
    expect(done.status).toBe(200);
    expect(done.body.status).toBe('completed');
    expect(await liveFlag(promptKey)).toMatchObject({
      fallthrough: { variations: [expect.objectContaining({ rollout: [0, 1] })] },
    });
    expect((await liveFlag(promptKey)).fallthrough.variations[0].id).not.toBe('current');

    const late = await h.call('POST', '/v1/changes/compose-late/release/apply-stage', {
      token: h.tokens.releaseOwner,
      body: {},
    });
    expect(late.status).toBe(409);
    expect(late.body.detail).toContain('change compose-first moved it');

    const stale = await create(lowChange('compose-stale'));
    expect(stale.status).toBe(409);
    expect(stale.body.detail).toContain('by change compose-first');
    const next = await create({
      ...lowChange('compose-next', low.flags[0].baseline),
      flags: [{ ...low.flags[0], baseline: firstCandidate, candidate: low.flags[0].baseline }],
    });
    expect(next.status).toBe(201);
    expect(next.body.record.flags[0].basedOn).toMatchObject({ changeKey: 'compose-first' });
  });
});

describe('size limits', () => {
  it('refuses a value larger than 64 KiB and more flags than a record may hold, naming the field', async () => {
    const huge = await create(lowChange('huge-prompt', { ...low.flags[0].baseline, template: 'x'.repeat(70 * 1024) }));
    expect(huge.status).toBe(400);
    expect(JSON.stringify(huge.body)).toContain('flags.0.candidate');
    expect(JSON.stringify(huge.body)).toContain('at most 65536 bytes');
    const many = await create({
      ...lowChange('many-flags'),
      flags: Array.from({ length: 21 }, (_, index) => ({ ...low.flags[0], key: `flag-${index}` })),
    });
    expect(many.status).toBe(400);
    expect(JSON.stringify(many.body)).toContain('at most 20 flags');
  });

  it('answers 400 to an If-Match that names no revision', async () => {
    const answer = await fetch(`${h.service.url}/v1/changes/withdraw-me/reviews`, {
      method: 'POST',
      headers: {
        authorization: `Bearer ${token('carol')}`,
        'content-type': 'application/json',
        'if-match': 'yesterday',
      },
      body: JSON.stringify({ decision: 'approve' }),
    });
    expect(answer.status).toBe(400);
    expect(JSON.stringify(await answer.json())).toContain('headers.if-match');
  });
});

describe('withdrawal', () => {
  it('lets the requester withdraw an open change, which then can never be approved or released', async () => {
    expect((await create({ ...high, key: 'withdraw-me' })).status).toBe(201);
    expect(
      (
        await h.call('POST', '/v1/changes/withdraw-me/withdraw', {
          token: token('carol'),
          body: { reason: 'not mine' },
        })
      ).status,
    ).toBe(403);
    const withdrawn = await h.call('POST', '/v1/changes/withdraw-me/withdraw', {
      token: h.tokens.requester,
      body: { reason: 'superseded' },
    });
    expect(withdrawn.status).toBe(200);
    expect(withdrawn.body.status).toBe('withdrawn');
    expect((await approve('withdraw-me', token('carol'))).status).toBe(409);
  });
});

describe('proposals from FeatBit edits', () => {
  it('classifies every variation the edit serves, excludes the FeatBit operator by identity mapping, refuses edits of the proposal, and refuses to apply it over a newer approved state', async () => {
    const alice = new FeatBitRestClient({
      baseUrl: h.sandbox.url,
      accessToken: h.sandbox.tokens.issue('Alice Smith').token,
      logger: silentLogger,
    });
    let flag = await alice.getFlag(h.envId, PROPOSAL_FLAG);
    const variations = [
      ...flag.variations,
      { id: 'tweak', name: 'tweak', value: JSON.stringify({ ...ROUTE, model: 'gpt-4o' }) },
      {
        id: 'mistral',
        name: 'mistral',
        value: JSON.stringify({ ...ROUTE, provider: 'mistral', model: 'mistral-small' }),
      },
    ];
    await alice.updateVariations(h.envId, PROPOSAL_FLAG, { revision: flag.revision, variations });
    flag = await alice.getFlag(h.envId, PROPOSAL_FLAG);
    await alice.updateTargeting(h.envId, PROPOSAL_FLAG, {
      revision: flag.revision,
      targeting: {
        targetUsers: [{ keyIds: ['qa-lead'], variationId: 'tweak' }],
        rules: flag.rules,
        fallthrough: {
          ...flag.fallthrough,
          variations: [
            { id: 'mistral', rollout: [0, 0.5], exptRollout: 1 },
            { id: 'current', rollout: [0.5, 1], exptRollout: 1 },
          ],
        },
        exptIncludeAllTargets: flag.exptIncludeAllTargets,
      },
    });
    await h.service.bridge!.reconciler.runOnce();
    await h.service.bridge!.queue.whenIdle(20_000);
    const listed = await h.call('GET', `/v1/changes?flag=${PROPOSAL_FLAG}`, { token: h.tokens.auditor });
    expect(listed.body.items).toHaveLength(1);
    const proposal = listed.body.items[0];
    expect(proposal).toMatchObject({ requester: 'Alice Smith', tier: 'high' });
    const explained = await h.call('GET', `/v1/changes/${proposal.key}/policy`, { token: h.tokens.auditor });
    expect(explained.body.values.map((value: any) => value.value)).toEqual(
      expect.arrayContaining(['candidate', 'servedValues[0]']),
    );
    expect(explained.body.firedRules).toEqual(
      expect.arrayContaining([expect.objectContaining({ ruleId: 'model-provider-changed' })]),
    );
    expect(explained.body.approvals.excluded[0]).toMatchObject({
      identity: 'Alice Smith',
      why: expect.stringContaining('made the FeatBit edit'),
    });

    expect((await approve(proposal.key, token('Alice@Corp.example'))).status).toBe(403);
    const trimmed = {
      ...proposal.record,
      release: { ...proposal.record.release, stages: [{ ...proposal.record.release.stages[0], percentage: 25 }] },
    };
    const edit = await h.call('PUT', `/v1/changes/${proposal.key}`, { token: token('bob-admin'), body: trimmed });
    expect(edit.status).toBe(409);
    expect(edit.body.detail).toContain('releases exactly that edit');

    expect(
      (
        await h.call('POST', `/v1/changes/${proposal.key}/withdraw`, {
          token: h.tokens.admin,
          body: { reason: 'tested' },
        })
      ).body.status,
    ).toBe('withdrawn');
  });

  it('refuses to apply an approved proposal after the approved state moved on, naming what moved it', async () => {
    const alice = new FeatBitRestClient({
      baseUrl: h.sandbox.url,
      accessToken: h.sandbox.tokens.issue('Alice Smith').token,
      logger: silentLogger,
    });
    let flag = await alice.getFlag(h.envId, PROPOSAL_FLAG);
    await alice.updateVariations(h.envId, PROPOSAL_FLAG, {
      revision: flag.revision,
      variations: [
        ...flag.variations,
        { id: 'tweak-2', name: 'tweak', value: JSON.stringify({ ...ROUTE, model: 'gpt-4o' }) },
      ],
    });
    flag = await alice.getFlag(h.envId, PROPOSAL_FLAG);
    await alice.updateTargeting(h.envId, PROPOSAL_FLAG, {
      revision: flag.revision,
      targeting: {
        targetUsers: [{ keyIds: ['qa-lead'], variationId: 'tweak-2' }],
        rules: flag.rules,
        fallthrough: flag.fallthrough,
        exptIncludeAllTargets: flag.exptIncludeAllTargets,
      },
    });
    await h.service.bridge!.reconciler.runOnce();
    await h.service.bridge!.queue.whenIdle(20_000);
    const listed = await h.call('GET', `/v1/changes?flag=${PROPOSAL_FLAG}&status=proposed`, {
      token: h.tokens.auditor,
    });
    expect(listed.body.items).toHaveLength(1);
    const proposal = listed.body.items[0];
    expect(proposal.tier).toBe('medium');
    for (const requirement of proposal.decision.missing.evidence as { anyOf: string[] }[]) {
      await h.call('POST', `/v1/changes/${proposal.key}/evidence`, {
        token: h.tokens.service,
        body: { type: requirement.anyOf[0], summary: 'ci', result: 'passed' },
      });
    }
    const view = (await approve(proposal.key, h.tokens.aiPlatformOwner)).body;
    expect(view.status).toBe('approved');
    expect(
      (
        await h.call('POST', '/v1/adoptions', {
          token: h.tokens.admin,
          body: { envId: h.envId, flagKey: PROPOSAL_FLAG, reason: 're-adopted' },
        })
      ).status,
    ).toBe(201);
    const applied = await h.call('POST', `/v1/changes/${proposal.key}/release/apply-stage`, {
      token: h.tokens.releaseOwner,
      body: {},
    });
    expect(applied.status).toBe(409);
    expect(applied.body.detail).toContain('would write the old edit over');
  });

  it('classifies an edit that rewrites the baseline variation itself, keeping the approved baseline as the record baseline', async () => {
    const listedBefore = (
      await h.call('GET', `/v1/changes?flag=${PROPOSAL_FLAG}&status=proposed`, { token: h.tokens.auditor })
    ).body.items;
    for (const open of listedBefore)
      await h.call('POST', `/v1/changes/${open.key}/withdraw`, {
        token: h.tokens.admin,
        body: { reason: 'next test' },
      });
    const alice = new FeatBitRestClient({
      baseUrl: h.sandbox.url,
      accessToken: h.sandbox.tokens.issue('Alice Smith').token,
      logger: silentLogger,
    });
    let flag = await alice.getFlag(h.envId, PROPOSAL_FLAG);
    const variations = [
      ...flag.variations.map((variation) =>
        variation.id === 'current'
          ? { ...variation, value: JSON.stringify({ ...ROUTE, provider: 'mistral' }) }
          : variation,
      ),
      { id: 'tweak-3', name: 'tweak', value: JSON.stringify({ ...ROUTE, model: 'gpt-4o' }) },
    ];
    await alice.updateVariations(h.envId, PROPOSAL_FLAG, { revision: flag.revision, variations });
    flag = await alice.getFlag(h.envId, PROPOSAL_FLAG);
    await alice.updateTargeting(h.envId, PROPOSAL_FLAG, {
      revision: flag.revision,
      targeting: {
        targetUsers: [{ keyIds: ['qa-lead'], variationId: 'tweak-3' }],
        rules: flag.rules,
        fallthrough: flag.fallthrough,
        exptIncludeAllTargets: flag.exptIncludeAllTargets,
      },
    });
    await h.service.bridge!.reconciler.runOnce();
    await h.service.bridge!.queue.whenIdle(20_000);
    const listed = await h.call('GET', `/v1/changes?flag=${PROPOSAL_FLAG}&status=proposed`, {
      token: h.tokens.auditor,
    });
    expect(listed.body.items).toHaveLength(1);
    const proposal = listed.body.items[0];
    expect(proposal.tier).toBe('high');
    expect(proposal.record.flags[0].baseline).toEqual(ROUTE);
    const explained = await h.call('GET', `/v1/changes/${proposal.key}/policy`, { token: h.tokens.auditor });
    expect(explained.body.firedRules).toEqual(
      expect.arrayContaining([expect.objectContaining({ ruleId: 'model-provider-changed' })]),
    );
  });
});
