import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { flagSchema, type RestFlag } from '../../../src/featbit/model/index.js';
import { comparableFlag } from '../../../webhooks/index.js';
import type { JsonPatchOperation } from '../../../src/featbit/rest-client/index.js';
import { LedgerEventType } from '../../../src/ledger/index.js';
import { candidateShare, eventually, routeFlag, startBridgeHarness, type BridgeHarness } from './bridge-harness.js';

let h: BridgeHarness;

beforeAll(async () => {
  h = await startBridgeHarness();
}, 60_000);

afterAll(async () => {
  await h?.close();
});

/** Everything the approved state fixes about a flag (key, tags, type, variations, targeting, archive state), as FeatBit holds it. */
function governedView(flag: RestFlag) {
  return comparableFlag(flagSchema.parse(flag));
}

async function approvedFlag(key: string): Promise<RestFlag> {
  const entries = await h.service.workflow.queryAudit({ flag: `${h.envId}/${key}`, afterSeq: 0, limit: 1000 });
  const states = entries.filter(
    (entry) => entry.type === LedgerEventType.ApprovedStateSet || entry.type === LedgerEventType.FlagAdopted,
  );
  return (states.at(-1)!.data['state'] as { flag: RestFlag }).flag;
}

/** Alice's JSON Patch (FeatBit: authentication only, no revision). */
async function alicePatches(key: string, operations: JsonPatchOperation[]): Promise<void> {
  await h.alice.patchFlag(h.envId, key, operations);
}

/** Edits with webhooks held back, then one reconciler round: featgate judges the edits together, as after lost deliveries. */
async function withoutWebhooks(edit: () => Promise<void>): Promise<void> {
  const hooks = h.sandbox.control.webhooks();
  for (const hook of hooks) h.sandbox.control.removeWebhook(hook.id);
  try {
    await edit();
  } finally {
    for (const hook of hooks) h.sandbox.control.configureWebhook({ ...hook, scopes: [...hook.scopes] });
  }
  await h.service.bridge!.reconciler.runOnce();
  await h.settle();
}

/** FeatBit holds the approved state again (on/off aside) and the ledger's last revert really wrote something. */
async function expectRestored(key: string, before: RestFlag): Promise<void> {
  const live = h.live(key);
  expect(governedView({ ...live, isEnabled: before.isEnabled })).toEqual(governedView(before));
  const reverts = await h.entries(LedgerEventType.EditReverted, key);
  expect(reverts.length).toBeGreaterThan(0);
  expect(reverts.every((entry) => (entry.data['writes'] as number) > 0)).toBe(true);
}

