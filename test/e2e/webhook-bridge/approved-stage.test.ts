import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LedgerEventType } from '../../../src/ledger/index.js';
import {
  candidateShare,
  eventually,
  openApprovedChange,
  routeChangeRecord,
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

/** Creates, approves and applies the first stage (candidate on 20%) of a change of `key`. */
async function rampToFirstStage(key: string, changeKey: string): Promise<void> {
  const record = routeChangeRecord(key, changeKey, [
    { name: 'pilot', percentage: 20 },
    { name: 'everyone', percentage: 100 },
  ]);
  await openApprovedChange(h, record);
  expect(
    (await h.call('POST', `/v1/changes/${changeKey}/release/apply-stage`, { token: h.tokens.releaseOwner, body: {} }))
      .status,
  ).toBe(200);
  await h.settle();
}

async function aliceSetsShare(key: string, share: number): Promise<void> {
  const flag = await h.alice.getFlag(h.envId, key);
  const variations = [
    { id: `${key}-candidate`, rollout: [0, share] as [number, number], exptRollout: 1 },
    { id: `${key}-current`, rollout: [share, 1] as [number, number], exptRollout: 1 },
  ];
  await h.alice.updateTargeting(h.envId, key, {
    revision: flag.revision,
    targeting: {
      targetUsers: flag.targetUsers,
      rules: flag.rules,
      fallthrough: { ...flag.fallthrough, variations },
      exptIncludeAllTargets: flag.exptIncludeAllTargets,
    },
  });
}

describe('edits within the applied stage of an approved change', () => {
  it('accepts switching a ramping flag off and on again, and back up to its stage after lowering it', async () => {
    const key = 'stage-model-route';
    await h.seedAndAdopt(routeFlag(h.envId, key));
    await rampToFirstStage(key, 'stage-latency-target');
    expect(candidateShare(h.live(key), key)).toBeCloseTo(0.2, 10);

    await h.alice.toggle(h.envId, key, false);
    await h.settle();
    await h.alice.toggle(h.envId, key, true);
    await h.settle();
    await aliceSetsShare(key, 0.1);
    await h.settle();
    await aliceSetsShare(key, 0.2);
    await h.settle();

    const live = h.live(key);
    expect(live.isEnabled).toBe(true);
    expect(candidateShare(live, key)).toBeCloseTo(0.2, 10);
    expect(await h.entries(LedgerEventType.EditReverted, key)).toHaveLength(0);
    const verdicts = (await h.entries(LedgerEventType.EditAccepted, key)).map((entry) => entry.data['verdict']);
    expect(verdicts).toEqual(['on-off', 'on-off', 'safe-direction', 'within-approved-stage']);
  });

  it('still reverts an edit beyond the applied stage', async () => {
    const key = 'beyond-stage-model-route';
    await h.seedAndAdopt(routeFlag(h.envId, key));
    await rampToFirstStage(key, 'beyond-stage-latency-target');

    await aliceSetsShare(key, 0.5);
    await eventually(
      async () => (await h.entries(LedgerEventType.EditReverted, key)).length === 1,
      10_000,
      'the revert',
    );
    await h.settle();
    expect(candidateShare(h.live(key), key)).toBeCloseTo(0.2, 10);
  });
});
