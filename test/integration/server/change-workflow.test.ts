import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { jsonFlag } from '../../support/json-flag.js';
import { example, startHarness, TEST_ROLES, type Harness, type TestRole } from './service-harness.js';

const high = example('high-model-provider-change');
const restricted = example('restricted-tool-enables-writes');
const highFlag = high.flags[0];
const restrictedFlag = restricted.flags[0];
const killedFlagKey = 'kill-switch-model-route';

let h: Harness;

beforeAll(async () => {
  h = await startHarness(
    (envId) => [
      jsonFlag(envId, highFlag.key, [
        { id: 'route-current', name: 'current', value: highFlag.baseline },
        { id: 'route-mistral', name: 'mistral', value: highFlag.candidate },
      ]),
      jsonFlag(envId, restrictedFlag.key, [{ id: 'tools-current', name: 'current', value: restrictedFlag.baseline }]),
      jsonFlag(envId, killedFlagKey, [
        { id: 'route-current', name: 'current', value: highFlag.baseline },
        { id: 'route-mistral', name: 'mistral', value: highFlag.candidate },
      ]),
    ],
    {},
    [{ name: 'lee', roles: ['requester', 'aiPlatformOwner'] }],
  );
  for (const flagKey of [highFlag.key, restrictedFlag.key, killedFlagKey]) {
    const adopted = await h.call('POST', '/v1/adoptions', {
      token: h.tokens.admin,
      body: { envId: h.envId, flagKey, reason: 'baseline for the test' },
    });
    expect(adopted.status).toBe(201);
  }
});

afterAll(async () => {
  await h?.close();
});

/** Attaches passed evidence of every type the decision still misses, as CI does (the service token): authors never vouch for their own change. */
async function attachMissingEvidence(key: string, view: any): Promise<any> {
  let current = view;
  for (const requirement of view.decision.missing.evidence as { anyOf: string[] }[]) {
    const answer = await h.call('POST', `/v1/changes/${key}/evidence`, {
      token: h.tokens.service,
      body: {
        type: requirement.anyOf[0],
        summary: `${requirement.anyOf[0]} done`,
        result: 'passed',
        link: 'https://ci.example.com/run/1',
      },
    });
    expect(answer.status).toBe(201);
    current = answer.body;
  }
  return current;
}

async function review(key: string, role: TestRole, decision = 'approve', comment = 'looks right'): Promise<any> {
  return h.call('POST', `/v1/changes/${key}/reviews`, { token: h.tokens[role], body: { decision, comment } });
}

async function liveFlag(flagKey: string): Promise<any> {
  const answer = await fetch(`${h.sandbox.url}/api/v1/envs/${h.envId}/feature-flags/${flagKey}`, {
    headers: { Authorization: h.sandbox.tokens.demo.token },
  });
  return ((await answer.json()) as any).data;
}

/** Plays a flag admin flipping the flag in FeatBit; the harness has no webhooks, so featgate has not seen it yet. */
async function toggleInFeatBit(flagKey: string, on: boolean): Promise<void> {
  const answer = await fetch(`${h.sandbox.url}/api/v1/envs/${h.envId}/feature-flags/${flagKey}/toggle/${on}`, {
    method: 'PUT',
    headers: { Authorization: h.sandbox.tokens.demo.token, 'Content-Type': 'application/json' },
    body: '{}',
  });
  expect(answer.status).toBe(200);
}

