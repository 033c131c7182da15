import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RestFlag } from '../../../src/featbit/model/index.js';
import { LedgerEventType } from '../../../src/ledger/index.js';
import {
  aliceSetsShare,
  candidateShare,
  eventually,
  routeFlag,
  startBridgeHarness,
  type BridgeHarness,
} from './bridge-harness.js';

let h: BridgeHarness;

beforeAll(async () => {
  h = await startBridgeHarness();
}, 60_000);

afterAll(async () => {
  await h?.close();
});

async function approvedFlag(key: string): Promise<RestFlag> {
  const entries = await h.service.workflow.queryAudit({ flag: `${h.envId}/${key}`, afterSeq: 0, limit: 1000 });
  const states = entries.filter(
    (entry) => entry.type === LedgerEventType.ApprovedStateSet || entry.type === LedgerEventType.FlagAdopted,
  );
  return (states.at(-1)!.data['state'] as { flag: RestFlag }).flag;
}

describe('a kill switch always wins, and never approves what it carries (issue 17)', () => {
  it('reverts a widening to 50% made right before a switch-off, keeps the flag off, and switching back on serves the approved 5%', async () => {
    const key = 'widened-then-killed-model-route';
    await h.seedAndAdopt(routeFlag(h.envId, key, { candidateShare: 0.05 }));
    // Both edits land before featgate looks (no webhook in between), as in the fault matrix's row.
    const hooks = h.sandbox.control.webhooks();
    for (const hook of hooks) h.sandbox.control.removeWebhook(hook.id);
    try {
      await aliceSetsShare(h, key, 0.5);
      await h.alice.toggle(h.envId, key, false);
    } finally {
      for (const hook of hooks) h.sandbox.control.configureWebhook({ ...hook, scopes: [...hook.scopes] });
    }
    await h.service.bridge!.reconciler.runOnce();
    await h.settle();

    const live = h.live(key);
    expect(live.isEnabled).toBe(false);
    expect(candidateShare(live, key)).toBeCloseTo(0.05, 10);
    const approved = await approvedFlag(key);
    expect(approved.isEnabled).toBe(false);
    expect(candidateShare(approved, key)).toBeCloseTo(0.05, 10);
    const [reverted] = await h.entries(LedgerEventType.EditReverted, key);
    expect(reverted!.data).toMatchObject({ operator: 'alice', writes: 1 });
    expect((await h.entries(LedgerEventType.EditAccepted, key)).map((entry) => entry.data['verdict'])).toEqual([
      'on-off',
    ]);

    await h.alice.toggle(h.envId, key, true);
    await h.service.bridge!.reconciler.runOnce();
    await h.settle();
    expect(h.live(key).isEnabled).toBe(true);
    expect(candidateShare(h.live(key), key)).toBeCloseTo(0.05, 10);
    expect(await h.entries(LedgerEventType.EditReverted, key)).toHaveLength(1);
  });

  it('restores a changed variation content edited right before a switch-off and leaves the flag off', async () => {
    const key = 'content-then-killed-model-route';
    await h.seedAndAdopt(routeFlag(h.envId, key, { candidateShare: 0.05 }));
    const before = await h.alice.getFlag(h.envId, key);
    const variations = before.variations.map((variation) =>
      variation.name === 'candidate' ? { ...variation, value: '{"provider":"evil"}' } : variation,
    );
    await h.alice.updateVariations(h.envId, key, { revision: before.revision, variations });
    await h.alice.toggle(h.envId, key, false);
    await eventually(
      async () => (await h.entries(LedgerEventType.EditReverted, key)).length >= 1,
      10_000,
      'the revert',
    );
    await h.settle();

    const live = h.live(key);
    expect(live.isEnabled).toBe(false);
    expect(live.variations.find((variation) => variation.name === 'candidate')!.value).toBe(
      before.variations.find((variation) => variation.name === 'candidate')!.value,
    );
    expect((await approvedFlag(key)).isEnabled).toBe(false);
  });

  it('accepts a real narrowing made together with a switch-off as the new approved state', async () => {
    const key = 'narrowed-then-killed-model-route';
    await h.seedAndAdopt(routeFlag(h.envId, key, { candidateShare: 0.2 }));
    await aliceSetsShare(h, key, 0.1);
    await h.alice.toggle(h.envId, key, false);
    await h.settle();

    expect(await h.entries(LedgerEventType.EditReverted, key)).toHaveLength(0);
    const approved = await approvedFlag(key);
    expect(approved.isEnabled).toBe(false);
    expect(candidateShare(approved, key)).toBeCloseTo(0.1, 10);
    expect(candidateShare(h.live(key), key)).toBeCloseTo(0.1, 10);
  });

  it('reverts an off variation moved to the candidate, so a later honest kill switch serves the baseline and stays off', async () => {
    const key = 'off-variation-model-route';
    await h.seedAndAdopt(routeFlag(h.envId, key, { candidateShare: 0.05 }));
    const flag = await h.alice.getFlag(h.envId, key);
    await h.alice.updateOffVariation(h.envId, key, { revision: flag.revision, offVariationId: `${key}-candidate` });
    await eventually(
      async () => (await h.entries(LedgerEventType.EditReverted, key)).length === 1,
      10_000,
      'the revert',
    );
    await h.settle();
    expect(h.live(key).disabledVariationId).toBe(`${key}-current`);

    await h.alice.toggle(h.envId, key, false);
    await h.settle();
    expect(h.live(key).isEnabled).toBe(false);
    expect(await h.entries(LedgerEventType.EditReverted, key)).toHaveLength(1);
    expect((await approvedFlag(key)).isEnabled).toBe(false);
  });
});
