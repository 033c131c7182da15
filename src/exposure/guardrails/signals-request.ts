import { z } from 'zod';
import { GuardrailAction, HoldOperator, WorseDirection } from '../../changes/model/index.js';
import { changeViewSchema } from '../../changes/index.js';
import { comparisonNumbersSchema, guardrailBreachSchema } from '../model/index.js';

/** One metric value reported for a change. */
export const signalInputSchema = z.strictObject({
  metric: z.string().trim().min(1).max(200),
  value: z.number().refine(Number.isFinite, 'must be a finite number'),
  /** When it was measured; the time of the request when absent. */
  observedAt: z.iso.datetime({ offset: true }).optional(),
});
export type SignalInput = z.infer<typeof signalInputSchema>;

/** Body of `POST /v1/changes/{key}/signals`. */
export const signalsRequestSchema = z.strictObject({
  signals: z.array(signalInputSchema).min(1, 'send at least one signal').max(100),
});
export type SignalsRequest = z.infer<typeof signalsRequestSchema>;

/** What the guardrails did with a batch of signals. */
export enum GuardrailOutcome {
  /** Every condition is healthy (or the batch named no guarded metric). */
  Healthy = 'healthy',
  /** A breach held the release. */
  Held = 'held',
  /** A breach rolled the release back. */
  RolledBack = 'rolled-back',
  /** A breach was recorded, but the release was not in a state the action applies to (e.g. already held). */
  Recorded = 'recorded',
}

/** Answer of `POST /v1/changes/{key}/signals`. */
export const signalsResultSchema = z.object({
  recorded: z.number().int(),
  breaches: z.array(guardrailBreachSchema),
  outcome: z.enum(GuardrailOutcome),
  change: changeViewSchema,
});
export type SignalsResult = z.infer<typeof signalsResultSchema>;

/** Where one guardrail condition of a change stands. */
export const guardrailStatusSchema = z.object({
  changeKey: z.string(),
  conditions: z.array(
    z.object({
      metric: z.string(),
      operator: z.enum(HoldOperator),
      threshold: z.number(),
      action: z.enum(GuardrailAction),
      window: z.string().nullable(),
      pulled: z.boolean(),
      /** The operator's Prometheus template the value is pulled with, if any. */
      template: z.string().nullable(),
      state: z.enum(['healthy', 'breached', 'no-data']),
      latest: z.object({ value: z.number(), observedAt: z.string(), source: z.string() }).nullable(),
    }),
  ),
  /** Each comparative condition over the applied stage's telemetry, with its verdict and numbers. */
  comparisons: z.array(
    z.object({
      metric: z.string(),
      worseIf: z.enum(WorseDirection),
      byMoreThan: z.number(),
      action: z.enum(GuardrailAction),
      stageIndex: z.number().int().nullable(),
      evaluations: z.object({ candidate: z.number().int(), baseline: z.number().int() }),
      comparison: comparisonNumbersSchema,
    }),
  ),
});
export type GuardrailStatus = z.infer<typeof guardrailStatusSchema>;
