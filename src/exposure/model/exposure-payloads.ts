import { z } from 'zod';
import { changeKeySchema, GuardrailAction, HoldOperator, ReviewDecision } from '../../changes/model/index.js';

const metricName = z.string().trim().min(1).max(200);
const finite = z.number().refine(Number.isFinite, 'must be a finite number');

/** Where a guardrail metric value came from. */
export enum SignalSource {
  /** `POST /v1/changes/{key}/signals`. */
  Api = 'api',
  /** Pulled by featgate from a Prometheus query. */
  Prometheus = 'prometheus',
}

/** `guardrail.signal-recorded`: one metric value observed for a change while it is exposed. */
export const signalRecordedPayloadSchema = z.strictObject({
  changeKey: changeKeySchema,
  metric: metricName,
  value: finite,
  source: z.enum(SignalSource),
  observedAt: z.iso.datetime({ offset: true }),
  /** The stage live when the value was observed. */
  stageIndex: z.number().int().min(0).optional(),
});
export type SignalRecordedPayload = z.infer<typeof signalRecordedPayloadSchema>;

/** Running sums of one metric in one arm (candidate or baseline) of a comparative guardrail. */
export const armTotalsSchema = z.strictObject({
  count: z.number().int().min(0).max(Number.MAX_SAFE_INTEGER),
  sum: finite,
  sumSquares: finite.pipe(z.number().min(0)),
});

/** The numbers of one look of a comparative guardrail: samples, means, the test statistic and its bounds. */
export const comparisonNumbersSchema = z.strictObject({
  verdict: z.enum(['collecting', 'undecided', 'healthy', 'breached']),
  candidate: z.strictObject({ count: z.number().int().min(0), mean: finite }),
  baseline: z.strictObject({ count: z.number().int().min(0), mean: finite }),
  difference: finite,
  standardError: finite,
  lower: finite,
  upper: finite,
  statistic: z.number().min(0),
  boundary: finite,
  margin: finite,
  alpha: finite,
  minSamplePerArm: z.number().int().min(0),
});
export type ComparisonNumbers = z.infer<typeof comparisonNumbersSchema>;

/**
 * The metric value and the condition it broke: what a hold or rollback caused by a guardrail records. A
 * comparative guardrail records the worsening estimate as `value`, its margin as `threshold`, and every number of
 * the look in `comparison`.
 */
export const guardrailBreachSchema = z.strictObject({
  metric: metricName,
  value: finite,
  operator: z.enum(HoldOperator),
  threshold: z.number(),
  action: z.enum(GuardrailAction),
  comparison: comparisonNumbersSchema.optional(),
});
export type GuardrailBreach = z.infer<typeof guardrailBreachSchema>;

/** `guardrail.breached`: a signal broke a `holdIf` condition of the change's release plan. */
export const guardrailBreachedPayloadSchema = z.strictObject({
  changeKey: changeKeySchema,
  breach: guardrailBreachSchema,
  observedAt: z.iso.datetime({ offset: true }),
  stageIndex: z.number().int().min(0).optional(),
});
export type GuardrailBreachedPayload = z.infer<typeof guardrailBreachedPayloadSchema>;

/** `guardrail.telemetry-recorded`: telemetry aggregates of one batch for an exposed change, per metric and arm. */
export const telemetryRecordedPayloadSchema = z.strictObject({
  changeKey: changeKeySchema,
  /** The stage live when the batch arrived; comparisons count one stage at a time. */
  stageIndex: z.number().int().min(0),
  flagKey: z.string().min(1).max(200),
  evaluations: z.strictObject({ candidate: z.number().int().min(0), baseline: z.number().int().min(0) }),
  metrics: z
    .record(metricName, z.strictObject({ candidate: armTotalsSchema, baseline: armTotalsSchema }))
    .refine((metrics) => Object.keys(metrics).length <= 50, 'at most 50 metrics'),
});
export type TelemetryRecordedPayload = z.infer<typeof telemetryRecordedPayloadSchema>;

/** `guardrail.compared`: a comparative guardrail's verdict for a change's stage, with the numbers behind it. */
export const guardrailComparedPayloadSchema = z.strictObject({
  changeKey: changeKeySchema,
  stageIndex: z.number().int().min(0),
  metric: metricName,
  comparison: comparisonNumbersSchema,
});
export type GuardrailComparedPayload = z.infer<typeof guardrailComparedPayloadSchema>;

