import { z } from 'zod';

/** Kinds of evidence the policy can require before approval or before wider exposure. */
export enum EvidenceType {
  ConfigDiff = 'configDiff',
  OfflineEval = 'offlineEval',
  SecurityReview = 'securityReview',
  PolicyReview = 'policyReview',
  ShadowTraffic = 'shadowTraffic',
  GuardrailMetrics = 'guardrailMetrics',
  RollbackTest = 'rollbackTest',
  Other = 'other',
}

/** Outcome an evidence item reports; only `passed` satisfies a requirement. */
export enum EvidenceResult {
  Passed = 'passed',
  Failed = 'failed',
  Inconclusive = 'inconclusive',
}

/** Which way a metric is better. */
export enum MetricDirection {
  HigherIsBetter = 'higher',
  LowerIsBetter = 'lower',
}

const name = z.string().trim().min(1).max(200);

/**
 * An offline eval's result as CI reports it: what ran (dataset, evaluator), on which candidate (the change view's
 * `candidateHash`), and the numbers. featgate checks them against the policy's bars itself; the item's `result`
 * is then featgate's verdict, not the attacher's claim.
 */
export const offlineEvalResultSchema = z.strictObject({
  /** Content hash of the candidate the eval ran on (`candidateHash` of the change view). */
  candidateHash: z.string().regex(/^[0-9a-f]{64}$/, 'expected the 64-hex candidateHash of the change view'),
  dataset: name,
  datasetVersion: name.optional(),
  evaluator: name,
  evaluatorVersion: name.optional(),
  metric: name,
  score: z.number().refine(Number.isFinite, 'must be a finite number'),
  baselineScore: z.number().refine(Number.isFinite, 'must be a finite number').optional(),
  sampleSize: z.number().int().min(1).max(1_000_000_000),
  direction: z.enum(MetricDirection).default(MetricDirection.HigherIsBetter),
});
export type OfflineEvalResult = z.infer<typeof offlineEvalResultSchema>;

/** One piece of evidence: what kind, where to see it, what it showed. */
export const evidenceItemSchema = z.strictObject({
  type: z.enum(EvidenceType),
  link: z.url().optional(),
  summary: z.string().min(1).max(10_000),
  result: z.enum(EvidenceResult),
  /** For `offlineEval`: the eval's numbers, checked by featgate against the policy's bars. */
  eval: offlineEvalResultSchema.optional(),
  /** Who attached it (set by the service when attached after creation). */
  attachedBy: z.string().min(1).optional(),
  at: z.iso.datetime({ offset: true }).optional(),
  /** Set by the service: the attacher's other identities (an OIDC e-mail). */
  attachedByAliases: z.array(z.string().min(1).max(320)).max(10).optional(),
  /** Set by the service: whether the attacher was a person or a service identity (CI). */
  attachedByKind: z.enum(['user', 'service']).optional(),
  /** Set by the service: the record revision it was attached to; an edit voids it. */
  revision: z.number().int().min(1).optional(),
  /** Set by the service: content hash of the candidates it was attached for; a candidate edit voids it. */
  candidateHash: z.string().regex(/^[0-9a-f]{64}$/).optional(),
});
export type EvidenceItem = z.infer<typeof evidenceItemSchema>;
