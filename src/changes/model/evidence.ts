import { z } from 'zod';
import {
  legacyOfflineEvalSchema,
  offlineEvalSchema,
  reviewEvidenceSchema,
  rollbackTestSchema,
  shadowTrafficSchema,
  type LegacyOfflineEval,
  type OfflineEval,
  type ReviewEvidence,
  type RollbackTest,
  type ShadowTraffic,
} from './evidence-kinds.js';

export * from './evidence-kinds.js';

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

/** Outcome of an evidence item; only `passed` satisfies a requirement. For typed evidence featgate decides it. */
export enum EvidenceResult {
  Passed = 'passed',
  Failed = 'failed',
  Inconclusive = 'inconclusive',
}

/** The field holding each typed kind's content, which featgate checks itself. */
export const TYPED_PAYLOAD = {
  [EvidenceType.OfflineEval]: 'eval',
  [EvidenceType.SecurityReview]: 'review',
  [EvidenceType.PolicyReview]: 'review',
  [EvidenceType.RollbackTest]: 'rollbackTest',
  [EvidenceType.ShadowTraffic]: 'shadowTraffic',
} as const;

/** What the attacher writes on every item. */
const writtenEnvelope = {
  link: z.url().max(2_000).optional(),
  summary: z.string().min(1).max(10_000),
};

/** What the service adds when it records an attachment. */
const serviceEnvelope = {
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
  candidateHash: z
    .string()
    .regex(/^[0-9a-f]{64}$/)
    .optional(),
};

const claimedResult = z.enum(EvidenceResult);

/**
 * A typed kind names its content (which featgate checks) or, as before typing, only a claimed `result`: such a claim
 * (and every item read from before typing) counts only toward requirements the policy leaves unchecked.
 */
function typedOrClaim(field: string, refuseBoth: boolean) {
  return (item: Record<string, unknown>, ctx: z.core.$RefinementCtx): void => {
    if (item[field] === undefined && item.result === undefined) {
      ctx.addIssue({
        code: 'custom',
        path: [field],
        input: item,
        message: `name the ${String(item.type)}'s content (${field}), which featgate checks, or a claimed result`,
      });
    } else if (refuseBoth && item[field] !== undefined && item.result !== undefined) {
      ctx.addIssue({
        code: 'custom',
        path: ['result'],
        input: item,
        message: `featgate decides the result of typed evidence from its ${field}; drop result`,
      });
    }
  };
}

function itemSchemas<E extends z.core.$ZodLooseShape>(envelope: E, stored: boolean) {
  const base = { ...writtenEnvelope, ...envelope, result: claimedResult.optional() };
  const claimKind = <T extends EvidenceType>(type: T) =>
    z.strictObject({ type: z.literal(type), ...writtenEnvelope, ...envelope, result: claimedResult });
  return z.discriminatedUnion('type', [
    z
      .strictObject({
        type: z.literal(EvidenceType.OfflineEval),
        ...base,
        eval: (stored ? z.union([offlineEvalSchema, legacyOfflineEvalSchema]) : offlineEvalSchema).optional(),
      })
      .superRefine(typedOrClaim('eval', !stored)),
    z
      .strictObject({ type: z.literal(EvidenceType.SecurityReview), ...base, review: reviewEvidenceSchema.optional() })
      .superRefine(typedOrClaim('review', !stored)),
    z
      .strictObject({ type: z.literal(EvidenceType.PolicyReview), ...base, review: reviewEvidenceSchema.optional() })
      .superRefine(typedOrClaim('review', !stored)),
    z
      .strictObject({
        type: z.literal(EvidenceType.RollbackTest),
        ...base,
        rollbackTest: rollbackTestSchema.optional(),
      })
      .superRefine(typedOrClaim('rollbackTest', !stored)),
    z
      .strictObject({
        type: z.literal(EvidenceType.ShadowTraffic),
        ...base,
        shadowTraffic: shadowTrafficSchema.optional(),
      })
      .superRefine(typedOrClaim('shadowTraffic', !stored)),
    claimKind(EvidenceType.ConfigDiff),
    claimKind(EvidenceType.GuardrailMetrics),
    claimKind(EvidenceType.Other),
  ]);
}

/**
 * One piece of evidence as stored (record, ledger): discriminated by `type`, each kind with its own strict schema.
 * Items from before typing (a claimed `result`, an offlineEval's single-metric `eval`) still parse: they are claims.
 */
export const evidenceItemSchema = itemSchemas(serviceEnvelope, true);
export type EvidenceItem = z.infer<typeof evidenceItemSchema>;

/** Evidence as an attacher sends it: no service fields, no pre-typing eval format, no result beside typed content. */
export const evidenceRequestItemSchema = itemSchemas({}, false);
export type EvidenceRequestItem = z.infer<typeof evidenceRequestItemSchema>;

/** The content featgate checks of a typed item, by kind; undefined for a claim. */
export type TypedContent =
  | { readonly type: EvidenceType.OfflineEval; readonly eval: OfflineEval }
  | { readonly type: EvidenceType.SecurityReview | EvidenceType.PolicyReview; readonly review: ReviewEvidence }
  | { readonly type: EvidenceType.RollbackTest; readonly rollbackTest: RollbackTest }
  | { readonly type: EvidenceType.ShadowTraffic; readonly shadowTraffic: ShadowTraffic };

/** The typed content of an item, or undefined when it is a claim (only a `result`, or a pre-typing eval). */
export function typedContentOf(item: EvidenceItem): TypedContent | undefined {
  switch (item.type) {
    case EvidenceType.OfflineEval:
      return item.eval && !isLegacyEval(item.eval) ? { type: item.type, eval: item.eval } : undefined;
    case EvidenceType.SecurityReview:
    case EvidenceType.PolicyReview:
      return item.review ? { type: item.type, review: item.review } : undefined;
    case EvidenceType.RollbackTest:
      return item.rollbackTest ? { type: item.type, rollbackTest: item.rollbackTest } : undefined;
    case EvidenceType.ShadowTraffic:
      return item.shadowTraffic ? { type: item.type, shadowTraffic: item.shadowTraffic } : undefined;
    default:
      return undefined;
  }
}

/** Whether an eval's numbers are in the single-metric format from before typing. */
export function isLegacyEval(value: OfflineEval | LegacyOfflineEval): value is LegacyOfflineEval {
  return 'score' in value;
}
