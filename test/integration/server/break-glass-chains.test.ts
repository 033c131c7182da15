import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runFeatgate } from '../ledger/run-cli.js';
import { jsonFlag } from '../../support/json-flag.js';
import { example, startHarness, type Harness } from './service-harness.js';

/**
 * Issue 12, break-glass chains, played by a hostile incident commander through the public API with real tokens:
 * one break-glass per flag, every exit restores the pre-incident approved state, and the commander under another
 * name never post-reviews their own use.
 */
const ROUTE = { provider: 'openai', model: 'gpt-4o-mini', region: 'eu', latencyTargetMs: 800 };
const EMERGENCY = [
  { ...ROUTE, model: 'gpt-4o' },
  { ...ROUTE, provider: 'fallback', model: 'small' },
  { ...ROUTE, region: 'us' },
];
const FLAGS = [
  'overlap-model-route',
  'reject-model-route',
  'approve-model-route',
  'alias-model-route',
  'stage-model-route',
  'expiry-model-route',
  'chain-model-route',
  'cli-end-model-route',
];

let h: Harness;
let clock = Date.now();
const token = (name: string): string => h.extraTokens[name]!;
const preIncident = new Map<string, unknown>();

beforeAll(async () => {
  h = await startHarness(
    (envId) => FLAGS.map((key) => jsonFlag(envId, key, [{ id: 'current', name: 'current', value: ROUTE }])),
    {
      identity: {
        people: [{ id: 'ivan', emails: ['ivan@corp.example'], tokens: ['ivan-ic', 'ivan-pager', 'ivan-sec'] }],
      },
    },
    [
      { name: 'ivan-ic', roles: ['incidentCommander'] },
      { name: 'ivan-pager', roles: ['incidentCommander'] },
      { name: 'ivan-sec', roles: ['security'] },
      { name: 'Ivan@Corp.example', roles: ['releaseOwner'] },
    ],
    { now: () => new Date(clock) },
  );
  for (const flagKey of FLAGS) preIncident.set(flagKey, configuration(await liveFlag(flagKey)));
});

afterAll(async () => {
  await h?.close();
});

async function liveFlag(flagKey: string): Promise<any> {
  const answer = await fetch(`${h.sandbox.url}/api/v1/envs/${h.envId}/feature-flags/${flagKey}`, {
    headers: { Authorization: h.sandbox.tokens.demo.token },
  });
  return ((await answer.json()) as any).data;
}

/** What a flag serves: variations, targets, rules, default rule and off variation (not revisions or times). */
function configuration(flag: any): unknown {
  return {
    variations: flag.variations,
    targetUsers: flag.targetUsers,
    rules: flag.rules,
    fallthrough: flag.fallthrough,
    disabledVariationId: flag.disabledVariationId,
  };
}

/** Every approved state of a flag the ledger holds, oldest first. */
async function approvedStates(flagKey: string): Promise<any[]> {
  const answer = await h.call('GET', `/v1/audit?flag=${h.envId}/${flagKey}&limit=1000`, { token: h.tokens.auditor });
  expect(answer.status).toBe(200);
  return answer.body.entries
    .filter((entry: any) => entry.type === 'approved-state.set' || entry.type === 'flag.adopted')
    .map((entry: any) => entry.data.state);
}

function breakGlass(flagKey: string, as: string, value: unknown, duration = '1h') {
  return h.call('POST', '/v1/break-glass', {
    token: as,
    body: {
      environment: h.envId,
      flagKey,
      incidentReference: 'INC-7',
      reason: 'provider outage',
      duration,
      serve: { value },
    },
  });
}

function postReview(id: string, as: string, decision: 'approve' | 'reject') {
  return h.call('POST', `/v1/break-glass/${id}/reviews`, {
    token: as,
    body: { decision, comment: decision === 'reject' ? 'not an emergency' : 'right call' },
  });
}

function end(id: string, as: string) {
  return h.call('POST', `/v1/break-glass/${id}/end`, { token: as, body: { reason: 'incident over' } });
}

/** FeatBit serves the pre-incident configuration, and the approved state is it (no emergency value approved). */
async function expectPreIncident(flagKey: string): Promise<void> {
  expect(configuration(await liveFlag(flagKey))).toEqual(preIncident.get(flagKey));
  const latest = (await approvedStates(flagKey)).at(-1);
  expect(latest.breakGlassId).toBeUndefined();
  expect(configuration(latest.flag)).toEqual(preIncident.get(flagKey));
}

