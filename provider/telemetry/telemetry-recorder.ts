import canonicalize from 'canonicalize';
import type { EvaluationDetails, FlagValue } from '@openfeature/core';
import { GateMetadataKey } from '../core/gate-reason.js';
import { outcomeValues, type OutcomeMetrics } from './outcome-metrics.js';
import { TelemetryBuffer, type BufferedAggregate, type ServedVariation } from './telemetry-buffer.js';

/** Most metric values one `track()` event adds (as `MAX_OUTCOME_METRICS` for an outcome). */
const VALUES_PER_EVENT = 20;

/** The variation last served to one context for one flag, updated in place on every evaluation. */
interface Remembered {
  readonly flagKey: string;
  readonly targetingKey: string;
  aggregate: BufferedAggregate;
  /** The buffer period `aggregate` belongs to; an older one is looked up again in the current period. */
  epoch: number;
  /** The recorder's tick of the last evaluation, and of the entry's place in the eviction order. */
  touched: number;
  placed: number;
}

/** Most aggregates featgate takes in one request (the route's bound). */
const AGGREGATES_PER_REQUEST = 500;

/** Where the recorder sends batches, and its bounds. */
export interface TelemetryRecorderOptions {
  /** featgate's base URL, e.g. `https://featgate.internal`; batches go to `POST {url}/v1/envs/{envId}/telemetry`. */
  readonly url: string;
  /** FeatBit environment id the application evaluates in. */
  readonly envId: string;
  /** A featgate API token with `signal:record` (a service token, never a person's). Sent only as a bearer header. */
  readonly token: string;
  /** Distinct variations buffered before observations are dropped (default 500). */
  readonly maxAggregates?: number;
  /** Observations after which a flush starts on its own (default 5,000). */
  readonly flushAtObservations?: number;
  /** Milliseconds between flushes (default 5,000); 0 flushes only on size and on `flush()`. */
  readonly flushIntervalMs?: number;
  /** Remembered last-served variations per context and flag, for `track()` attribution (default 10,000). */
  readonly maxRemembered?: number;
  /**
   * The manifest version the gate serves under (`gateManifestVersion(gate)`), for results that carry none (an
   * approved value the gate passes through untouched); evaluations and outcomes then share one aggregate.
   */
  readonly manifestVersion?: () => number | undefined;
  readonly fetch?: typeof fetch;
  /** Called when a batch could not be sent (it is kept for the next flush as far as the bounds allow). */
  readonly onError?: (error: Error) => void;
}

/** What the recorder has done, for the application's own metrics. */
export interface TelemetryRecorderStats {
  readonly sentBatches: number;
  readonly failedBatches: number;
  /** Observations dropped because a bound was reached (also reported to featgate with the next batch). */
  readonly dropped: number;
}

/**
 * Buffers evaluation and outcome telemetry per flag and served variation and sends it to featgate in bounded
 * batches, on size and on an interval, without ever blocking or failing an evaluation: recording is synchronous
 * and constant-time, sending is asynchronous, a failed send is kept for the next flush within the bounds, and
 * whatever exceeds them is dropped and counted. The served value is identified to featgate by the SHA-256 of its
 * canonical JSON (RFC 8785), computed once per aggregate at flush, so featgate can tell candidate from baseline.
 */
export class TelemetryRecorder {
  private readonly buffer: TelemetryBuffer;
  /** flag → targeting key → last served variation (no composed string key per evaluation). */
  private readonly remembered = new Map<string, Map<string, Remembered>>();
  /** Every remembered entry, oldest place first: the second-chance eviction order. */
  private readonly order = new Set<Remembered>();
  private tick = 0;
  private readonly timer: ReturnType<typeof setInterval> | undefined;
  private flushing: Promise<void> | undefined;
  private sentBatches = 0;
  private failedBatches = 0;
  private droppedTotal = 0;

  constructor(private readonly options: TelemetryRecorderOptions) {
    this.buffer = new TelemetryBuffer(options.maxAggregates ?? 500);
    const interval = options.flushIntervalMs ?? 5000;
    if (interval > 0) {
      this.timer = setInterval(() => void this.flush(), interval);
      (this.timer as { unref?: () => void }).unref?.();
    }
  }

  /** Where the manifest version of a pass-through result comes from (the recorder's option). */
  get manifestVersion(): (() => number | undefined) | undefined {
    return this.options.manifestVersion;
  }

  /** Counts one evaluation (the hook calls this) and remembers it for `track()` calls of the same context. */
  recordEvaluation(served: ServedVariation, targetingKey?: string): void {
    const aggregate = this.buffer.find(served.flagKey, served.value, served.variant, served.manifestVersion, false);
    if (aggregate) this.evaluated(aggregate, targetingKey);
  }

