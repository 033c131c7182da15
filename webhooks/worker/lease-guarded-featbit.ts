import type { FeatBitRestClient } from '../../src/featbit/rest-client/index.js';
import type { LockLease } from '../../src/locks/index.js';

/** The client's methods that change FeatBit: each one waits for the lease check first. */
const WRITES: ReadonlySet<string> = new Set([
  'updateTargeting',
  'updateVariations',
  'updateOffVariation',
  'toggle',
  'patchFlag',
  'archiveFlag',
  'restoreFlag',
  'deleteFlag',
  'updateSegmentTargeting',
]);

/**
 * The FeatBit client a flag job writes through: before every write it checks (and extends) the flag's lock, and a lock
 * lost meanwhile (another worker took the flag over after this one stalled) throws `LockLostError` instead of writing,
 * so two workers never write one flag at once. Reads pass through unchanged.
 */
export function leaseGuardedFeatBit(featbit: FeatBitRestClient, lease: LockLease): FeatBitRestClient {
  return new Proxy(featbit, {
    get(target, property, receiver) {
      const value = Reflect.get(target, property, receiver) as unknown;
      if (typeof value !== 'function') return value;
      if (typeof property !== 'string' || !WRITES.has(property))
        return (value as (...args: unknown[]) => unknown).bind(target);
      return async (...args: unknown[]) => {
        await lease.assertHeld();
        return (value as (...args: unknown[]) => Promise<unknown>).apply(target, args);
      };
    },
  });
}
