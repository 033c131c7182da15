import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RestFlag } from '../../../src/featbit/model/index.js';
import type { FlagTargeting } from '../../../src/featbit/rest-client/index.js';
import { LedgerEventType } from '../../../src/ledger/index.js';
import { candidateShare, eventually, routeFlag, startBridgeHarness, type BridgeHarness } from './bridge-harness.js';

let h: BridgeHarness;

// No webhook configured and no reconciler round during the test: only FeatBit's SDK data-sync stream can trigger.
beforeAll(async () => {
  h = await startBridgeHarness({ stream: true, withoutWebhooks: true });
}, 60_000);

afterAll(async () => {
  await h?.close();
});

function targetingOf(flag: RestFlag): FlagTargeting {
  return {
    targetUsers: flag.targetUsers,
    rules: flag.rules,
    fallthrough: flag.fallthrough,
    exptIncludeAllTargets: flag.exptIncludeAllTargets,
  };
}

async function aliceSetsTargeting(key: string, edit: (targeting: FlagTargeting) => FlagTargeting): Promise<void> {
  const flag = await h.alice.getFlag(h.envId, key);
  await h.alice.updateTargeting(h.envId, key, {
    revision: flag.revision,
    targeting: edit(structuredClone(targetingOf(flag))),
  });
}

async function restoredByTheStream(key: string): Promise<void> {
  await eventually(
    async () => (await h.entries(LedgerEventType.EditReverted, key)).length === 1,
    10_000,
    `the stream-triggered revert of ${key}`,
  );
  await h.settle();
  const [intercepted] = await h.entries(LedgerEventType.EditIntercepted, key);
  expect(intercepted!.data['source']).toBe('stream');
}

describe('with webhooks off, the SDK data-sync stream triggers the restore of each edit FeatBit sends no webhook for', () => {
  it('variation ids swapped at identical ranges (every user flips to the candidate)', async () => {
    const key = 'swapped-stream-model-route';
    await h.seedAndAdopt(routeFlag(h.envId, key, { candidateShare: 0.05 }));
    await aliceSetsTargeting(key, (targeting) => {
      const [first, second] = targeting.fallthrough.variations;
      targeting.fallthrough.variations = [
        { ...first!, id: second!.id },
        { ...second!, id: first!.id },
      ];
      return targeting;
    });
    await restoredByTheStream(key);
    expect(candidateShare(h.live(key), key)).toBeCloseTo(0.05, 10);
    const [intercepted] = await h.entries(LedgerEventType.EditIntercepted, key);
    expect(intercepted!.data['widened']).toEqual([`${key}-candidate`]);
  });

  it('rules reordered', async () => {
    const key = 'reordered-stream-model-route';
    await h.seedAndAdopt(routeFlag(h.envId, key, { rules: true }));
    const approvedOrder = h.live(key).rules.map((rule) => rule.id);
    await aliceSetsTargeting(key, (targeting) => ({ ...targeting, rules: [...targeting.rules].reverse() }));
    await restoredByTheStream(key);
    expect(h.live(key).rules.map((rule) => rule.id)).toEqual(approvedOrder);
  });

  it('the default rule’s dispatch key set to null', async () => {
    const key = 'dispatch-stream-model-route';
    const seeded = routeFlag(h.envId, key, { candidateShare: 0.2 }) as { fallthrough: Record<string, unknown> };
    await h.seedAndAdopt({ ...seeded, fallthrough: { ...seeded.fallthrough, dispatchKey: 'country' } });
    await aliceSetsTargeting(key, (targeting) => ({
      ...targeting,
      fallthrough: { ...targeting.fallthrough, dispatchKey: null },
    }));
    await restoredByTheStream(key);
    expect(h.live(key).fallthrough.dispatchKey).toBe('country');
  });

  it('a widening on a flag whose description holds a raw line break (FeatBit drops every webhook of such a flag)', async () => {
    const key = 'linebreak-stream-model-route';
    await h.seedAndAdopt({
      ...routeFlag(h.envId, key, { candidateShare: 0.05 }),
      description: 'first line\nsecond line',
    });
    await aliceSetsTargeting(key, (targeting) => ({
      ...targeting,
      fallthrough: {
        ...targeting.fallthrough,
        variations: [
          { id: `${key}-candidate`, rollout: [0, 0.5], exptRollout: 1 },
          { id: `${key}-current`, rollout: [0.5, 1], exptRollout: 1 },
        ],
      },
    }));
    await restoredByTheStream(key);
    expect(candidateShare(h.live(key), key)).toBeCloseTo(0.05, 10);
  });
});
