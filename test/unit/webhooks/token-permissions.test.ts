import { describe, expect, it } from 'vitest';
import { FeatBitAction, PermissionState } from '../../../src/featbit/rest-client/index.js';
import { TokenPermissions, type FlagPermissions } from '../../../webhooks/index.js';

/** A FeatBit that answers probes from a table and counts them. */
function probingFeatBit(missing: Set<FeatBitAction>) {
  const asked: string[] = [];
  return {
    asked,
    async probePermission(_envId: string, key: string, action: FeatBitAction) {
      asked.push(`${key}:${action}`);
      return missing.has(action) ? PermissionState.Missing : PermissionState.Granted;
    },
  };
}

describe('TokenPermissions', () => {
  it('probes a flag once per TTL, and again at once when its tags (its FeatBit resource name) change', async () => {
    let now = 0;
    const featbit = probingFeatBit(new Set());
    const permissions = new TokenPermissions(featbit, { ttlMs: 1000, now: () => now });
    await permissions.forFlag('env', { key: 'k', tags: ['ai'] });
    const once = featbit.asked.length;
    await permissions.forFlag('env', { key: 'k', tags: ['ai'] });
    expect(featbit.asked.length).toBe(once);
    await permissions.forFlag('env', { key: 'k', tags: [] });
    expect(featbit.asked.length).toBe(2 * once);
    now = 1000;
    await permissions.forFlag('env', { key: 'k', tags: [] });
    expect(featbit.asked.length).toBe(3 * once);
  });

  it('probes a flag with a missing action on every ask, so a fixed token clears at once', async () => {
    const missing = new Set([FeatBitAction.ToggleFlag]);
    const featbit = probingFeatBit(missing);
    const permissions = new TokenPermissions(featbit, { ttlMs: 60_000 });
    const changes: FlagPermissions[] = [];
    permissions.onChange((flag) => changes.push(flag));
    await permissions.forFlag('env', { key: 'k' });
    expect(permissions.missing()).toEqual([{ envId: 'env', flagKey: 'k', actions: [FeatBitAction.ToggleFlag] }]);
    missing.clear();
    await permissions.forFlag('env', { key: 'k' });
    expect(permissions.missing()).toEqual([]);
    expect(changes.map((flag) => flag.states.get(FeatBitAction.ToggleFlag))).toEqual([
      PermissionState.Missing,
      PermissionState.Granted,
    ]);
  });

  it('keeps what featgate learned from its own writes (targeting cannot be probed) until the TTL ends', async () => {
    let now = 0;
    const permissions = new TokenPermissions(probingFeatBit(new Set()), { ttlMs: 1000, now: () => now });
    await permissions.forFlag('env', { key: 'k' });
    permissions.learn('env', 'k', [FeatBitAction.UpdateFlagDefaultRule], PermissionState.Missing);
    expect(permissions.stateOf('env', 'k', FeatBitAction.UpdateFlagDefaultRule)).toBe(PermissionState.Missing);
    now = 1000;
    await permissions.forFlag('env', { key: 'k' });
    expect(permissions.stateOf('env', 'k', FeatBitAction.UpdateFlagDefaultRule)).toBe(PermissionState.Unknown);
  });
});

describe('background probes', () => {
  it('probe each stale flag once, one request at a time, and leave fresh ones alone', async () => {
    let running = 0;
    let most = 0;
    const asked: string[] = [];
    const featbit = {
      async probePermission(_envId: string, key: string) {
        running += 1;
        most = Math.max(most, running);
        asked.push(key);
        await new Promise((resolve) => setImmediate(resolve));
        running -= 1;
        return PermissionState.Granted;
      },
    };
    const permissions = new TokenPermissions(featbit);
    for (const key of ['a', 'b', 'c', 'a', 'b']) permissions.refreshSoon('env', { key });
    await permissions.idle();
    permissions.refreshSoon('env', { key: 'a' });
    await permissions.idle();
    expect([...new Set(asked)].sort()).toEqual(['a', 'b', 'c']);
    expect(asked.length).toBe(3 * 4);
    expect(most).toBe(1);
  });
});
