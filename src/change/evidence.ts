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

/** One piece of evidence: what kind, where to see it, what it showed. */
export const evidenceItemSchema = z.strictObject({
  type: z.enum(EvidenceType),
  link: z.url().optional(),
  summary: z.string().min(1).max(10_000),
  result: z.enum(EvidenceResult),
  /** Who attached it (set by the service when attached after creation). */
  attachedBy: z.string().min(1).optional(),
  at: z.iso.datetime({ offset: true }).optional(),
  /** Set by the service: whether the attacher was a person or a service identity (CI). */
  attachedByKind: z.enum(['user', 'service']).optional(),
  /** Set by the service: the record revision it was attached to; an edit voids it. */
  revision: z.number().int().min(1).optional(),
  /** Set by the service: content hash of the candidates it was attached for; a candidate edit voids it. */
  candidateHash: z.string().regex(/^[0-9a-f]{64}$/).optional(),
});
export type EvidenceItem = z.infer<typeof evidenceItemSchema>;
