import { z } from 'zod';
import { ChangeStatus, changeRecordSchema, EvidenceResult, EvidenceType, reviewSchema } from './model/index.js';
import { itemsValidatedOnce } from './validated-once.js';

/**
 * One attached evidence item as the API shows it: what was attached (typed content included) with featgate's
 * verdict as its `result`, whether it counts and why, per metric; a claim's own word is `claimedResult`.
 */
export const evidenceViewItemSchema = z.looseObject({
  type: z.enum(EvidenceType),
  summary: z.string(),
  result: z.enum(EvidenceResult),
  counts: z.boolean(),
  checked: z.boolean(),
  reason: z.string(),
  metrics: z.array(z.object({ metric: z.string(), passed: z.boolean(), checked: z.boolean(), reason: z.string() })),
  claimedResult: z.enum(EvidenceResult).optional(),
  attachedBy: z.string().optional(),
  at: z.string().optional(),
});
export type EvidenceViewItem = z.infer<typeof evidenceViewItemSchema>;

/** A change record as the API shows it: the redacted record, reviews, evidence, decision and release progress. */
export const changeViewSchema = z.object({
  key: z.string(),
  title: z.string(),
  status: z.enum(ChangeStatus),
  tier: z.string(),
  requester: z.string(),
  owner: z.string(),
  record: changeRecordSchema,
  reviews: itemsValidatedOnce(reviewSchema),
  evidence: z.array(evidenceViewItemSchema),
  decision: z.object({
    status: z.string(),
    approvedBy: z.array(z.string()),
    rejectedBy: z.array(z.string()),
    missing: z.unknown(),
    reasons: z.array(z.string()),
  }),
  requirements: z.object({
    approvals: z.unknown(),
    evidence: z.unknown(),
    exposure: z.unknown(),
    firedRules: z.unknown(),
    /** Bars an offline eval must clear for this change, checked by featgate. */
    evalBars: z.unknown(),
  }),
  release: z.object({
    stageIndex: z.number().int().nullable(),
    stageCount: z.number().int(),
    held: z.boolean(),
    /** Why the change has its status (hold reason, rollback reason, ...). */
    statusReason: z.string().nullable(),
  }),
  createdAt: z.string(),
  updatedAt: z.string(),
  /** Ledger seq of the newest entry about this change. */
  version: z.number().int(),
  /** Record revision (1 for the created record, +1 per edit): what a review names (`revision` or `If-Match`). */
  revision: z.number().int(),
  /** Content hash of the candidates; evidence is bound to it. */
  candidateHash: z.string(),
  /** Content hash of what a rollback restores; a rollbackTest names it as `restoredHash`. */
  rollbackHash: z.string(),
});
export type ChangeView = z.infer<typeof changeViewSchema>;