describe('break-glass chains', () => {
  it('refuses a second use on a flag with an active one, by the same commander under any of their names, and the end restores the pre-incident state', async () => {
    const [flagKey] = FLAGS;
    const first = await breakGlass(flagKey!, token('ivan-ic'), EMERGENCY[0]);
    expect(first.status).toBe(201);
    for (const second of [token('ivan-ic'), token('ivan-pager'), h.tokens.incidentCommander]) {
      const refused = await breakGlass(flagKey!, second, EMERGENCY[1]);
      expect(refused.status).toBe(409);
      expect(refused.body.detail).toContain(`already under break-glass ${first.body.id}`);
    }
    expect(JSON.parse((await liveFlag(flagKey!)).variations.at(-1).value)).toEqual(EMERGENCY[0]);

    const ended = await end(first.body.id, token('ivan-pager'));
    expect(ended.status).toBe(200);
    expect(ended.body).toMatchObject({ status: 'ended', ended: { restored: true } });
    await expectPreIncident(flagKey!);

    // A new incident starts from the reviewed state again: its exit never comes back to the first emergency value.
    const next = await breakGlass(flagKey!, token('ivan-ic'), EMERGENCY[1]);
    expect(next.status).toBe(201);
    expect((await end(next.body.id, token('ivan-ic'))).status).toBe(200);
    await expectPreIncident(flagKey!);
  });

  it('undoes the emergency change when its post-review rejects it', async () => {
    const flagKey = FLAGS[1]!;
    const used = await breakGlass(flagKey, h.tokens.incidentCommander, EMERGENCY[0]);
    expect(used.status).toBe(201);
    const rejected = await postReview(used.body.id, h.tokens.security, 'reject');
    expect(rejected.status).toBe(201);
    expect(rejected.body).toMatchObject({ status: 'ended', postReviewOutcome: 'rejected', ended: { restored: true } });
    await expectPreIncident(flagKey);
  });

  it('ends the emergency change when its post-review approves it: the use was justified, its value is not approved by it', async () => {
    const flagKey = FLAGS[2]!;
    const used = await breakGlass(flagKey, h.tokens.incidentCommander, EMERGENCY[2]);
    expect((await postReview(used.body.id, h.tokens.security, 'approve')).body).toMatchObject({
      status: 'active',
      postReviewOutcome: null,
    });
    const approved = await postReview(used.body.id, h.tokens.releaseOwner, 'approve');
    expect(approved.body).toMatchObject({ status: 'ended', postReviewOutcome: 'approved', ended: { restored: true } });
    await expectPreIncident(flagKey);
  });

  it('refuses the post-review of the commander under an alias (another token, the e-mail in another case)', async () => {
    const flagKey = FLAGS[3]!;
    const used = await breakGlass(flagKey, token('ivan-ic'), EMERGENCY[0]);
    expect(used.status).toBe(201);
    for (const alias of [token('ivan-sec'), token('Ivan@Corp.example')]) {
      const refused = await postReview(used.body.id, alias, 'approve');
      expect(refused.status).toBe(403);
      expect(refused.body.detail).toContain('separation of duties requires another person');
    }
    expect((await h.call('GET', `/v1/break-glass/${used.body.id}`, { token: h.tokens.auditor })).body.reviews).toEqual(
      [],
    );
    expect((await end(used.body.id, h.tokens.security)).status).toBe(200);
    await expectPreIncident(flagKey);
  });

  it('writes no release stage over an emergency configuration, and the change ramps from the restored state afterwards', async () => {
    const flagKey = FLAGS[4]!;
    const used = await breakGlass(flagKey, h.tokens.incidentCommander, EMERGENCY[0]);
    const key = 'stage-under-glass';
    const medium = example('medium-model-latency-target');
    const record = {
      ...medium,
      key,
      flags: [{ key: flagKey, surface: 'modelRoute', baseline: ROUTE, candidate: { ...ROUTE, latencyTargetMs: 1200 } }],
      release: {
        decisionOwner: 'ai-platform',
        stages: [
          { name: 'canary', audience: 'everyone', percentage: 20, minDuration: '24h' },
          { name: 'all', audience: 'everyone', percentage: 100, minDuration: '24h' },
        ],
      },
      evidence: [],
    };
    const created = await h.call('POST', '/v1/changes', { token: h.tokens.requester, body: record });
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    await h.call('POST', `/v1/changes/${key}/evidence`, {
      token: h.tokens.service,
      body: { type: 'offlineEval', summary: 'ci', result: 'passed' },
    });
    expect(
      (
        await h.call('POST', `/v1/changes/${key}/reviews`, {
          token: h.tokens.aiPlatformOwner,
          body: { decision: 'approve', comment: 'ok' },
        })
      ).body.status,
    ).toBe('approved');
    const refused = await h.call('POST', `/v1/changes/${key}/release/apply-stage`, {
      token: h.tokens.releaseOwner,
      body: {},
    });
    expect(refused.status).toBe(409);
    expect(refused.body.detail).toContain(`under break-glass ${used.body.id}`);
    expect(JSON.parse((await liveFlag(flagKey)).variations.at(-1).value)).toEqual(EMERGENCY[0]);
    expect((await end(used.body.id, h.tokens.incidentCommander)).status).toBe(200);
    await expectPreIncident(flagKey);
    const applied = await h.call('POST', `/v1/changes/${key}/release/apply-stage`, {
      token: h.tokens.releaseOwner,
      body: {},
    });
    expect(applied.status, JSON.stringify(applied.body)).toBe(200);
    const live = await liveFlag(flagKey);
    expect(live.variations.map((variation: any) => JSON.parse(variation.value))).toEqual([
      ROUTE,
      { ...ROUTE, latencyTargetMs: 1200 },
    ]);
  });

  it('restores the pre-incident state when a use expires, and a stranger cannot end one', async () => {
    const flagKey = FLAGS[5]!;
    const used = await breakGlass(flagKey, h.tokens.incidentCommander, EMERGENCY[1], '30m');
    expect((await end(used.body.id, h.tokens.requester)).status).toBe(403);
    await h.service.exposure.breakGlass.expire(used.body.id);
    expect((await h.call('GET', `/v1/break-glass/${used.body.id}`, { token: h.tokens.auditor })).body.status).toBe(
      'active',
    );
    clock += 31 * 60_000;
    await h.service.exposure.breakGlass.expire(used.body.id);
    const expired = await h.call('GET', `/v1/break-glass/${used.body.id}`, { token: h.tokens.auditor });
    expect(expired.body).toMatchObject({ status: 'ended', ended: { restored: true, reason: 'expired' } });
    await expectPreIncident(flagKey);
  });
});

