import { ConflictError } from '../errors/index.js';

/**
 * What a holder knows about the locks it holds while its work runs. A lock can be lost without the holder noticing
 * (its process stalled past the TTL, Redis failed over, someone deleted the key): writes guarded by the lock must stop
 * then, so every write checks `assertHeld` first, and long waits listen to `signal`.
 */
export interface LockLease {
  /** Aborted (with `LockLostError`) as soon as the holder learns that a lock is no longer its own. */
  readonly signal: AbortSignal;
  /** Checks, and extends, every held lock; throws `LockLostError` (and aborts `signal`) when one is gone. */
  assertHeld(): Promise<void>;
}

/** A lock the work relied on is held by someone else now, or by nobody: the guarded writes must not happen. */
export class LockLostError extends ConflictError {
  constructor(readonly lock: string) {
    super(`lost the lock ${lock} while holding it; the guarded work stops and is retried`);
  }
}

/** The lease of a lock that cannot be lost (one process, in memory). */
export const UNLOSABLE_LEASE: LockLease = { signal: new AbortController().signal, assertHeld: async () => undefined };