describe('governance workflow over HTTP', () => {
  it('walks a high-tier change from request through two approvals to stage 1 live in FeatBit', async () => {
    const record = { ...high, flags: [{ ...highFlag, candidateVariationId: 'route-mistral' }] };
    const created = await h.call('POST', '/v1/changes', { token: h.extraTokens.lee!, body: record });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ key: high.key, tier: 'high', status: 'proposed', requester: 'lee' });
    expect(JSON.stringify(created.body.record)).not.toContain('mk-live-222');

    const ownReview = await h.call('POST', `/v1/changes/${high.key}/reviews`, {
      token: h.extraTokens.lee!,
      body: { decision: 'approve' },
    });
    expect(ownReview.status).toBe(403);
    expect(ownReview.body).toMatchObject({
      code: 'POLICY_VIOLATION',
      detail: expect.stringContaining('cannot review it: separation of duties'),
    });

    await attachMissingEvidence(high.key, created.body);
    const first = await review(high.key, 'aiPlatformOwner');
    expect(first.status).toBe(201);
    const second = await review(high.key, 'releaseOwner');
    expect(second.status).toBe(201);
    expect(second.body.status).toBe('approved');
    expect(second.body.decision.approvedBy).toEqual(
      expect.arrayContaining(['aiPlatformOwner-user', 'releaseOwner-user']),
    );

    const requesterRelease = await h.call('POST', `/v1/changes/${high.key}/release/apply-stage`, {
      token: h.tokens.requester,
      body: {},
    });
    expect(requesterRelease.status).toBe(403);
    const stage = await h.call('POST', `/v1/changes/${high.key}/release/apply-stage`, {
      token: h.tokens.releaseOwner,
      body: {},
    });
    expect(stage.status).toBe(200);
    expect(stage.body).toMatchObject({ status: 'releasing', release: { stageIndex: 0 } });

    const live = await fetch(`${h.sandbox.url}/api/v1/envs/${h.envId}/feature-flags/${highFlag.key}`, {
      headers: { Authorization: h.sandbox.tokens.demo.token },
    }).then((response) => response.json() as Promise<any>);
    expect(live.data.fallthrough.variations).toEqual([
      expect.objectContaining({ id: 'route-mistral', rollout: [0, 0.01] }),
      expect.objectContaining({ id: 'route-current', rollout: [0.01, 1] }),
    ]);

    const manifest = await fetch(`${h.service.url}/v1/envs/${h.envId}/manifest`);
    expect(manifest.status).toBe(200);
    const audit = await h.call('GET', `/v1/audit?change=${high.key}&type=approved-state.set`, {
      token: h.tokens.auditor,
    });
    expect(audit.status).toBe(200);
    expect(audit.body.entries).toHaveLength(1);
    expect(audit.body.entries[0]).toMatchObject({
      actor: { id: 'releaseOwner-user' },
      data: { state: { changeKey: high.key, stageIndex: 0 } },
    });
  });

  it('refuses a restricted change until the security role approves', async () => {
    const created = await h.call('POST', '/v1/changes', { token: h.tokens.requester, body: restricted });
    expect(created.status).toBe(201);
    expect(created.body.tier).toBe('restricted');
    await attachMissingEvidence(restricted.key, created.body);

    let view = created.body;
    for (let round = 0; round < 5; round += 1) {
      const other = (view.decision.missing.roles as { anyOf: string[] }[]).find(
        (requirement) => !requirement.anyOf.includes('security'),
      );
      const role = other?.anyOf.find((name): name is TestRole => (TEST_ROLES as readonly string[]).includes(name));
      if (!role) break;
      const answer = await review(restricted.key, role);
      expect(answer.status).toBe(201);
      view = answer.body;
    }
    if (view.decision.missing.approvals > 0 && view.decision.missing.roles.length === 1) {
      await review(restricted.key, 'releaseOwner');
    }
    const pending = await h.call('GET', `/v1/changes/${restricted.key}`, { token: h.tokens.reviewer });
    expect(pending.body.status).toBe('proposed');
    expect(pending.body.decision.missing.roles).toEqual(
      expect.arrayContaining([expect.objectContaining({ anyOf: expect.arrayContaining(['security']) })]),
    );

    const refused = await h.call('POST', `/v1/changes/${restricted.key}/release/apply-stage`, {
      token: h.tokens.releaseOwner,
      body: {},
    });
    expect(refused.status).toBe(409);

    const waiting = await h.call('GET', '/v1/changes?waitingOnMe=true', { token: h.tokens.security });
    expect(waiting.body.items.map((item: any) => item.key)).toContain(restricted.key);

    const security = await review(restricted.key, 'security');
    expect(security.status).toBe(201);
    expect(security.body.decision.reasons).toEqual(expect.arrayContaining([expect.stringContaining('approved by')]));
    expect(security.body.status).toBe('approved');
    const applied = await h.call('POST', `/v1/changes/${restricted.key}/release/apply-stage`, {
      token: h.tokens.releaseOwner,
      body: {},
    });
    expect(applied.status).toBe(200);
    expect(applied.body.release.stageIndex).toBe(0);
  });

  it('resets approvals when an approved change is edited, so it cannot ship unreviewed', async () => {
    const key = 'prompt-edit-after-approval';
    const record = { ...high, key, flags: [{ ...highFlag, candidateVariationId: 'route-mistral' }] };
    const created = await h.call('POST', '/v1/changes', { token: h.tokens.requester, body: record });
    await attachMissingEvidence(key, created.body);
    await review(key, 'aiPlatformOwner');
    const approved = await review(key, 'releaseOwner');
    expect(approved.body.status).toBe('approved');
    const edited = await h.call('PUT', `/v1/changes/${key}`, {
      token: h.tokens.requester,
      body: { ...record, title: 'Changed after approval' },
    });
    expect(edited.status).toBe(200);
    expect(edited.body).toMatchObject({ status: 'proposed', reviews: [] });
    const ship = await h.call('POST', `/v1/changes/${key}/release/apply-stage`, {
      token: h.tokens.releaseOwner,
      body: {},
    });
    expect(ship.status).toBe(409);
  });

  it('holds, resumes and rolls a release back to the baseline in FeatBit', async () => {
    const key = high.key;
    expect(
      (
        await h.call('POST', `/v1/changes/${key}/release/hold`, {
          token: h.tokens.releaseOwner,
          body: { reason: 'error rate' },
        })
      ).body.status,
    ).toBe('held');
    expect(
      (await h.call('POST', `/v1/changes/${key}/release/apply-stage`, { token: h.tokens.releaseOwner, body: {} }))
        .status,
    ).toBe(409);
    expect(
      (await h.call('POST', `/v1/changes/${key}/release/resume`, { token: h.tokens.releaseOwner, body: {} })).body
        .status,
    ).toBe('releasing');
    const rolled = await h.call('POST', `/v1/changes/${key}/release/rollback`, {
      token: h.tokens.releaseOwner,
      body: { reason: 'latency' },
    });
    expect(rolled.status).toBe(200);
    expect(rolled.body.status).toBe('rolled-back');
    const live = await fetch(`${h.sandbox.url}/api/v1/envs/${h.envId}/feature-flags/${highFlag.key}`, {
      headers: { Authorization: h.sandbox.tokens.demo.token },
    }).then((response) => response.json() as Promise<any>);
    expect(live.data.fallthrough.variations).toEqual([
      expect.objectContaining({ id: 'route-current', rollout: [0, 1] }),
    ]);
    const verify = await h.call('GET', '/v1/audit/verify', { token: h.tokens.auditor });
    expect(verify.body.ok).toBe(true);
  });

  it('lists changes by status, tier, flag and owner', async () => {
    const keys = async (query: string) =>
      (await h.call('GET', `/v1/changes?${query}`, { token: h.tokens.auditor })).body.items.map(
        (item: any) => item.key,
      );
    expect(await keys('')).toEqual([high.key, restricted.key, 'prompt-edit-after-approval']);
    expect(await keys('status=rolled-back')).toEqual([high.key]);
    expect(await keys('status=proposed')).toEqual(['prompt-edit-after-approval']);
    expect(await keys('tier=restricted')).toEqual([restricted.key]);
    expect(await keys(`flag=${restrictedFlag.key}`)).toEqual([restricted.key]);
    expect(await keys(`owner=${high.owner}`)).toEqual([high.key, 'prompt-edit-after-approval']);
    expect(await keys(`owner=${restricted.owner}&status=releasing`)).toEqual([restricted.key]);
  });

  it('never switches a killed flag back on: a stage is refused and a rollback leaves it off', async () => {
    const key = 'route-under-kill-switch';
    const record = {
      ...high,
      key,
      flags: [{ ...highFlag, key: killedFlagKey, candidateVariationId: 'route-mistral' }],
    };
    const created = await h.call('POST', '/v1/changes', { token: h.extraTokens.lee!, body: record });
    expect(created.status).toBe(201);
    await attachMissingEvidence(key, created.body);
    await review(key, 'aiPlatformOwner');
    expect((await review(key, 'releaseOwner')).body.status).toBe('approved');

    await toggleInFeatBit(killedFlagKey, false);
    const refused = await h.call('POST', `/v1/changes/${key}/release/apply-stage`, {
      token: h.tokens.releaseOwner,
      body: {},
    });
    expect(refused.status).toBe(409);
    expect(refused.body.detail).toContain('switched off in FeatBit');
    expect(await liveFlag(killedFlagKey)).toMatchObject({
      isEnabled: false,
      fallthrough: { variations: [expect.objectContaining({ id: 'route-current', rollout: [0, 1] })] },
    });

    await toggleInFeatBit(killedFlagKey, true);
    expect(
      (await h.call('POST', `/v1/changes/${key}/release/apply-stage`, { token: h.tokens.releaseOwner, body: {} }))
        .status,
    ).toBe(200);
    await toggleInFeatBit(killedFlagKey, false);
    const rolled = await h.call('POST', `/v1/changes/${key}/release/rollback`, {
      token: h.tokens.releaseOwner,
      body: { reason: 'incident' },
    });
    expect(rolled.status).toBe(200);
    const live = await liveFlag(killedFlagKey);
    expect(live.isEnabled).toBe(false);
    expect(live.fallthrough.variations).toEqual([expect.objectContaining({ id: 'route-current', rollout: [0, 1] })]);
  });
});