describe('break-glass end from the CLI', () => {
  it('featgate break-glass end restores the pre-incident state', async () => {
    const flagKey = FLAGS[7]!;
    const used = await breakGlass(flagKey, h.tokens.incidentCommander, EMERGENCY[0]);
    expect(used.status).toBe(201);
    const cli = await runFeatgate([
      'break-glass',
      'end',
      used.body.id,
      '--reason',
      'incident over',
      '--url',
      h.service.url,
      '--token',
      h.tokens.incidentCommander,
    ]);
    expect(cli.code, cli.stderr).toBe(0);
    expect(cli.stdout).toContain(`${used.body.id} ended on ${flagKey}`);
    await expectPreIncident(flagKey);
  });
});

describe('break-glass chains, property', () => {
  type Step =
    | { kind: 'use'; as: number; value: number }
    | { kind: 'end'; as: number }
    | { kind: 'review'; as: number; decision: 'approve' | 'reject' }
    | { kind: 'expire'; minutes: number };
  const commanders = () => [token('ivan-ic'), token('ivan-pager'), h.tokens.incidentCommander];
  const reviewers = () => [h.tokens.security, h.tokens.releaseOwner, token('ivan-sec'), token('Ivan@Corp.example')];
  const step: fc.Arbitrary<Step> = fc.oneof(
    fc.record({ kind: fc.constant('use' as const), as: fc.nat(2), value: fc.nat(EMERGENCY.length - 1) }),
    fc.record({ kind: fc.constant('end' as const), as: fc.nat(2) }),
    fc.record({
      kind: fc.constant('review' as const),
      as: fc.nat(3),
      decision: fc.constantFrom('approve' as const, 'reject' as const),
    }),
    fc.record({ kind: fc.constant('expire' as const), minutes: fc.constantFrom(5, 61) }),
  );

  it('after every exit of random break-glass, end, expiry and post-review sequences FeatBit holds the pre-incident state, and no emergency value is ever approved', async () => {
    const flagKey = FLAGS[6]!;
    await fc.assert(
      fc.asyncProperty(fc.array(step, { minLength: 1, maxLength: 8 }), async (steps) => {
        let active: string | undefined;
        let commander = 0;
        const finish = async () => {
          if (active) expect((await end(active, h.tokens.incidentCommander)).status).toBe(200);
          active = undefined;
        };
        try {
          for (const one of steps) {
            if (one.kind === 'use') {
              const answer = await breakGlass(flagKey, commanders()[one.as]!, EMERGENCY[one.value], '1h');
              expect(answer.status).toBe(active ? 409 : 201);
              if (!active) {
                active = answer.body.id;
                commander = one.as;
              }
              continue;
            }
            if (!active) continue;
            let exited = false;
            if (one.kind === 'end') {
              expect((await end(active, commanders()[one.as]!)).status).toBe(200);
              exited = true;
            } else if (one.kind === 'review') {
              const answer = await postReview(active, reviewers()[one.as]!, one.decision);
              // ivan-sec and Ivan@Corp.example are Ivan, who broke glass under ivan-ic or ivan-pager (commanders 0 and 1).
              if (one.as >= 2 && commander < 2) {
                expect(answer.status).toBe(403);
                continue;
              }
              expect(answer.status).toBe(201);
              exited = answer.body.status === 'ended';
            } else {
              clock += one.minutes * 60_000;
              await h.service.exposure.breakGlass.expire(active);
              exited =
                (await h.call('GET', `/v1/break-glass/${active}`, { token: h.tokens.auditor })).body.status === 'ended';
            }
            if (exited) {
              active = undefined;
              await expectPreIncident(flagKey);
            }
          }
        } finally {
          await finish();
        }
        await expectPreIncident(flagKey);
        for (const state of await approvedStates(flagKey)) {
          const values = state.flag.variations.map((variation: any) => JSON.parse(variation.value));
          const emergency = values.some((value: unknown) =>
            EMERGENCY.some((one) => JSON.stringify(one) === JSON.stringify(value)),
          );
          if (emergency) expect(state.breakGlassId).toEqual(expect.stringMatching(/^bg-/));
        }
      }),
      { numRuns: 12 },
    );
  }, 120_000);
});