describe('every edit a FeatBit token can make is judged and restored (issue 11)', () => {
  it('restores one PATCH that archives the flag, adds a variation and points the default rule at it', async () => {
    const key = 'archive-widen-model-route';
    await h.seedAndAdopt(routeFlag(h.envId, key, { candidateShare: 0.05 }));
    const before = h.live(key);
    await withoutWebhooks(() =>
      alicePatches(key, [
        { op: 'replace', path: '/isArchived', value: true },
        { op: 'add', path: '/variations/-', value: { id: 'evil', name: 'evil', value: '{"provider":"evil"}' } },
        { op: 'replace', path: '/fallthrough/variations', value: [{ id: 'evil', rollout: [0, 1], exptRollout: 1 }] },
      ]),
    );
    await expectRestored(key, before);
    expect(h.live(key).isArchived).toBe(false);
    const [intercepted] = await h.entries(LedgerEventType.EditIntercepted, key);
    expect(intercepted!.data['widened']).toContain('evil');
  });

  it('keeps a flag governed when its governing tag is removed, and restores the tag with the widening', async () => {
    const key = 'tagged-tools';
    await h.seedAndAdopt({ ...routeFlag(h.envId, key, { candidateShare: 0.05 }), tags: ['ai-tool-policy'] });
    const before = h.live(key);
    await withoutWebhooks(() =>
      alicePatches(key, [
        { op: 'replace', path: '/tags', value: [] },
        {
          op: 'replace',
          path: '/fallthrough/variations',
          value: [{ id: `${key}-candidate`, rollout: [0, 1], exptRollout: 1 }],
        },
      ]),
    );
    await expectRestored(key, before);
    expect(h.live(key).tags).toEqual(['ai-tool-policy']);
  });

  it('restores a changed variation type, which no other write changes, with a real write', async () => {
    const key = 'retyped-model-route';
    await h.seedAndAdopt(routeFlag(h.envId, key, { candidateShare: 0.05 }));
    const before = h.live(key);
    await alicePatches(key, [{ op: 'replace', path: '/variationType', value: 'string' }]);
    await eventually(
      async () => (await h.entries(LedgerEventType.EditReverted, key)).length === 1,
      10_000,
      'the revert',
    );
    await h.settle();
    await expectRestored(key, before);
    expect(h.live(key).variationType).toBe('json');
  });

  it('follows a renamed flag by its FeatBit id and restores its key and its rollout', async () => {
    const key = 'renamed-model-route';
    await h.seedAndAdopt(routeFlag(h.envId, key, { candidateShare: 0.05 }));
    const before = h.live(key);
    await withoutWebhooks(() =>
      alicePatches(key, [
        { op: 'replace', path: '/key', value: 'escaped-flag' },
        {
          op: 'replace',
          path: '/fallthrough/variations',
          value: [{ id: `${key}-candidate`, rollout: [0, 1], exptRollout: 1 }],
        },
      ]),
    );
    await expectRestored(key, before);
    expect(candidateShare(h.live(key), key)).toBeCloseTo(0.05, 10);
    expect(h.sandbox.control.store.listFlags(h.envId).some((flag) => flag.key === 'escaped-flag')).toBe(false);
  });

  it('never accepts an archive that carries a widening, even with the flag switched off', async () => {
    const key = 'archived-killed-model-route';
    await h.seedAndAdopt(routeFlag(h.envId, key, { candidateShare: 0.05 }));
    await withoutWebhooks(async () => {
      await alicePatches(key, [
        { op: 'replace', path: '/isArchived', value: true },
        { op: 'replace', path: '/isEnabled', value: false },
        {
          op: 'replace',
          path: '/fallthrough/variations',
          value: [{ id: `${key}-candidate`, rollout: [0, 1], exptRollout: 1 }],
        },
      ]);
    });
    const live = h.live(key);
    expect(live.isEnabled).toBe(false);
    expect(candidateShare(live, key)).toBeCloseTo(0.05, 10);
    expect(candidateShare(await approvedFlag(key), key)).toBeCloseTo(0.05, 10);
  });

  it('restores wholesale a flag FeatBit holds in a shape featgate cannot parse: a rollout beyond 1 on a new variation', async () => {
    const key = 'overflow-model-route';
    await h.seedAndAdopt(routeFlag(h.envId, key, { candidateShare: 0.05 }));
    const before = h.live(key);
    await alicePatches(key, [
      { op: 'add', path: '/variations/-', value: { id: 'evil', name: 'evil', value: '{"provider":"evil"}' } },
      {
        op: 'replace',
        path: '/fallthrough/variations',
        value: [{ id: 'evil', rollout: [0, 1.0000001], exptRollout: 1 }],
      },
    ]);
    await eventually(
      async () => (await h.entries(LedgerEventType.EditReverted, key)).length === 1,
      10_000,
      'the wholesale restore',
    );
    await h.settle();
    await expectRestored(key, before);
    const [intercepted] = await h.entries(LedgerEventType.EditIntercepted, key);
    expect(intercepted!.data).toMatchObject({ verdict: 'unknown-shape', operator: 'alice' });
    const [reverted] = await h.entries(LedgerEventType.EditReverted, key);
    expect(reverted!.data).toMatchObject({ wholesale: true, writes: 1 });
  });

  it('restores wholesale a null variation value and a null condition property', async () => {
    const key = 'nulls-model-route';
    await h.seedAndAdopt(routeFlag(h.envId, key, { candidateShare: 0.05, rules: true }));
    const before = h.live(key);
    await withoutWebhooks(() =>
      alicePatches(key, [
        { op: 'replace', path: '/variations/0/value', value: null },
        { op: 'replace', path: '/rules/1/conditions/0/property', value: null },
      ]),
    );
    await expectRestored(key, before);
  });

  it('reverts a candidate holding a 2,500-level nested JSON value before anything walks it', async () => {
    const key = 'nested-model-route';
    await h.seedAndAdopt(routeFlag(h.envId, key, { candidateShare: 0.05 }));
    const before = h.live(key);
    const deep = `${'['.repeat(2_500)}${']'.repeat(2_500)}`;
    const flag = await h.alice.getFlag(h.envId, key);
    await h.alice.updateVariations(h.envId, key, {
      revision: flag.revision,
      variations: flag.variations.map((variation) =>
        variation.name === 'candidate' ? { ...variation, value: deep } : variation,
      ),
    });
    await eventually(
      async () => (await h.entries(LedgerEventType.EditReverted, key)).length === 1,
      10_000,
      'the revert',
    );
    await h.settle();
    await expectRestored(key, before);
  });

  it('keeps /healthz answering while it judges a rule pairing Equal "aaa…!" with MatchRegex ^(a+)+$, and reverts it', async () => {
    const key = 'backtracking-model-route';
    await h.seedAndAdopt(routeFlag(h.envId, key, { candidateShare: 0.05 }));
    const before = h.live(key);
    const candidate = `${key}-candidate`;
    const flag = await h.alice.getFlag(h.envId, key);
    const healthy: number[] = [];
    let judging = true;
    const probe = (async () => {
      while (judging) {
        const response = await fetch(`${h.service.url}/healthz`, { signal: AbortSignal.timeout(2_000) });
        healthy.push(response.status);
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
    })();
    await h.alice.updateTargeting(h.envId, key, {
      revision: flag.revision,
      targeting: {
        targetUsers: [],
        rules: [
          {
            id: 'r-equal',
            name: 'equal',
            dispatchKey: null,
            includedInExpt: false,
            conditions: [{ property: 'email', op: 'Equal', value: `${'a'.repeat(40)}!` }],
            variations: [{ id: candidate, rollout: [0, 1], exptRollout: 1 }],
          },
          {
            id: 'r-regex',
            name: 'regex',
            dispatchKey: null,
            includedInExpt: false,
            conditions: [{ property: 'email', op: 'MatchRegex', value: '^(a+)+$' }],
            variations: [{ id: candidate, rollout: [0, 1], exptRollout: 1 }],
          },
        ],
        fallthrough: flag.fallthrough,
        exptIncludeAllTargets: true,
      },
    });
    await eventually(
      async () => (await h.entries(LedgerEventType.EditReverted, key)).length === 1,
      10_000,
      'the revert',
    );
    judging = false;
    await probe;
    await h.settle();
    await expectRestored(key, before);
    expect(healthy.length).toBeGreaterThan(0);
    expect(healthy.every((status) => status === 200)).toBe(true);
  });

  it('switches off a governed flag nobody approved that FeatBit holds in a shape featgate cannot parse', async () => {
    const key = 'unreadable-new-model-route';
    const flag = routeFlag(h.envId, key) as { fallthrough: Record<string, unknown> };
    h.sandbox.control.seed({
      flags: [
        {
          ...flag,
          fallthrough: {
            ...flag.fallthrough,
            variations: [{ id: `${key}-candidate`, rollout: [0, 1.0000001], exptRollout: 1 }],
          },
        },
      ],
      segments: [],
    });
    await h.service.bridge!.reconciler.runOnce();
    await h.settle();
    expect(h.live(key).isEnabled).toBe(false);
    expect(await h.entries(LedgerEventType.FlagAdopted, key)).toHaveLength(0);
    const [converged] = await h.entries(LedgerEventType.EditReverted, key);
    expect(converged!.data).toMatchObject({ unapproved: true, writes: 1 });
    // Already off: the next round writes and records nothing.
    const before = (await h.service.workflow.queryAudit({ afterSeq: 0, limit: 10_000 })).length;
    await h.service.bridge!.reconciler.runOnce();
    await h.settle();
    expect((await h.service.workflow.queryAudit({ afterSeq: 0, limit: 10_000 })).length).toBe(before);
  });

  it('restores a segment a governed flag uses when FeatBit holds it in a shape featgate cannot parse', async () => {
    const key = 'unreadable-segment-model-route';
    const segmentId = '5e6f0000-0000-4000-8000-0000000000aa';
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
    await withoutWebhooks(async () => {
      const response = await fetch(`${h.sandbox.url}/api/v1/envs/${h.envId}/segments/${segmentId}`, {
        method: 'PATCH',
        headers: {
          authorization: h.sandbox.tokens.list().find((token) => token.name === 'alice')!.token,
          'content-type': 'application/json',
        },
        body: JSON.stringify([
          {
            op: 'add',
            path: '/rules/-',
            value: { id: 'everyone', name: 'everyone', conditions: [{ property: null, op: 'IsOneOf', value: null }] },
          },
        ]),
      });
      expect((await response.json()).success).toBe(true);
    });
    const segment = h.sandbox.control.store.getSegment(h.envId, segmentId);
    expect(segment.included).toEqual(['tester-1']);
    expect(segment.rules).toEqual([]);
    const [reverted] = await h.entries(LedgerEventType.EditReverted, key);
    expect(reverted!.data).toMatchObject({ restoredSegments: [segmentId] });
  });

  it('converges a new governed flag that was archived right away (archived flags still serve through server SDKs)', async () => {
    const key = 'archived-new-model-route';
    h.sandbox.control.seed({
      flags: [{ ...routeFlag(h.envId, key, { candidateShare: 0.5 }), isArchived: true }],
      segments: [],
    });
    await h.service.bridge!.reconciler.runOnce();
    await h.settle();
    const live = h.live(key);
    expect(live.isEnabled).toBe(false);
    expect(candidateShare(live, key)).toBe(0);
    expect(await h.entries(LedgerEventType.FlagAdopted, key)).toHaveLength(0);
  });
});
