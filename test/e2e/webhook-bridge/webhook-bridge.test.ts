import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { signFeatBitBody } from '../../../webhooks/index.js';
import type { RestFlag } from '../../../src/featbit/model/index.js';
import { LedgerEventType } from '../../../src/ledger/index.js';
import {
  aliceSetsShare,
  CANDIDATE_ROUTE,
  CURRENT_ROUTE,
  candidateShare,
  eventually,
  openApprovedChange,
  routeChangeRecord,
  routeFlag,
  startBridgeHarness,
  withShare,
  type BridgeHarness,
} from './bridge-harness.js';

let h: BridgeHarness;

beforeAll(async () => {
  h = await startBridgeHarness();
}, 60_000);

afterAll(async () => {
  await h?.close();
});

async function proposalsOf(key: string): Promise<any[]> {
  const answer = await h.call('GET', `/v1/changes?flag=${key}`, { token: h.tokens.auditor });
  expect(answer.status).toBe(200);
  return answer.body.items;
}

function featbitAuditOf(key: string) {
  const id = h.live(key).id;
  return h.sandbox.control.store.auditLogs(h.envId).filter((entry) => entry.refId === id);
}

describe('the webhook bridge against the FeatBit sandbox, real Redis and BullMQ', () => {
  it('reverts an admin raising a candidate from 5% to 50% and opens a proposal naming the admin', async () => {
    const key = 'raise-model-route';
    await h.seedAndAdopt(routeFlag(h.envId, key, { candidateShare: 0.05 }));

    await aliceSetsShare(h, key, 0.5);
    await eventually(
      async () => (await h.entries(LedgerEventType.EditReverted, key)).length === 1,
      10_000,
      'the revert',
    );
    await h.settle();

    expect(candidateShare(h.live(key), key)).toBeCloseTo(0.05, 10);
    const [reverted] = await h.entries(LedgerEventType.EditReverted, key);
    expect(reverted!.data).toMatchObject({ operator: 'alice', writes: 1 });
    const [intercepted] = await h.entries(LedgerEventType.EditIntercepted, key);
    expect(intercepted!.actor).toMatchObject({ id: 'alice', kind: 'featbit-operator' });
    expect(intercepted!.data['widened']).toEqual([`${key}-candidate`]);

    const proposals = await proposalsOf(key);
    expect(proposals).toHaveLength(1);
    expect(proposals[0]).toMatchObject({ key: reverted!.data['proposal'], requester: 'alice', status: 'proposed' });
    expect(proposals[0].record.flags[0]).toMatchObject({ key, baseline: CURRENT_ROUTE, candidate: CANDIDATE_ROUTE });

    const [revert, edit] = featbitAuditOf(key);
    expect(revert).toMatchObject({ creatorName: 'featgate-bot', creatorId: h.featgateToken.id });
    expect(edit).toMatchObject({ creatorName: 'alice' });
  });

  it('accepts a lowered percentage, a removed target and a kill switch without reverting any', async () => {
    const key = 'narrow-model-route';
    await h.seedAndAdopt(routeFlag(h.envId, key, { candidateShare: 0.2, targets: ['qa-1', 'qa-2'] }));

    await aliceSetsShare(h, key, 0.1);
    await h.settle();
    let flag = await h.alice.getFlag(h.envId, key);
    await h.alice.updateTargeting(h.envId, key, {
      revision: flag.revision,
      targeting: { ...withShare(flag, 0.1), targetUsers: [{ keyIds: ['qa-1'], variationId: `${key}-candidate` }] },
    });
    await h.settle();
    await h.alice.toggle(h.envId, key, false);
    await h.settle();

    flag = await h.alice.getFlag(h.envId, key);
    expect(candidateShare(flag, key)).toBeCloseTo(0.1, 10);
    expect(flag.targetUsers).toEqual([{ keyIds: ['qa-1'], variationId: `${key}-candidate` }]);
    expect(flag.isEnabled).toBe(false);
    expect(await h.entries(LedgerEventType.EditReverted, key)).toHaveLength(0);
    const accepted = await h.entries(LedgerEventType.EditAccepted, key);
    expect(accepted.map((entry) => entry.data['verdict'])).toEqual(['safe-direction', 'safe-direction', 'on-off']);
    const approved = await h.service.workflow.queryAudit({
      type: LedgerEventType.ApprovedStateSet,
      flag: `${h.envId}/${key}`,
      afterSeq: 0,
      limit: 10,
    });
    expect((approved.at(-1)!.data['state'] as { flag: RestFlag }).flag.isEnabled).toBe(false);
  });

  it('a ramp applied through featgate causes exactly one FeatBit write and no revert', async () => {
    const key = 'ramp-model-route';
    await h.seedAndAdopt(routeFlag(h.envId, key));
    const changeKey = 'ramp-larger-latency';
    const record = routeChangeRecord(key, changeKey, [{ name: 'pilot', percentage: 10 }]);
    await openApprovedChange(h, record);
    const writesBefore = featbitAuditOf(key).length;

    const [applied] = await Promise.all([
      h.call('POST', `/v1/changes/${changeKey}/release/apply-stage`, { token: h.tokens.releaseOwner, body: {} }),
      h.service.bridge!.reconciler.runOnce(),
    ]);
    expect(applied.status).toBe(200);
    await h.settle();
    await h.service.bridge!.reconciler.runOnce();
    await h.settle();

    const writes = featbitAuditOf(key).slice(0, featbitAuditOf(key).length - writesBefore);
    expect(writes.map((entry) => entry.creatorName)).toEqual(['featgate-bot']);
    expect(candidateShare(h.live(key), key)).toBeCloseTo(0.1, 10);
    expect(await h.entries(LedgerEventType.EditReverted, key)).toHaveLength(0);
    expect(await h.entries(LedgerEventType.EditIntercepted, key)).toHaveLength(0);
  });

  it('catches a rule reorder, which FeatBit sends no webhook for, with the reconciler', async () => {
    const key = 'reorder-model-route';
    await h.seedAndAdopt(routeFlag(h.envId, key, { rules: true }));
    const approvedOrder = h.live(key).rules.map((rule) => rule.id);
    h.sandbox.control.clearDeliveries();

    const flag = await h.alice.getFlag(h.envId, key);
    await h.alice.updateTargeting(h.envId, key, {
      revision: flag.revision,
      targeting: {
        targetUsers: flag.targetUsers,
        rules: [...flag.rules].reverse(),
        fallthrough: flag.fallthrough,
        exptIncludeAllTargets: flag.exptIncludeAllTargets,
      },
    });
    await h.settle();
    expect(h.sandbox.control.deliveries()).toHaveLength(0);
    expect(h.live(key).rules.map((rule) => rule.id)).toEqual([...approvedOrder].reverse());

    await h.service.bridge!.reconciler.runOnce();
    await h.settle();
    expect(h.live(key).rules.map((rule) => rule.id)).toEqual(approvedOrder);
    const [reverted] = await h.entries(LedgerEventType.EditReverted, key);
    expect(reverted!.data['operator']).toBe('alice');
  });

  it('turns duplicated, reordered and replayed deliveries of one edit into exactly one revert', async () => {
    const key = 'replay-model-route';
    await h.seedAndAdopt(routeFlag(h.envId, key, { candidateShare: 0.05 }));
    await aliceSetsShare(h, key, 0.3);
    await eventually(
      async () => (await h.entries(LedgerEventType.EditReverted, key)).length === 1,
      10_000,
      'the first revert',
    );
    await h.settle();
    const older = h.sandbox.control
      .deliveries()
      .find((delivery) => delivery.payload.includes(`"${key}"`) && delivery.success)!;

    h.sandbox.control.dropWebhooks(1);
    await aliceSetsShare(h, key, 0.6);
    await h.settle();
    const newer = h.sandbox.control
      .deliveries()
      .findLast((delivery) => delivery.payload.includes(`"${key}"`) && delivery.dropped)!;
    expect(candidateShare(h.live(key), key)).toBeCloseTo(0.6, 10);

    const post = (delivery: typeof newer, extra: Record<string, string> = {}) =>
      fetch(`${h.service.url}/webhooks/featbit`, {
        method: 'POST',
        headers: { ...delivery.headers, ...extra },
        body: delivery.payload,
      });
    const answers = await Promise.all([
      post(newer),
      post(newer),
      post(newer),
      post(older),
      post(newer, { 'X-FeatBit-Delivery': 'replayed-later' }),
    ]);
    expect(answers.map((answer) => answer.status)).toEqual([202, 202, 202, 202, 202]);
    await h.settle();
    await post(older);
    await post(newer);
    await h.settle();

    expect(candidateShare(h.live(key), key)).toBeCloseTo(0.05, 10);
    expect(await h.entries(LedgerEventType.EditReverted, key)).toHaveLength(2);
    expect(await proposalsOf(key)).toHaveLength(2);
  });

  it('answers 401 to a bad or missing signature and changes nothing, and accepts a rotated secret', async () => {
    const key = 'signed-model-route';
    await h.seedAndAdopt(routeFlag(h.envId, key, { candidateShare: 0.05 }));
    h.sandbox.control.dropWebhooks(1);
    await aliceSetsShare(h, key, 0.4);
    await h.sandbox.control.webhooksIdle();
    const delivery = h.sandbox.control
      .deliveries()
      .findLast((record) => record.payload.includes(`"${key}"`) && record.dropped)!;
    const ledgerBefore = (await h.service.workflow.queryAudit({ afterSeq: 0, limit: 1000 })).length;

    const send = (signature: string | undefined) =>
      fetch(`${h.service.url}/webhooks/featbit`, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          'x-featbit-delivery': `manual-${signature?.slice(7, 15) ?? 'none'}`,
          ...(signature ? { 'x-featbit-signature-256': signature } : {}),
        },
        body: delivery.payload,
      });
    expect((await send(signFeatBitBody(delivery.payload, 'not-the-secret'))).status).toBe(401);
    expect((await send(undefined)).status).toBe(401);
    expect((await send(signFeatBitBody(`${delivery.payload} `, h.secret))).status).toBe(401);
    await h.settle();
    expect(candidateShare(h.live(key), key)).toBeCloseTo(0.4, 10);
    expect((await h.service.workflow.queryAudit({ afterSeq: 0, limit: 1000 })).length).toBe(ledgerBefore);

    expect((await send(signFeatBitBody(delivery.payload, 'old-rotated-secret'))).status).toBe(202);
    await h.settle();
    expect(candidateShare(h.live(key), key)).toBeCloseTo(0.05, 10);
  });

  it('writes an approved proposal back exactly as the admin edited it, and it stays', async () => {
    const key = 'proposal-model-route';
    await h.seedAndAdopt(routeFlag(h.envId, key, { candidateShare: 0.05 }));
    const before = await h.alice.getFlag(h.envId, key);
    const edited = {
      ...withShare(before, 0.2),
      targetUsers: [{ keyIds: ['qa-lead'], variationId: `${key}-candidate` }],
    };
    await h.alice.updateTargeting(h.envId, key, { revision: before.revision, targeting: edited });
    await eventually(
      async () => (await h.entries(LedgerEventType.EditReverted, key)).length === 1,
      10_000,
      'the revert',
    );
    await h.settle();
    expect(h.live(key).targetUsers).toEqual([]);
    const [proposal] = await proposalsOf(key);

    const evidence = await h.call('POST', `/v1/changes/${proposal.key}/evidence`, {
      token: h.tokens.requester,
      body: { type: 'offlineEval', summary: 'evaluated', result: 'passed' },
    });
    expect(evidence.status).toBe(201);
    const review = await h.call('POST', `/v1/changes/${proposal.key}/reviews`, {
      token: h.tokens.aiPlatformOwner,
      body: { decision: 'approve' },
    });
    expect(review.body.status).toBe('approved');
    const applied = await h.call('POST', `/v1/changes/${proposal.key}/release/apply-stage`, {
      token: h.tokens.releaseOwner,
      body: {},
    });
    expect(applied.status).toBe(200);
    expect(applied.body.status).toBe('completed');

    await h.settle();
    await h.service.bridge!.reconciler.runOnce();
    await h.settle();
    const live = h.live(key);
    expect(candidateShare(live, key)).toBeCloseTo(0.2, 10);
    expect(live.targetUsers).toEqual([{ keyIds: ['qa-lead'], variationId: `${key}-candidate` }]);
    expect(await h.entries(LedgerEventType.EditReverted, key)).toHaveLength(1);
    expect(featbitAuditOf(key)[0]).toMatchObject({ creatorName: 'featgate-bot' });
  });

  it('never approves a new governed flag itself: each is switched off onto its baseline, left unapproved for the gates, and the wide one proposed', async () => {
    const create = (key: string, enabledVariation: 'current' | 'candidate') =>
      fetch(`${h.sandbox.url}/api/v1/envs/${h.envId}/feature-flags`, {
        method: 'POST',
        headers: {
          authorization: h.sandbox.tokens.list().find((token) => token.name === 'alice')!.token,
          'content-type': 'application/json',
        },
        body: JSON.stringify({
          name: key,
          key,
          isEnabled: true,
          description: '',
          variationType: 'json',
          variations: [
            { id: `${key}-current`, name: 'current', value: JSON.stringify(CURRENT_ROUTE) },
            { id: `${key}-candidate`, name: 'candidate', value: JSON.stringify(CANDIDATE_ROUTE) },
          ],
          enabledVariationId: `${key}-${enabledVariation}`,
          disabledVariationId: `${key}-current`,
          tags: [],
        }),
      });
    expect((await create('fresh-model-route', 'current')).status).toBe(200);
    expect((await create('wide-model-route', 'candidate')).status).toBe(200);
    await eventually(
      async () => (await h.entries(LedgerEventType.EditReverted, 'wide-model-route')).length === 1,
      10_000,
      'the convergence',
    );
    await h.settle();

    for (const key of ['fresh-model-route', 'wide-model-route']) {
      expect(await h.entries(LedgerEventType.FlagAdopted, key)).toHaveLength(0);
      expect(await h.entries(LedgerEventType.ApprovedStateSet, key)).toHaveLength(0);
      const live = h.live(key);
      expect(live.isEnabled).toBe(false);
      expect(live.disabledVariationId).toBe(`${key}-current`);
      expect(live.fallthrough.variations).toEqual([expect.objectContaining({ id: `${key}-current`, rollout: [0, 1] })]);
      const [converged] = await h.entries(LedgerEventType.EditReverted, key);
      expect(converged!.data).toMatchObject({ unapproved: true, operator: 'alice' });
      expect(converged!.data['writes']).toBeGreaterThan(0);
    }
    const [proposal] = await proposalsOf('wide-model-route');
    expect(proposal).toMatchObject({ requester: 'alice', status: 'proposed' });

    // Converged flags cost nothing more: another round writes nothing and records nothing.
    const entriesBefore = (await h.service.workflow.queryAudit({ afterSeq: 0, limit: 10_000 })).length;
    await h.service.bridge!.reconciler.runOnce();
    await h.settle();
    expect((await h.service.workflow.queryAudit({ afterSeq: 0, limit: 10_000 })).length).toBe(entriesBefore);
  });

  it('reverts a segment edit that widens a governed flag using the segment', async () => {
    const key = 'segment-model-route';
    const segmentId = '5e6f0000-0000-4000-8000-000000000001';
    const flag = routeFlag(h.envId, key);
    flag['rules'] = [
      {
        id: `${key}-beta`,
        name: 'beta testers',
        dispatchKey: null,
        includedInExpt: false,
        conditions: [{ property: 'User is in segment', op: null, value: JSON.stringify([segmentId]) }],
        variations: [{ id: `${key}-candidate`, rollout: [0, 1], exptRollout: 1 }],
      },
    ];
    h.sandbox.control.seed({
      flags: [],
      segments: [
        { id: segmentId, envId: h.envId, name: 'beta testers', included: ['tester-1'], excluded: [], rules: [] },
      ],
    });
    await h.seedAndAdopt(flag);

    await h.alice.updateSegmentTargeting(h.envId, segmentId, {
      included: ['tester-1', 'everyone-else'],
      excluded: [],
      rules: [],
    });
    await eventually(
      async () => (await h.entries(LedgerEventType.EditReverted, key)).length === 1,
      10_000,
      'the segment revert',
    );
    await h.settle();
    expect(h.sandbox.control.store.getSegment(h.envId, segmentId).included).toEqual(['tester-1']);
    const [reverted] = await h.entries(LedgerEventType.EditReverted, key);
    expect(reverted!.data).toMatchObject({ operator: 'alice', restoredSegments: [segmentId] });
  });
});
