import { z } from 'zod';
import { durationSchema } from './duration.js';

const metricName = z.string().trim().min(1).max(200);

/** Comparison of a guardrail metric against a threshold. */
export enum HoldOperator {
  Above = 'above',
  Below = 'below',
}

/** What featgate does when a guardrail condition becomes true. */
export enum GuardrailAction {
  /** Pause ramping; the applied stage stays live. */
  Hold = 'hold',
  /** Roll the flag back to the plan's rollback value at once. */
  Rollback = 'rollback',
}

/** The two kinds of hold condition. */
export enum HoldConditionKind {
  /** One metric value against a fixed threshold (pushed signals or an operator's Prometheus template). */
  Threshold = 'threshold',
  /** The candidate's telemetry against the baseline's over the same window, by a sequential test. */
  Comparison = 'comparison',
}

/** Which way a guardrail metric gets worse. */
export enum WorseDirection {
  Higher = 'higher',
  Lower = 'lower',
}

/** Name of an operator's Prometheus template or of one of its parameters. */
export const templateNameSchema = z
  .string()
  .regex(/^[a-zA-Z][a-zA-Z0-9_-]{0,63}$/, 'expected a template name (letters, digits, _ and -, at most 64)');

/**
 * Where a threshold condition's value is pulled from: one of the operator's Prometheus templates (configured in
 * `exposure.prometheus.templates`), with values for the parameters that template allows. Requesters never write
 * PromQL (issue 12); featgate checks the name and each value against the operator's template when it pulls.
 */
export const prometheusSourceSchema = z.strictObject({
  template: templateNameSchema,
  params: z
    .record(templateNameSchema, z.string().max(200))
    .refine((params) => Object.keys(params).length <= 10, 'at most 10 parameters')
    .default({}),
});
export type PrometheusSource = z.infer<typeof prometheusSourceSchema>;

const common = {
  /** Metric name, as signals or telemetry report it (e.g. `escalationRate`, `groundingScore`, `latencyMs`). */
  metric: metricName,
  description: z.string().max(2000).optional(),
  /** What a breach does; `hold` when absent. */
  action: z.enum(GuardrailAction).optional(),
};

/** A guardrail condition that holds the release (or rolls it back) when one metric value crosses a threshold. */
export const thresholdConditionSchema = z.strictObject({
  kind: z.literal(HoldConditionKind.Threshold).optional(),
  ...common,
  /** Window the metric is measured over; a Prometheus template may use it as `{{window}}`. */
  window: durationSchema.optional(),
  operator: z.enum(HoldOperator),
  threshold: z.number(),
  /** Pull the value from an operator-configured Prometheus template; pushed signals otherwise. */
  prometheus: prometheusSourceSchema.optional(),
});
export type ThresholdCondition = z.infer<typeof thresholdConditionSchema>;

/**
 * A comparative guardrail over the application's telemetry (`POST /v1/envs/{env}/telemetry`): within the applied
 * stage (the window both arms share), the candidate arm's mean of `metric` must not be worse than the baseline arm's by more than `byMoreThan`
 * (in the metric's units: 0.02 is two points of an error rate). Nothing is decided before each arm has
 * `minSamplePerArm` observations; then a mixture sequential probability ratio test (always valid under repeated
 * looks, level `alpha`) breaches when the candidate is worse by more than the margin and is healthy when it is not.
 */
export const comparisonConditionSchema = z.strictObject({
  kind: z.literal(HoldConditionKind.Comparison),
  ...common,
  /** Which direction is worse: `higher` for error, escalation, latency or cost; `lower` for feedback or scores. */
  worseIf: z.enum(WorseDirection),
  /** Largest tolerated difference candidate minus baseline in the worse direction (0 = not worse at all). */
  byMoreThan: z.number().min(0).max(1e9),
  /** Observations each arm needs in the stage before anything is decided. */
  minSamplePerArm: z.number().int().min(30).max(100_000_000),
  /** Level of the sequential test: the chance of a false breach over all looks at one stage. */
  alpha: z.number().min(0.0001).max(0.2).default(0.05),
});
export type ComparisonCondition = z.infer<typeof comparisonConditionSchema>;

/** A guardrail condition of a release plan: a threshold on one value, or a comparison of candidate with baseline. */
export const holdConditionSchema = z.discriminatedUnion('kind', [thresholdConditionSchema, comparisonConditionSchema]);
export type HoldCondition = z.infer<typeof holdConditionSchema>;

/** Whether a hold condition is a comparison of candidate with baseline. */
export function isComparison(condition: HoldCondition): condition is ComparisonCondition {
  return condition.kind === HoldConditionKind.Comparison;
}

/** The threshold conditions of a plan (the ones pushed or pulled signals decide). */
export function thresholdConditions(conditions: readonly HoldCondition[]): ThresholdCondition[] {
  return conditions.filter((condition): condition is ThresholdCondition => !isComparison(condition));
}
