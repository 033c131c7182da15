import { describe, expect, it, vi } from 'vitest';
import { approvedState, featBitFlag, signedManifest, testSigningKey } from './gate-fixtures.js';

const ENV = 'env-regex';
const key = await testSigningKey();

/** A flag whose approved rule serves `corp` to e-mails matching a .NET pattern, `public` to everyone else. */
const flag = featBitFlag({
  key: 'assistant-tier',
  variationType: 'string',
  variations: [
    { id: 'public', name: 'public', value: 'public' },
    { id: 'corp', name: 'corp', value: 'corp' },
  ],
  disabledVariationId: 'public',
  rules: [
    {
      id: 'r',
      name: 'staff',
      dispatchKey: null,
      conditions: [{ property: 'email', op: 'MatchRegex', value: '^[\\w.]+@corp\\.example$' }],
      variations: [{ id: 'corp', rollout: [0, 1] }],
    },
  ],
  fallthrough: { variations: [{ id: 'public', rollout: [0, 1] }] },
});

/**
 * The gates' module graph loaded afresh, as a browser app loads it: only the gate's own modules, none of the service
 * entries that install RE2 at load (this file's fixtures did, in the graph they were imported into).
 */
async function freshGateModules() {
  vi.resetModules();
  const engine = await import('../../../provider/evaluator/regex-engine.js');
  const cache = await import('../../../provider/core/snapshot-cache.js');
  return { engine, cache };
}

describe('the RE2 engine, loaded by the gates only when a manifest needs it', () => {
  it('is absent from a fresh gate until a manifest with a regex rule arrives, which loads it before any evaluation', async () => {
    const { jws } = await signedManifest(key, ENV, [approvedState(ENV, flag, 'public')]);
    const { engine, cache } = await freshGateModules();
    expect(() => engine.regexEngine()).toThrow(/no regex engine/);

    const snapshot = await cache.verifiedSnapshot(jws, { keys: [key.publicJwk], envId: ENV });
    const approved = snapshot.flags.get('assistant-tier')!;
    expect(approved.approvedVariationForContext({ targetingKey: 'u1', email: 'ada.l@corp.example' })).toBe('corp');
    expect(approved.approvedVariationForContext({ targetingKey: 'u2', email: 'ada@corp.example.evil' })).toBe('public');
    expect(engine.regexEngine().compile('^a+$').test('aaa')).toBe(true);
  });

  it('stays unloaded for a manifest without regex rules (per-context web manifests never have rules)', async () => {
    const plain = featBitFlag({ ...flag, key: 'plain', rules: [] });
    const { jws } = await signedManifest(key, ENV, [approvedState(ENV, plain, 'public')]);
    const { engine, cache } = await freshGateModules();
    const snapshot = await cache.verifiedSnapshot(jws, { keys: [key.publicJwk], envId: ENV });
    expect(snapshot.flags.get('plain')!.approvedVariationForContext({ targetingKey: 'u1' })).toBe('public');
    expect(() => engine.regexEngine()).toThrow(/no regex engine/);
  });
});
