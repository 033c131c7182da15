import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { jsonFlag } from '../../support/json-flag.js';
import { passingEvidence } from '../../support/passing-evidence.js';
import { startHarness, type Harness, type TestRole } from './service-harness.js';

const FLAG = 'support-assistant-prompt';
const BASELINE = { template: 'You are a helpful support assistant.' };
let h: Harness;
let serial = 0;

/** A high-tier prompt change (claims: compliance must approve too), two stages, a guardrail, evidence for approval. */
function change(key: string, candidate = 'You are a helpful support assistant. We guarantee an answer.') {
  return {
    key,
    title: `Prompt change ${key}`,
    owner: 'support-ai-team',
    service: 'support-assistant',
    environment: 'production',
    affectedWorkflow: 'support chats',
    requester: 'ignored',
    flags: [{ key: FLAG, surface: 'prompt', baseline: BASELINE, candidate: { template: candidate } }],
    behaviourChange: 'The assistant makes a promise.',
    impact: {
      data: 'none',
      cost: 'none',
      latency: 'none',
      safety: 'claims',
      support: 'none',
      compliance: 'claims reviewed',
    },
    release: {
      decisionOwner: 'support-ai-team',
      stages: [
        { name: 'canary', audience: 'all users', percentage: 5, minDuration: '1h' },
        { name: 'everyone', audience: 'all users', percentage: 100, minDuration: '1h' },
      ],
      holdIf: [{ metric: 'escalationRate', operator: 'above', threshold: 0.05 }],
      rollback: { plan: 'restore the baseline', fallbackBehaviour: 'hand over to a person' },
    },
    evidence: [
      { type: 'configDiff', summary: 'diff read', result: 'passed' },
      { type: 'offlineEval', summary: 'eval passed', result: 'passed' },
      { type: 'rollbackTest', summary: 'rollback rehearsed', result: 'passed' },
    ],
    cleanup: { kind: 'durable' },
  };
}

beforeAll(async () => {
  h = await startHarness(
    (envId) => [jsonFlag(envId, FLAG, [{ id: 'current', name: 'current', value: BASELINE }])],
    {},
    [{ name: 'compliance', roles: ['compliance'] }],
  );
});

afterAll(async () => {
  await h?.close();
});

/** The console's action names, each with the API request that performs it. */
const ACTIONS = {
  approve: { state: 'review', path: 'reviews', body: { decision: 'approve' } },
  reject: { state: 'review', path: 'reviews', body: { decision: 'reject', comment: 'not like this' } },
  attachEvidence: {
    state: 'attachEvidence',
    path: 'evidence',
    body: { type: 'shadowTraffic', summary: 'shadowed a day', result: 'passed' },
  },
  applyStage: { state: 'applyStage', path: 'release/apply-stage', body: {} },
  hold: { state: 'hold', path: 'release/hold', body: { reason: 'looking into it' } },
  resume: { state: 'resume', path: 'release/resume', body: {} },
  rollback: { state: 'rollback', path: 'release/rollback', body: { reason: 'enough' } },
  withdraw: { state: 'withdraw', path: 'withdraw', body: { reason: 'not needed any more' } },
} as const;
type ActionName = keyof typeof ACTIONS;

/** Refusals only an attempt can see (the stage checks' clock, guardrails and expansion evidence); the console shows them as answered. */
const ATTEMPT_ONLY = /must run at least|a guardrail holds the release|exposure beyond the first stage/;

