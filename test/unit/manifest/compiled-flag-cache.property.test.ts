import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { ApprovedFlagState } from '../../../src/approved-state/model/index.js';
import { compileManifestKeepingLastGood, type CompiledFlagCache } from '../../../src/manifest/index.js';
import { scaleFlag, statePayload } from '../../bench/scale-support.js';

const ENV = 'env-a';
const issuedAt = new Date('2026-01-01T00:00:00Z');

function approved(index: number, share: number, version: number): ApprovedFlagState {
  return { ...(statePayload(ENV, scaleFlag(index, share)) as unknown as ApprovedFlagState), version };
}

describe('the per-flag compiled entry cache of the manifest publisher', () => {
  it('signs exactly the manifest a compilation without the cache gives, over any sequence of approvals', () => {
    fc.assert(
      fc.property(
        fc.array(fc.record({ flag: fc.nat(5), share: fc.integer({ min: 1, max: 99 }) }), {
          minLength: 1,
          maxLength: 30,
        }),
        (approvals) => {
          const cache: CompiledFlagCache = new WeakMap();
          const states = new Map<number, ApprovedFlagState>();
          approvals.forEach((approval, index) => {
            states.set(approval.flag, approved(approval.flag, approval.share / 100, index + 1));
            const current = [...states.values()];
            const withCache = compileManifestKeepingLastGood(
              ENV,
              current,
              { issuedAt, ttlMs: 60_000 },
              undefined,
              cache,
            );
            const without = compileManifestKeepingLastGood(ENV, current, { issuedAt, ttlMs: 60_000 });
            expect(withCache).toEqual(without);
          });
        },
      ),
      { numRuns: 60 },
    );
  });

  it('reuses the entry of a flag whose approved state is unchanged and compiles a replaced one afresh', () => {
    const cache: CompiledFlagCache = new WeakMap();
    const first = approved(0, 0.2, 1);
    const other = approved(1, 0.3, 2);
    const before = compileManifestKeepingLastGood(
      ENV,
      [first, other],
      { issuedAt, ttlMs: 60_000 },
      undefined,
      cache,
    ).manifest;
    const replaced = approved(0, 0.7, 3);
    const after = compileManifestKeepingLastGood(
      ENV,
      [replaced, other],
      { issuedAt, ttlMs: 60_000 },
      undefined,
      cache,
    ).manifest;
    expect(after.flags['scale-flag-1']).toBe(before.flags['scale-flag-1']);
    expect(after.flags['scale-flag-0']).not.toEqual(before.flags['scale-flag-0']);
    expect(after.flags['scale-flag-0']!.version).toBe(3);
  });
});
