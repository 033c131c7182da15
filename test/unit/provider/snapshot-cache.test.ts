import { describe, expect, it } from 'vitest';
import { verifiedSnapshot } from '../../../provider/core/snapshot-cache.js';
import { approvedState, featBitFlag, signedManifest, testSigningKey } from './gate-fixtures.js';

const ENV = 'env-cache';
const key = await testSigningKey();
const flag = featBitFlag({
  key: 'tone',
  variationType: 'string',
  variations: [{ id: 'calm', name: 'calm', value: 'calm' }],
  disabledVariationId: 'calm',
  fallthrough: { variations: [{ id: 'calm', rollout: [0, 1] }] },
});

describe('per-process manifest snapshots', () => {
  it('verifies and compiles a manifest once for every gate of the process that trusts the same keys', async () => {
    const { jws } = await signedManifest(key, ENV, [approvedState(ENV, flag, 'calm')]);
    const first = verifiedSnapshot(jws, { keys: [key.publicJwk], envId: ENV });
    const second = verifiedSnapshot(`${jws}`, { keys: [{ ...key.publicJwk }], envId: ENV });
    expect(second).toBe(first);
    expect((await first).flags.get('tone')?.baselineVariationId).toBe('calm');
  });

  it('never lets a manifest verified under one trust serve a gate with other keys or another environment', async () => {
    const { jws } = await signedManifest(key, ENV, [approvedState(ENV, flag, 'calm')]);
    await verifiedSnapshot(jws, { keys: [key.publicJwk], envId: ENV });
    const stranger = await testSigningKey();
    await expect(verifiedSnapshot(jws, { keys: [stranger.publicJwk], envId: ENV })).rejects.toThrow(
      /unknown key|does not verify/,
    );
    await expect(verifiedSnapshot(jws, { keys: [key.publicJwk], envId: 'env-other' })).rejects.toThrow(/environment/);
  });

  it('keeps only the two newest manifests alive, so a process does not hold every manifest of its recent approvals', async () => {
    const options = { keys: [key.publicJwk], envId: ENV };
    const manifests = await Promise.all(
      [1, 2, 3, 4, 5].map((version) => signedManifest(key, ENV, [approvedState(ENV, flag, 'calm', version)])),
    );
    const snapshots = manifests.map(({ jws }) => verifiedSnapshot(jws, options));
    await Promise.all(snapshots);
    expect(verifiedSnapshot(manifests[4]!.jws, options)).toBe(snapshots[4]);
    expect(verifiedSnapshot(manifests[3]!.jws, options)).toBe(snapshots[3]);
    expect(verifiedSnapshot(manifests[0]!.jws, options)).not.toBe(snapshots[0]);
  });
});
