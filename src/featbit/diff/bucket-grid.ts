import type { RolloutVariation } from '../model/index.js';

/** A set of buckets (subset of [0, 1]) as one flag per atom of a `BucketGrid`. */
export type BucketSet = Uint8Array;

/**
 * Exact arithmetic on bucket sets. Every rollout endpoint of both flag states is a breakpoint; the atoms are the
 * breakpoints themselves and the open gaps between them, so closed ranges, their differences (first match wins)
 * and subset tests are exact, endpoints included.
 */
export class BucketGrid {
  private readonly points: number[];

  /** Builds the grid over the endpoints of the given rollouts (0 and 1 are always breakpoints). */
  constructor(rollouts: Iterable<readonly RolloutVariation[]>) {
    const points = new Set<number>([0, 1]);
    for (const list of rollouts) {
      for (const { rollout } of list) {
        for (const point of rollout) if (point >= 0 && point <= 1) points.add(point);
      }
    }
    this.points = [...points].sort((a, b) => a - b);
  }

  /** Number of atoms: each point and each gap after it except the last. */
  get size(): number {
    return this.points.length * 2 - 1;
  }

  /** The empty set. */
  empty(): BucketSet {
    return new Uint8Array(this.size);
  }

  /** Every bucket. */
  full(): BucketSet {
    return new Uint8Array(this.size).fill(1);
  }

  /** The buckets FeatBit's `isInRollout` accepts for a range, shortcuts included. */
  range(rollout: readonly [number, number]): BucketSet {
    const [min, max] = rollout;
    if (min === 0 && 1 - max < 1e-5) return this.full();
    const set = this.empty();
    if ((min === 0 && max === 0) || min > max) return set;
    const from = this.atomOf(Math.max(min, 0));
    const to = this.atomOf(Math.min(max, 1));
    set.fill(1, from, to + 1);
    return set;
  }

  /**
   * The buckets for which a rollout list serves the variation: ranges of its entries minus everything an earlier
   * entry already covers (FeatBit takes the first entry whose range holds the bucket).
   */
  servedBy(rollouts: readonly RolloutVariation[], variationId: string): BucketSet {
    const covered = this.empty();
    const served = this.empty();
    for (const entry of rollouts) {
      const range = this.range(entry.rollout);
      if (entry.id === variationId) {
        for (let i = 0; i < range.length; i += 1) if (range[i] && !covered[i]) served[i] = 1;
      }
      for (let i = 0; i < range.length; i += 1) if (range[i]) covered[i] = 1;
    }
    return served;
  }

  private atomOf(point: number): number {
    const index = this.points.indexOf(point);
    if (index < 0) throw new RangeError(`bucket ${point} is not a breakpoint of this grid`);
    return index * 2;
  }
}

/** Whether every bucket of `inner` is in `outer`. */
export function isBucketSubset(inner: BucketSet, outer: BucketSet): boolean {
  for (let i = 0; i < inner.length; i += 1) if (inner[i] && !outer[i]) return false;
  return true;
}

/** Whether the set holds every bucket. */
export function isBucketFull(set: BucketSet): boolean {
  return set.every((atom) => atom === 1);
}

/** Whether the set holds no bucket. */
export function isBucketEmpty(set: BucketSet): boolean {
  return set.every((atom) => atom === 0);
}