  /**
   * Counts one evaluation straight from its details (what the hook calls: no intermediate object). The variant and
   * manifest version count as the gate's word only when the gate marked the result as its own (`featgateGated`);
   * otherwise `fallbackVersion` names the version and the content is checked against the variant's first content.
   */
  recordDetails(
    details: EvaluationDetails<FlagValue>,
    targetingKey: string | undefined,
    fallbackVersion: (() => number | undefined) | undefined,
  ): void {
    const aggregate = this.aggregateOf(details, fallbackVersion);
    if (aggregate) this.evaluated(aggregate, targetingKey);
  }

  /** Reports how the call made with an evaluation's value went (the helper for apps that keep the details). */
  outcome(details: EvaluationDetails<FlagValue>, outcome: OutcomeMetrics): void {
    const aggregate = this.aggregateOf(details, this.options.manifestVersion);
    if (!aggregate) return;
    for (const [name, value] of outcomeValues(outcome)) this.buffer.add(aggregate, name, value);
    this.flushIfFull();
  }

  /**
   * Reports an outcome for the variation last served to `targetingKey` for `flagKey` (what `track()` does); counted
   * as dropped when that context was never served the flag here.
   */
  outcomeFor(targetingKey: string, flagKey: string, values: ReadonlyArray<readonly [string, number]>): void {
    const aggregate = this.servedTo(targetingKey, flagKey);
    if (!aggregate) return;
    for (const [name, value] of values) this.buffer.add(aggregate, name, value);
    this.flushIfFull();
  }

  /**
   * Reports one `track(name, context, details)` event for the variation last served to `targetingKey` for
   * `flagKey`: each finite number (and boolean as 0/1) in `details` but `flagKey`, at most 20, is added in place,
   * `value` under the event's name; counted as dropped when that context was never served the flag here.
   */
  trackFor(targetingKey: string, flagKey: string, name: string, details: Readonly<Record<string, unknown>>): void {
    const aggregate = this.servedTo(targetingKey, flagKey);
    if (!aggregate) return;
    let added = 0;
    for (const key in details) {
      if (key === 'flagKey' || added >= VALUES_PER_EVENT) continue;
      const value = details[key];
      const number = typeof value === 'boolean' ? (value ? 1 : 0) : value;
      if (typeof number !== 'number' || !Number.isFinite(number)) continue;
      this.buffer.add(aggregate, key === 'value' ? name.slice(0, 200) : key.slice(0, 200), number);
      added += 1;
    }
    this.flushIfFull();
  }

  /** Sends everything buffered (one flush at a time; a call during a flush waits for it, then sends the rest). */
  async flush(): Promise<void> {
    while (this.flushing) await this.flushing;
    if (this.buffer.size === 0 && this.buffer.dropped === 0) return;
    this.flushing = this.send(this.buffer.take()).finally(() => (this.flushing = undefined));
    await this.flushing;
  }

  /** Stops the interval and sends what is left. */
  async close(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    await this.flush();
  }

  /** Batches sent and failed, and observations dropped so far. */
  stats(): TelemetryRecorderStats {
    return {
      sentBatches: this.sentBatches,
      failedBatches: this.failedBatches,
      dropped: this.droppedTotal + this.buffer.dropped,
    };
  }

  private flushIfFull(): void {
    if (this.buffer.size >= (this.options.flushAtObservations ?? 5000) && !this.flushing) void this.flush();
  }

  /** The aggregate an evaluation's details count for (see `recordDetails` for when the gate's word is taken). */
  private aggregateOf(
    details: EvaluationDetails<FlagValue>,
    fallbackVersion: (() => number | undefined) | undefined,
  ): BufferedAggregate | undefined {
    const metadata = details.flagMetadata;
    const version = metadata?.[GateMetadataKey.ManifestVersion];
    return typeof version === 'number'
      ? this.buffer.find(
          details.flagKey,
          details.value,
          details.variant,
          version,
          metadata[GateMetadataKey.Gated] === true,
        )
      : this.buffer.find(details.flagKey, details.value, details.variant, fallbackVersion?.(), false);
  }

  private evaluated(aggregate: BufferedAggregate, targetingKey: string | undefined): void {
    this.buffer.countEvaluation(aggregate);
    if (targetingKey !== undefined) this.remember(aggregate.flagKey, targetingKey, aggregate);
    this.flushIfFull();
  }

  /** The aggregate of this period for what `targetingKey` was last served of `flagKey`; a miss counts as dropped. */
  private servedTo(targetingKey: string, flagKey: string): BufferedAggregate | undefined {
    const entry = this.remembered.get(flagKey)?.get(targetingKey);
    if (!entry) {
      this.buffer.dropped += 1;
      return undefined;
    }
    if (entry.epoch === this.buffer.epoch) return entry.aggregate;
    const old = entry.aggregate;
    const aggregate = this.buffer.find(old.flagKey, old.value, old.variant, old.manifestVersion, old.attested);
    if (aggregate) {
      entry.aggregate = aggregate;
      entry.epoch = this.buffer.epoch;
    }
    return aggregate;
  }

