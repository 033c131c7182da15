import { z } from 'zod';
import { armTotalsSchema, comparisonNumbersSchema } from '../model/index.js';

/** Most aggregates one telemetry request may carry (one per flag, variation and manifest version). */
export const MAX_TELEMETRY_AGGREGATES = 500;

const metricName = z.string().trim().min(1).max(200);

/** One aggregate of a telemetry batch: what one variation of one flag was served and how it did. */
export const telemetryAggregateSchema = z.strictObject({
  flagKey: z.string().min(1).max(200),
  /** SHA-256 of the RFC 8785 canonical JSON of the served value: how featgate tells candidate from baseline. */
  valueHash: z.string().regex(/^[0-9a-f]{64}$/, 'expected the 64-hex SHA-256 of the canonical served value'),
  /** The variation id the provider reported, for display. */
  variant: z.string().min(1).max(200).optional(),
  /** Version of the approval manifest the gate served it under. */
  manifestVersion: z.number().int().min(0).optional(),
  evaluations: z.number().int().min(0).max(1_000_000_000),
  /** Per outcome metric (errorRate, latencyMs, inputTokens, costUsd, feedback, judge scores...): running sums. */
  metrics: z
    .record(metricName, armTotalsSchema)
    .refine((metrics) => Object.keys(metrics).length <= 50, 'at most 50 metrics per aggregate')
    .default({}),
});
export type TelemetryAggregate = z.infer<typeof telemetryAggregateSchema>;

/** Body of `POST /v1/envs/{env}/telemetry`, as the telemetry hook's recorder sends it. */
export const telemetryRequestSchema = z.strictObject({
  aggregates: z.array(telemetryAggregateSchema).min(1, 'send at least one aggregate').max(MAX_TELEMETRY_AGGREGATES),
  /** Observations the recorder dropped because its buffer was full (reported, never guessed at). */
  dropped: z.number().int().min(0).max(Number.MAX_SAFE_INTEGER).default(0),
});
export type TelemetryRequest = z.infer<typeof telemetryRequestSchema>;

/** Params of the telemetry route. */
export const telemetryParamsSchema = z.strictObject({ env: z.string().min(1).max(200) });

/** Answer of `POST /v1/envs/{env}/telemetry`. */
export const telemetryResultSchema = z.object({
  /** Aggregates counted for an exposed change (candidate or baseline arm). */
  accepted: z.number().int(),
  /** Aggregates not counted, each with the reason (no exposed change, a value that is neither arm). */
  ignored: z.array(z.object({ flagKey: z.string(), reason: z.string() })),
  changes: z.array(
    z.object({
      changeKey: z.string(),
      outcome: z.string(),
      comparisons: z.array(z.object({ metric: z.string(), comparison: comparisonNumbersSchema })),
    }),
  ),
});
export type TelemetryResult = z.infer<typeof telemetryResultSchema>;
