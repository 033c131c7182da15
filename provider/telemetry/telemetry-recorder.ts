import canonicalize from 'canonicalize';
import type { EvaluationDetails, FlagValue } from '@openfeature/core';
import { GateMetadataKey } from '../core/gate-reason.js';
import { outcomeValues, type OutcomeMetrics } from './outcome-metrics.js';
import { TelemetryBuffer, type BufferedAggregate, type ServedVariation } from './telemetry-buffer.js';

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
  private readonly remembered = new Map<string, ServedVariation>();
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
    const shared = this.buffer.evaluation(served);
    if (targetingKey !== undefined && shared) this.remember(`${targetingKey}\u0000${served.flagKey}`, shared);
    this.flushIfFull();
  }

  /** Reports how the call made with an evaluation's value went (the helper for apps that keep the details). */
  outcome(details: EvaluationDetails<FlagValue>, outcome: OutcomeMetrics): void {
    this.buffer.outcome(servedOf(details, this.options.manifestVersion), outcomeValues(outcome));
    this.flushIfFull();
  }

  /**
   * Reports an outcome for the variation last served to `targetingKey` for `flagKey` (what `track()` does); counted
   * as dropped when that context was never served the flag here.
   */
  outcomeFor(targetingKey: string, flagKey: string, values: ReadonlyArray<readonly [string, number]>): void {
    const served = this.remembered.get(`${targetingKey}\u0000${flagKey}`);
    if (!served) {
      this.buffer.dropped += 1;
      return;
    }
    this.buffer.outcome(served, values);
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

  private remember(key: string, served: ServedVariation): void {
    this.remembered.delete(key);
    this.remembered.set(key, served);
    if (this.remembered.size > (this.options.maxRemembered ?? 10_000))
      this.remembered.delete(this.remembered.keys().next().value!);
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
      if (chunk.length === 0) break;
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
