import canonicalize from 'canonicalize';
import { jsonEqual } from '../core/json-equal.js';

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
  /**
   * Whether the gate itself named variant and manifest version (a gated result): then the variant fixes the content
   * within that version. Otherwise the variant is the inner provider's word and every use checks the content.
   */
  readonly attested: boolean;
}

/**
 * Per-flag, per-variation aggregates awaiting a flush, bounded: at most `maxAggregates` distinct variations and
 * `maxMetrics` metric names each. An observation that would grow it beyond either bound is dropped and counted,
 * never thrown, so recording never fails an evaluation. Recording is three Map lookups, an identity check of the
 * served value and a few additions in place; the served value is canonicalised only the first time an unattested
 * content is seen, and hashed only when the batch is sent.
 */
export class TelemetryBuffer {
  private aggregates: BufferedAggregate[] = [];
  /** flag → variant → manifest version → the aggregate first seen under that name. */
  private byVariant = new Map<string, Map<string, Map<number, BufferedAggregate>>>();
  /** Content key (flag, canonical value, version) → aggregate, for values whose variant does not settle them. */
  private byContent = new Map<string, BufferedAggregate>();
  private observations = 0;
  private period = 0;
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

  /** Bumped by every `take`: an aggregate found in an earlier period belongs to a batch already handed over. */
  get epoch(): number {
    return this.period;
  }

  /**
   * Counts one evaluation of a served variation; returns the variation as first seen (one shared object per
   * variation, so remembering it per context keeps no per-evaluation copy of a large value alive).
   */
  evaluation(served: ServedVariation): ServedVariation | undefined {
    const aggregate = this.find(served.flagKey, served.value, served.variant, served.manifestVersion, false);
    if (!aggregate) return undefined;
    this.countEvaluation(aggregate);
    return aggregate.served;
  }

  /** Adds one outcome's metric values to its served variation. */
  outcome(served: ServedVariation, values: ReadonlyArray<readonly [string, number]>): void {
    const aggregate = this.find(served.flagKey, served.value, served.variant, served.manifestVersion, false);
    if (!aggregate) return;
    for (const [name, value] of values) this.add(aggregate, name, value);
  }

  /** Counts one evaluation of an aggregate `find` returned in this period. */
  countEvaluation(aggregate: BufferedAggregate): void {
    aggregate.evaluations += 1;
    this.observations += 1;
  }

  /** Adds one metric value to an aggregate `find` returned in this period, in place (dropped beyond `maxMetrics`). */
  add(aggregate: BufferedAggregate, name: string, value: number): void {
    let totals = aggregate.metrics.get(name);
    if (!totals) {
      if (aggregate.metrics.size >= this.maxMetrics) {
        this.dropped += 1;
        return;
      }
      totals = { count: 0, sum: 0, sumSquares: 0 };
      aggregate.metrics.set(name, totals);
    }
    totals.count += 1;
    totals.sum += value;
    totals.sumSquares += value * value;
    this.observations += 1;
  }

  /**
   * The aggregate of this period for a served variation, created if the bounds allow (otherwise one observation
   * is counted as dropped and undefined returned). A variant seen under a manifest version stands for the content
   * first seen under it only when the value is that content (the same object, or equal JSON) or when the gate
   * named both this time and then (`attested`: within one manifest an approved variation id has one content); a
   * different content under a reused name gets its own aggregate, so it is never hashed as another arm.
   */
  find(
    flagKey: string,
    value: unknown,
    variant: string | undefined,
    manifestVersion: number | undefined,
    attested: boolean,
  ): BufferedAggregate | undefined {
    if (variant === undefined || manifestVersion === undefined)
      return this.findByContent(flagKey, value, variant, manifestVersion);
    let variants = this.byVariant.get(flagKey);
    let versions = variants?.get(variant);
    const named = versions?.get(manifestVersion);
    if (named) {
      if (named.value === value || (attested && named.attested) || sameContent(named.value, value)) return named;
      // A reused name with other content: by content, unless the gate named it (its word outranks the inner's).
      if (!attested) return this.findByContent(flagKey, value, variant, manifestVersion);
    }
    const aggregate = attested
      ? this.create(flagKey, value, variant, manifestVersion, true)
      : this.findByContent(flagKey, value, variant, manifestVersion);
    if (!aggregate) return undefined;
    if (!variants) this.byVariant.set(flagKey, (variants = new Map()));
    if (!versions) variants.set(variant, (versions = new Map()));
    versions.set(manifestVersion, aggregate);
    return aggregate;
  }

  /** Hands over everything buffered and starts empty. */
  take(): { aggregates: BufferedAggregate[]; dropped: number } {
    const taken = { aggregates: this.aggregates, dropped: this.dropped };
    this.aggregates = [];
    this.byVariant = new Map();
    this.byContent = new Map();
    this.observations = 0;
    this.dropped = 0;
    this.period += 1;
    return taken;
  }

  /** Puts back a batch that could not be sent, as far as the bounds allow (the rest is counted as dropped). */
  restore(batch: { aggregates: readonly BufferedAggregate[]; dropped: number }): void {
    this.dropped += batch.dropped;
    for (const old of batch.aggregates) {
      const aggregate = this.find(old.flagKey, old.value, old.variant, old.manifestVersion, old.attested);
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

  private findByContent(
    flagKey: string,
    value: unknown,
    variant: string | undefined,
    manifestVersion: number | undefined,
  ): BufferedAggregate | undefined {
    const key = contentKeyOf(flagKey, value, manifestVersion);
    if (key === undefined) {
      this.dropped += 1;
      return undefined;
    }
    let aggregate = this.byContent.get(key);
    if (!aggregate) {
      aggregate = this.create(flagKey, value, variant, manifestVersion, false);
      if (aggregate) this.byContent.set(key, aggregate);
    }
    return aggregate;
  }

  private create(
    flagKey: string,
    value: unknown,
    variant: string | undefined,
    manifestVersion: number | undefined,
    attested: boolean,
  ): BufferedAggregate | undefined {
    if (this.aggregates.length >= this.maxAggregates) {
      this.dropped += 1;
      return undefined;
    }
    const served: { flagKey: string; value: unknown; variant?: string; manifestVersion?: number } = { flagKey, value };
    if (variant !== undefined) served.variant = variant;
    if (manifestVersion !== undefined) served.manifestVersion = manifestVersion;
    const aggregate: BufferedAggregate = { ...served, evaluations: 0, metrics: new Map(), served, attested };
    this.aggregates.push(aggregate);
    return aggregate;
  }
}

/** Whether two JSON values are equal by content; a value JSON cannot compare (too deep, a cycle) is not. */
function sameContent(a: unknown, b: unknown): boolean {
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
  try {
    return jsonEqual(a, b);
  } catch {
    return false;
  }
}

/** The identity of a served value by content: flag, canonical JSON (RFC 8785) and manifest version. */
function contentKeyOf(flagKey: string, value: unknown, manifestVersion: number | undefined): string | undefined {
  let content: string | undefined;
  try {
    content = typeof value === 'string' ? `s${value}` : canonicalize(value);
  } catch {
    return undefined; // a value JSON cannot hold (a cycle): not keyable, so dropped and counted
  }
  return content === undefined ? undefined : `${flagKey}\u0000c\u0000${content}\u0000${manifestVersion ?? ''}`;
}