/** Break-glass ids: `bg-` and lower-case letters and digits. */
export const breakGlassIdSchema = z.string().regex(/^bg-[a-z0-9-]{4,60}$/, 'not a break-glass id');

/**
 * `break-glass.used`: an emergency change was applied without approval. Its configuration became the approved
 * state at once (the `approved-state.set` entry at `appliedVersion`); `priorVersion` is the approved state it
 * replaced, which featgate restores when the change expires without post-approval.
 */
export const breakGlassUsedPayloadSchema = z.strictObject({
  id: breakGlassIdSchema,
  envId: z.string().min(1),
  flagKey: z.string().min(1),
  incidentReference: z.string().min(1).optional(),
  reason: z.string().min(1),
  duration: z.string().min(1),
  /** Variation served to everyone while the emergency change is in place. */
  servedVariationId: z.string().min(1),
  expiresAt: z.iso.datetime({ offset: true }),
  postReviewDueBy: z.iso.datetime({ offset: true }),
  postReviewRoles: z.array(z.string().min(1)).min(1),
  priorVersion: z.number().int().min(1),
  appliedVersion: z.number().int().min(1),
  /** Other identities of the person who broke glass (OIDC e-mail, token name), for separation of duties. */
  usedByAliases: z.array(z.string().min(1).max(320)).max(20).optional(),
});
export type BreakGlassUsedPayload = z.infer<typeof breakGlassUsedPayloadSchema>;

/** `break-glass.expired`: the emergency change ended (expired, ended by hand, or its post-review concluded). */
export const breakGlassExpiredPayloadSchema = z.strictObject({
  id: breakGlassIdSchema,
  reason: z.string().min(1),
  /** Whether featgate wrote the prior approved state back; false when the approved state had moved on meanwhile. */
  restored: z.boolean(),
  /** Seq of the `approved-state.set` entry that restored the prior state. */
  restoredVersion: z.number().int().min(1).optional(),
});
export type BreakGlassExpiredPayload = z.infer<typeof breakGlassExpiredPayloadSchema>;

/** Outcome of a break-glass post-review after one more review. */
export enum PostReviewOutcome {
  Pending = 'pending',
  Approved = 'approved',
  Rejected = 'rejected',
}

/** `break-glass.reviewed`: one post-review of an emergency change, and where the post-review stands after it. */
export const breakGlassReviewedPayloadSchema = z.strictObject({
  id: breakGlassIdSchema,
  review: z.strictObject({
    reviewer: z.string().min(1),
    /** Other identities of the reviewer, so one person is counted once. */
    reviewerAliases: z.array(z.string().min(1).max(320)).max(20).optional(),
    roles: z.array(z.string()),
    decision: z.enum(ReviewDecision),
    comment: z.string(),
    at: z.iso.datetime({ offset: true }),
  }),
  outcome: z.enum(PostReviewOutcome),
});
export type BreakGlassReviewedPayload = z.infer<typeof breakGlassReviewedPayloadSchema>;

/** What a review-date notice is about. */
export enum ReviewItemKind {
  /** A change record past (or near) its review date. */
  Change = 'change',
  /** A flag a temporary change introduced, due to be cleaned up. */
  TemporaryFlag = 'temporary-flag',
  /** A break-glass change whose post-review is due or overdue. */
  BreakGlassPostReview = 'break-glass-post-review',
}

/** `review-date.notified`: people were told that an item's review is near, due or overdue (once per notice). */
export const reviewDateNotifiedPayloadSchema = z.strictObject({
  itemKind: z.enum(ReviewItemKind),
  itemKey: z.string().min(1),
  dueAt: z.iso.datetime({ offset: true }),
  /** `before:<duration>`, `due` or `overdue`: the notice, so each is sent once. */
  notice: z.string().regex(/^(before:[1-9][0-9]*[smhdw]|due|overdue)$/),
  owner: z.string().min(1),
  roles: z.array(z.string()),
});
export type ReviewDateNotifiedPayload = z.infer<typeof reviewDateNotifiedPayloadSchema>;