  /**
   * Remembers what a context was served, updating its entry in place. Bounded by `maxRemembered` with second-chance
   * eviction (CLOCK): the entry with the oldest place goes, unless it was evaluated since it got that place, in
   * which case it moves to the back once; so a context evaluated lately is not evicted before an idle one, and an
   * evaluation costs two Map lookups and no Map mutation once the context is known.
   */
  private remember(flagKey: string, targetingKey: string, aggregate: BufferedAggregate): void {
    const tick = ++this.tick;
    let contexts = this.remembered.get(flagKey);
    const known = contexts?.get(targetingKey);
    if (known) {
      known.aggregate = aggregate;
      known.epoch = this.buffer.epoch;
      known.touched = tick;
      return;
    }
    const max = this.options.maxRemembered ?? 10_000;
    if (max <= 0) return;
    while (this.order.size >= max) this.evictOne();
    if (!contexts) this.remembered.set(flagKey, (contexts = new Map()));
    const entry: Remembered = {
      flagKey,
      targetingKey,
      aggregate,
      epoch: this.buffer.epoch,
      touched: tick,
      placed: tick,
    };
    contexts.set(targetingKey, entry);
    this.order.add(entry);
  }

  private evictOne(): void {
    for (const oldest of this.order) {
      this.order.delete(oldest);
      if (oldest.touched > oldest.placed) {
        oldest.placed = oldest.touched;
        this.order.add(oldest);
        continue;
      }
      const contexts = this.remembered.get(oldest.flagKey);
      contexts?.delete(oldest.targetingKey);
      if (contexts?.size === 0) this.remembered.delete(oldest.flagKey);
      return;
    }
  }

  private async send(batch: { aggregates: BufferedAggregate[]; dropped: number }): Promise<void> {
    const fetchFn = this.options.fetch ?? globalThis.fetch;
    const url = `${this.options.url.replace(/\/+$/, '')}/v1/envs/${encodeURIComponent(this.options.envId)}/telemetry`;
    let dropped = batch.dropped;
    for (
      let start = 0;
      start < batch.aggregates.length || (start === 0 && dropped > 0);
      start += AGGREGATES_PER_REQUEST
    ) {
      const chunk = batch.aggregates.slice(start, start + AGGREGATES_PER_REQUEST);
      if (chunk.length === 0) {
        // featgate takes no batch without an aggregate: the count waits for the next one.
        this.buffer.dropped += dropped;
        return;
      }
      try {
        const aggregates = await Promise.all(chunk.map(wireOf));
        const response = await fetchFn(url, {
          method: 'POST',
          headers: { 'content-type': 'application/json', authorization: `Bearer ${this.options.token}` },
          body: JSON.stringify({ aggregates, dropped }),
        });
        if (!response.ok) throw new Error(`featgate answered HTTP ${response.status} to a telemetry batch`);
        this.droppedTotal += dropped;
        dropped = 0;
        this.sentBatches += 1;
      } catch (error) {
        this.failedBatches += 1;
        this.buffer.restore({ aggregates: batch.aggregates.slice(start), dropped });
        this.options.onError?.(error as Error);
        return;
      }
    }
  }
}

/**
 * The variation an evaluation's details say was served; `fallbackVersion` gives the manifest version when the
 * details carry none (an approved value the gate passed through). Built without spreads: it runs per evaluation.
 */
export function servedOf(
  details: EvaluationDetails<FlagValue>,
  fallbackVersion?: () => number | undefined,
): ServedVariation {
  const served: { flagKey: string; value: unknown; variant?: string; manifestVersion?: number } = {
    flagKey: details.flagKey,
    value: details.value,
  };
  if (details.variant !== undefined) served.variant = details.variant;
  const version = details.flagMetadata[GateMetadataKey.ManifestVersion];
  if (typeof version === 'number') served.manifestVersion = version;
  else if (fallbackVersion) {
    const fallback = fallbackVersion();
    if (fallback !== undefined) served.manifestVersion = fallback;
  }
  return served;
}

async function wireOf(aggregate: BufferedAggregate) {
  const bytes = new TextEncoder().encode(canonicalize(aggregate.value) ?? 'null');
  const digest = new Uint8Array(await globalThis.crypto.subtle.digest('SHA-256', bytes));
  const valueHash = Array.from(digest, (byte) => byte.toString(16).padStart(2, '0')).join('');
  return {
    flagKey: aggregate.flagKey,
    valueHash,
    ...(aggregate.variant !== undefined ? { variant: aggregate.variant.slice(0, 200) } : {}),
    ...(aggregate.manifestVersion !== undefined ? { manifestVersion: aggregate.manifestVersion } : {}),
    evaluations: aggregate.evaluations,
    metrics: Object.fromEntries(aggregate.metrics),
  };
}