describe('console routes', () => {
  it('answers who the caller is, with roles and permissions', async () => {
    const me = await h.call('GET', '/v1/console/me', { token: h.tokens.featureOwner });
    expect(me.status).toBe(200);
    expect(me.body).toMatchObject({ id: 'featureOwner-user', kind: 'user', via: 'api-token', roles: ['featureOwner'] });
    expect(me.body.permissions).toContain('review:submit');
    expect(me.body.permissions).not.toContain('release:apply');
  });

  it('lists inbox rows without any value, with counts and what waits for the caller', async () => {
    const key = `inbox-${(serial += 1)}`;
    const secretWords = 'a candidate sentence the inbox never carries';
    expect(
      (
        await h.call('POST', '/v1/changes', {
          token: h.tokens.requester,
          body: change(key, `We guarantee ${secretWords}.`),
        })
      ).status,
    ).toBe(201);
    const owner = await h.call('GET', '/v1/console/inbox?waitingOnMe=true', { token: h.tokens.featureOwner });
    expect(owner.status).toBe(200);
    const row = owner.body.items.find((item: { key: string }) => item.key === key);
    expect(row).toMatchObject({
      status: 'proposed',
      tier: 'high',
      requester: 'requester-user',
      flags: [FLAG],
      waitingOnMe: true,
    });
    expect(row.missingRoles).toEqual(expect.arrayContaining(['featureOwner', 'compliance']));
    expect(JSON.stringify(owner.body)).not.toContain(secretWords);
    expect(owner.body.counts.proposed).toBeGreaterThanOrEqual(1);
    const requester = await h.call('GET', '/v1/console/inbox?waitingOnMe=true', { token: h.tokens.requester });
    expect(requester.body.items.map((item: { key: string }) => item.key)).not.toContain(key);
    const filtered = await h.call('GET', `/v1/console/inbox?environment=production&flag=${FLAG}&status=approved`, {
      token: h.tokens.auditor,
    });
    expect(filtered.body.items.map((item: { key: string }) => item.key)).not.toContain(key);
    expect(
      (await h.call('GET', '/v1/console/inbox?status=lost', { token: h.tokens.auditor })).body.errors[0].path,
    ).toBe('query.status');
  });

  it("refuses the requester's own review, even one who holds a reviewer role, with the API's words", async () => {
    const key = `own-${(serial += 1)}`;
    expect((await h.call('POST', '/v1/changes', { token: h.tokens.admin, body: change(key) })).status).toBe(201);
    const actions = await h.call('GET', `/v1/console/changes/${key}/actions`, { token: h.tokens.admin });
    expect(actions.body.review.allowed).toBe(false);
    const answer = await h.call('POST', `/v1/changes/${key}/reviews`, {
      token: h.tokens.admin,
      body: { decision: 'approve' },
    });
    expect(answer.status).toBe(403);
    expect(actions.body.review.reason).toBe(answer.body.detail);
    expect(actions.body.review.reason).toContain('separation of duties');
  });

  it('tells the history of a change in words, oldest first', async () => {
    const key = `history-${(serial += 1)}`;
    await h.call('POST', '/v1/changes', { token: h.tokens.requester, body: change(key) });
    await h.call('POST', `/v1/changes/${key}/reviews`, {
      token: h.tokens.featureOwner,
      body: { decision: 'reject', comment: 'too bold' },
    });
    const activity = await h.call('GET', `/v1/console/changes/${key}/activity`, { token: h.tokens.reviewer });
    expect(activity.status).toBe(200);
    const lines = activity.body.items.map(
      (item: { actor: { id: string }; summary: string }) => `${item.actor.id} ${item.summary}`,
    );
    expect(lines[0]).toBe('requester-user opened the change');
    expect(lines).toContain('featureOwner-user rejected: too bold');
    expect(
      (await h.call('GET', '/v1/console/changes/no-such-change/activity', { token: h.tokens.reviewer })).status,
    ).toBe(404);
  });

  it('allows exactly what the API accepts, and words every refusal as the API does, over random sequences', async () => {
    const roles: TestRole[] = [
      'requester',
      'featureOwner',
      'reviewer',
      'security',
      'releaseOwner',
      'incidentCommander',
      'auditor',
      'admin',
    ];
    const complianceToken = h.extraTokens.compliance!;
    const seen = new Map<string, number>();
    const tally = (what: string) => seen.set(what, (seen.get(what) ?? 0) + 1);
    // Release owners and stage applications are drawn more often, so sequences get far enough to ramp.
    const role = fc.oneof(
      { weight: 3, arbitrary: fc.constant<TestRole | 'compliance'>('releaseOwner') },
      { weight: 4, arbitrary: fc.constantFrom<TestRole | 'compliance'>(...roles, 'compliance') },
    );
    const action = fc.oneof(
      { weight: 3, arbitrary: fc.constant<ActionName>('applyStage') },
      { weight: 5, arbitrary: fc.constantFrom(...(Object.keys(ACTIONS) as ActionName[])) },
    );
    const step = fc.record({ role, action });
    await fc.assert(
      fc.asyncProperty(fc.array(step, { minLength: 4, maxLength: 14 }), async (steps) => {
        const key = `prop-${(serial += 1)}`;
        const created = await h.call('POST', '/v1/changes', { token: h.tokens.requester, body: change(key) });
        expect(created.status).toBe(201);
        // CI attaches the evidence the tier requires (evidence written into the record by its author never counts).
        for (const requirement of created.body.decision.missing.evidence as { anyOf: string[] }[]) {
          await h.call('POST', `/v1/changes/${key}/evidence`, {
            token: h.tokens.service,
            body: passingEvidence(requirement.anyOf[0]!, created.body, { link: 'https://ci.example.com/run/1' }),
          });
        }
        // Most sequences need both approvals before release actions mean anything: give them first half the time.
        if (serial % 2 === 0) {
          await h.call('POST', `/v1/changes/${key}/reviews`, {
            token: h.tokens.featureOwner,
            body: { decision: 'approve' },
          });
          await h.call('POST', `/v1/changes/${key}/reviews`, { token: complianceToken, body: { decision: 'approve' } });
        }
        for (const { role, action } of steps) {
          const token = role === 'compliance' ? complianceToken : h.tokens[role];
          const spec = ACTIONS[action];
          const predicted = (await h.call('GET', `/v1/console/changes/${key}/actions`, { token })).body[spec.state] as {
            allowed: boolean;
            reason: string | null;
          };
          const answer = await h.call('POST', `/v1/changes/${key}/${spec.path}`, { token, body: spec.body });
          const accepted = answer.status < 300;
          tally(`${action} ${accepted ? 'accepted' : 'refused'}`);
          if (predicted.allowed && !accepted) expect(answer.body.detail, `${role} ${action}`).toMatch(ATTEMPT_ONLY);
          if (!predicted.allowed) {
            expect(accepted, `${role} ${action} was predicted refused: ${predicted.reason}`).toBe(false);
            expect(predicted.reason, `${role} ${action}`).toBe(answer.body.detail);
          }
        }
      }),
      { numRuns: 20 },
    );
    // The sequences reached releases and refusals alike, so the comparison above was exercised both ways.
    expect([...seen.keys()]).toEqual(
      expect.arrayContaining([
        'approve accepted',
        'approve refused',
        'applyStage accepted',
        'applyStage refused',
        'hold refused',
        'withdraw refused',
      ]),
    );
  }, 180_000);
});
