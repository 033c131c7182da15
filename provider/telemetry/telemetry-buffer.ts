import canonicalize from 'canonicalize';

/** The served variation an evaluation or an outcome counts for. */
export interface ServedVariation {
  readonly flagKey: string;
  readonly value: unknown;
  readonly variant?: string;
  readonly manifestVersion?: number;
}

/** Running sums of one metric. */
export interface MetricTotals {
  count: number;
  sum: number;
  sumSquares: number;
}

/** One buffered aggregate: a flag's served variation under one manifest version, and what it did. */
export interface BufferedAggregate {
  readonly flagKey: string;
  readonly value: unknown;
  readonly variant?: string;
  readonly manifestVersion?: number;
  evaluations: number;
  readonly metrics: Map<string, MetricTotals>;
  /** The variation as first seen, shared by every later observation of it (what `track()` attribution keeps). */
  readonly served: ServedVariation;
}

/**
 * Per-flag, per-variation aggregates awaiting a flush, bounded: at most `maxAggregates` distinct variations and
 * `maxMetrics` metric names each. An observation that would grow it beyond either bound is dropped and counted,
 * never thrown, so recording never fails an evaluation. Recording is a Map lookup and a few additions; the served
 * value is hashed only when the batch is sent.
 */
export class TelemetryBuffer {
  private aggregates = new Map<string, BufferedAggregate>();
  private observations = 0;
  /** Observations dropped because a bound was reached, since the last `take`. */
  dropped = 0;

  constructor(
    private readonly maxAggregates: number,
    private readonly maxMetrics = 50,
  ) {}

  /** Observations recorded since the last `take`. */
  get size(): number {
    return this.observations;
  }

  /**
   * Counts one evaluation of a served variation; returns the variation as first seen (one shared object per
   * variation, so remembering it per context keeps no per-evaluation copy of a large value alive).
   */
  evaluation(served: ServedVariation): ServedVariation | undefined {
    const aggregate = this.aggregateOf(served);
    if (!aggregate) return undefined;
    aggregate.evaluations += 1;
    this.observations += 1;
    return aggregate.served;
  }

  /** Adds one outcome's metric values to its served variation. */
  outcome(served: ServedVariation, values: ReadonlyArray<readonly [string, number]>): void {
    const aggregate = this.aggregateOf(served);
    if (!aggregate) return;
    for (const [name, value] of values) {
      let totals = aggregate.metrics.get(name);
      if (!totals) {
        if (aggregate.metrics.size >= this.maxMetrics) {
          this.dropped += 1;
          continue;
        }
        totals = { count: 0, sum: 0, sumSquares: 0 };
        aggregate.metrics.set(name, totals);
      }
      totals.count += 1;
      totals.sum += value;
      totals.sumSquares += value * value;
      this.observations += 1;
    }
  }

  /** Hands over everything buffered and starts empty. */
  take(): { aggregates: BufferedAggregate[]; dropped: number } {
    const taken = { aggregates: [...this.aggregates.values()], dropped: this.dropped };
    this.aggregates = new Map();
    this.observations = 0;
    this.dropped = 0;
    return taken;
  }

  /** Puts back a batch that could not be sent, as far as the bounds allow (the rest is counted as dropped). */
  restore(batch: { aggregates: readonly BufferedAggregate[]; dropped: number }): void {
    this.dropped += batch.dropped;
    for (const old of batch.aggregates) {
      const aggregate = this.aggregateOf(old);
      if (!aggregate) {
        this.dropped += old.evaluations - 1 + [...old.metrics.values()].reduce((sum, totals) => sum + totals.count, 0);
        continue;
      }
      aggregate.evaluations += old.evaluations;
      this.observations += old.evaluations;
      for (const [name, totals] of old.metrics) {
        const mine = aggregate.metrics.get(name);
        if (mine || aggregate.metrics.size < this.maxMetrics) this.observations += totals.count;
        if (mine) {
          mine.count += totals.count;
          mine.sum += totals.sum;
          mine.sumSquares += totals.sumSquares;
        } else if (aggregate.metrics.size < this.maxMetrics) aggregate.metrics.set(name, { ...totals });
        else this.dropped += totals.count;
      }
    }
  }

  private aggregateOf(served: ServedVariation): BufferedAggregate | undefined {
    const key = keyOf(served);
    if (key === undefined) {
      this.dropped += 1;
      return undefined;
    }
    let aggregate = this.aggregates.get(key);
    if (!aggregate) {
      if (this.aggregates.size >= this.maxAggregates) {
        this.dropped += 1;
        return undefined;
      }
      aggregate = {
        flagKey: served.flagKey,
        value: served.value,
        ...(served.variant !== undefined ? { variant: served.variant } : {}),
        ...(served.manifestVersion !== undefined ? { manifestVersion: served.manifestVersion } : {}),
        evaluations: 0,
        metrics: new Map(),
        served,
      };
      this.aggregates.set(key, aggregate);
    }
    return aggregate;
  }
}

/**
 * The identity of a served variation: flag, variant and manifest version when the provider names both (within one
 * manifest a variation id has one approved content), otherwise flag and the value's content.
 */
function keyOf(served: ServedVariation): string | undefined {
  if (served.variant !== undefined && served.manifestVersion !== undefined)
    return `${served.flagKey}\u0000v\u0000${served.variant}\u0000${served.manifestVersion}`;
  let content: string | undefined;
  try {
    content = typeof served.value === 'string' ? `s${served.value}` : canonicalize(served.value);
  } catch {
    return undefined; // a value JSON cannot hold (a cycle): not keyable, so dropped and counted
  }
  return content === undefined
    ? undefined
    : `${served.flagKey}\u0000c\u0000${content}\u0000${served.manifestVersion ?? ''}`;
}
