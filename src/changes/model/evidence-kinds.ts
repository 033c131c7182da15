import { z } from 'zod';

/** Which way a metric is better. */
export enum MetricDirection {
  HigherIsBetter = 'higher',
  LowerIsBetter = 'lower',
}

/** How serious a review finding is; `high` and `critical` findings still open keep a review from passing. */
export enum FindingSeverity {
  Info = 'info',
  Low = 'low',
  Medium = 'medium',
  High = 'high',
  Critical = 'critical',
}

/** Where a finding stands: an open or accepted finding still weighs, a resolved one does not. */
export enum FindingStatus {
  Open = 'open',
  Accepted = 'accepted',
  Resolved = 'resolved',
}

/** What a security or policy reviewer concluded. */
export enum ReviewVerdict {
  Approved = 'approved',
  ChangesRequested = 'changesRequested',
  Rejected = 'rejected',
}

/** How a rollback rehearsal ended. */
export enum RollbackTestOutcome {
  Restored = 'restored',
  Failed = 'failed',
}

const name = z.string().trim().min(1).max(200);
const finite = z.number().refine(Number.isFinite, 'must be a finite number');
const hash = z.string().regex(/^[0-9a-f]{64}$/, 'expected a 64-hex content hash');
const instant = z.iso.datetime({ offset: true });

/** One measured metric: the baseline's and the candidate's score, and the threshold the measurer named (if any). */
export const evidenceMetricSchema = z.strictObject({
  metric: name,
  baselineScore: finite,
  candidateScore: finite,
  /** The measurer's own bar; featgate checks it as well as the policy's bars, which it never replaces. */
  threshold: finite.optional(),
  direction: z.enum(MetricDirection).default(MetricDirection.HigherIsBetter),
});
export type EvidenceMetric = z.infer<typeof evidenceMetricSchema>;

const metricList = z
  .array(evidenceMetricSchema)
  .min(1, 'name at least one metric')
  .max(50)
  .refine((metrics) => new Set(metrics.map((one) => one.metric)).size === metrics.length, 'each metric is named once');

/**
 * An offline eval as CI reports it: what ran (dataset and evaluator, each with its version), on which candidate
 * (the change view's `candidateHash`), how many samples, and per metric the baseline's and candidate's scores.
 * featgate checks the numbers against the policy's bars itself.
 */
export const offlineEvalSchema = z.strictObject({
  /** Content hash of the candidate the eval ran on (`candidateHash` of the change view). */
  candidateHash: hash,
  dataset: name,
  datasetVersion: name,
  evaluator: name,
  evaluatorVersion: name,
  sampleSize: z.number().int().min(1).max(1_000_000_000),
  metrics: metricList,
  ranAt: instant.optional(),
});
export type OfflineEval = z.infer<typeof offlineEvalSchema>;

/**
 * The single-metric eval numbers featgate stored before evidence was typed. Still read from the ledger, shown, and
 * never counted: it names neither versions nor a baseline for sure.
 */
export const legacyOfflineEvalSchema = z.strictObject({
  candidateHash: hash,
  dataset: name,
  datasetVersion: name.optional(),
  evaluator: name,
  evaluatorVersion: name.optional(),
  metric: name,
  score: finite,
  baselineScore: finite.optional(),
  sampleSize: z.number().int().min(1).max(1_000_000_000),
  direction: z.enum(MetricDirection).default(MetricDirection.HigherIsBetter),
});
export type LegacyOfflineEval = z.infer<typeof legacyOfflineEvalSchema>;

/** One finding of a security or policy review. */
export const reviewFindingSchema = z.strictObject({
  title: name,
  severity: z.enum(FindingSeverity),
  status: z.enum(FindingStatus).default(FindingStatus.Open),
  detail: z.string().max(2_000).optional(),
});
export type ReviewFinding = z.infer<typeof reviewFindingSchema>;

/** A security or policy review: what it covered (the flags), who reviewed, what they found, what they concluded. */
export const reviewEvidenceSchema = z.strictObject({
  scope: z.strictObject({
    /** Keys of the flags the review covered; it must cover every flag of the change. */
    flags: z.array(z.string().trim().min(1).max(200)).min(1).max(20),
    description: z.string().max(2_000).optional(),
  }),
  /** The reviewer's identity (compared with the change's authors through the identity mapping). */
  reviewer: name,
  reviewedAt: instant,
  findings: z.array(reviewFindingSchema).max(200).default([]),
  verdict: z.enum(ReviewVerdict),
});
export type ReviewEvidence = z.infer<typeof reviewEvidenceSchema>;

/** A rollback rehearsal: where it ran, when, the content hash of what it restored, and how it ended. */
export const rollbackTestSchema = z.strictObject({
  /** Where it ran (an environment name or id). */
  environment: name,
  ranAt: instant,
  /** Content hash of the values it restored (`rollbackHash` of the change view). */
  restoredHash: hash,
  outcome: z.enum(RollbackTestOutcome),
  detail: z.string().max(2_000).optional(),
});
export type RollbackTest = z.infer<typeof rollbackTestSchema>;

/** Shadow traffic: the window it ran over, how many requests, and per metric the baseline's and candidate's scores. */
export const shadowTrafficSchema = z.strictObject({
  window: z
    .strictObject({ from: instant, to: instant })
    .refine((window) => Date.parse(window.from) < Date.parse(window.to), {
      message: 'the window ends after it starts',
      path: ['to'],
    }),
  volume: z.number().int().min(1).max(1_000_000_000_000),
  metrics: metricList,
});
export type ShadowTraffic = z.infer<typeof shadowTrafficSchema>;
