import { UNLOSABLE_LEASE, type LockLease } from './lock-lease.js';

/**
 * Mutual exclusion by name. The workflow runs every state change of a change record (and every FeatBit write
 * of a flag) inside the lock of that record (and flag), so validation and the ledger append it leads to are
 * one atomic step even with several `serve` processes on one Redis.
 */
export interface KeyedLock {
  /**
   * Runs `fn` while holding every named lock (taken in sorted order, so two callers never deadlock). `fn` gets the
   * lease: writes it guards call `lease.assertHeld()` first, so a lock lost midway stops them.
   */
  withLocks<T>(names: readonly string[], fn: (lease: LockLease) => Promise<T>): Promise<T>;
  /** Releases connections. */
  close(): Promise<void>;
}

/** A lock for one process: a promise chain per name. Enough for the embedded store, which is single-process. */
export class InProcessLock implements KeyedLock {
  private readonly tails = new Map<string, Promise<void>>();

  async withLocks<T>(names: readonly string[], fn: (lease: LockLease) => Promise<T>): Promise<T> {
    const sorted = [...new Set(names)].sort();
    const releases: (() => void)[] = [];
    try {
      for (const name of sorted) releases.push(await this.acquire(name));
      return await fn(UNLOSABLE_LEASE);
    } finally {
      for (const release of releases.reverse()) release();
    }
  }

  async close(): Promise<void> {}

  private async acquire(name: string): Promise<() => void> {
    const previous = this.tails.get(name) ?? Promise.resolve();
    let release!: () => void;
    const current = new Promise<void>((resolve) => {
      release = resolve;
    });
    const tail = previous.then(() => current);
    this.tails.set(name, tail);
    await previous;
    return () => {
      release();
      if (this.tails.get(name) === tail) this.tails.delete(name);
    };
  }
}
