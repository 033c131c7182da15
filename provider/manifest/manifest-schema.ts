import * as z from 'zod/mini';
import { VariationType } from '../featbit-model/variation-type.js';

/*
 * Written with `zod/mini` (zod 4's tree-shakeable API): a browser gate bundles only the validators used here, not
 * zod's method chains and error-message locales.
 */

/**
 * Version of the manifest document layout; a verifier refuses layouts it does not know. Format 2 adds the ledger
 * head, the governed selectors and the denied list.
 */
export const MANIFEST_FORMAT = 2;

const HEX64 = /^[0-9a-f]{64}$/;
const id = () => z.string().check(z.minLength(1));
const fraction = () => z.number().check(z.gte(0), z.lte(1));
const hash = () => z.string().check(z.regex(HEX64));
const flagKey = () => z.string().check(z.minLength(1), z.maxLength(512));
/** Bounds that keep a hostile manifest from exhausting a gate (it is verified before parsing, but keys leak). */
const MAX_FLAGS = 20_000;
const MAX_KEYS = 20_000;

/** A FeatBit condition as approved: property, operator and the string value FeatBit stores. */
export const grantConditionSchema = z.object({
  property: z.string(),
  op: z.nullable(z.string()),
  value: z.string(),
});
export type GrantCondition = z.infer<typeof grantConditionSchema>;

/** A share of an approved rollout: contexts whose FeatBit bucket lies in `rollout` (inclusive) get `id`. */
export const grantRolloutSchema = z.object({
  id: id(),
  rollout: z.tuple([fraction(), fraction()]),
});
export type GrantRollout = z.infer<typeof grantRolloutSchema>;

/** An approved targeting rule: all conditions match, then the rollout (bucketed on `dispatchKey`) decides. */
export const grantRuleSchema = z.object({
  id: id(),
  name: z.string(),
  dispatchKey: z.nullable(z.string()),
  conditions: z.array(grantConditionSchema),
  variations: z.array(grantRolloutSchema),
});
export type GrantRule = z.infer<typeof grantRuleSchema>;

/** A segment an approved rule references, as it was approved. */
export const grantSegmentSchema = z.object({
  id: id(),
  included: z.array(z.string()),
  excluded: z.array(z.string()),
  rules: z.array(z.object({ conditions: z.array(grantConditionSchema) })),
});
export type GrantSegment = z.infer<typeof grantSegmentSchema>;

/**
 * Which contexts each variation is approved for, compiled from the approved FeatBit targeting. It keeps FeatBit's
 * own decision order (off, individual targets, rules, default rule), so a context is inside the grant of variation
 * V exactly when the approved configuration evaluates to V for it, with FeatBit's operators and bucketing.
 */
export const manifestGrantsSchema = z.object({
  isEnabled: z.boolean(),
  disabledVariationId: id(),
  targetUsers: z.array(z.object({ keyIds: z.array(z.string()), variationId: id() })),
  rules: z.array(grantRuleSchema),
  fallthrough: z.object({ dispatchKey: z.nullable(z.string()), variations: z.array(grantRolloutSchema) }),
  segments: z.array(grantSegmentSchema),
});
export type ManifestGrants = z.infer<typeof manifestGrantsSchema>;

/** An approved variation: FeatBit's stored string value and the SHA-256 of its canonical typed value. */
export const manifestVariationSchema = z.object({
  id: id(),
  name: z.string(),
  /** The value exactly as FeatBit stores it (always a string); gates convert it like FeatBit's SDK does. */
  value: z.string(),
  /** `contentHash` of the value converted to the flag's variation type. */
  valueHash: hash(),
});
export type ManifestVariation = z.infer<typeof manifestVariationSchema>;

/** Everything a gate needs to know about one governed flag. */
export const manifestFlagSchema = z.object({
  variationType: z.enum(VariationType),
  /** Version of the approved state this entry was compiled from. */
  version: z.int().check(z.gte(0)),
  baseline: z.object({ variationId: id(), valueHash: hash() }),
  variations: z.array(manifestVariationSchema).check(z.minLength(1)),
  grants: manifestGrantsSchema,
});
export type ManifestFlag = z.infer<typeof manifestFlagSchema>;

/** The ledger head the manifest was signed against, so every gate and auditor holding it witnesses that head. */
export const manifestLedgerHeadSchema = z.object({
  seq: z.int().check(z.gte(0)),
  hash: hash(),
});
export type ManifestLedgerHead = z.infer<typeof manifestLedgerHeadSchema>;

/**
 * Which flag keys the policy governs (exact keys and `*` glob patterns). A gate denies a flag that matches them but
 * has no entry, instead of passing it as ungoverned. Tag selectors cannot be decided from a key: the service lists
 * flags governed by tag in `denied` when they have no entry.
 */
export const manifestGovernedSchema = z.object({
  keys: z.array(flagKey()).check(z.maxLength(MAX_KEYS)),
  keyPatterns: z.array(flagKey()).check(z.maxLength(1_000)),
});
export type ManifestGoverned = z.infer<typeof manifestGovernedSchema>;

/** The approval manifest of one environment: what providers may serve, signed by featgate. */
export const approvalManifestSchema = z.object({
  format: z.literal(MANIFEST_FORMAT),
  envId: id(),
  /** Highest approved-state version among the flags; grows with every approval. */
  version: z.int().check(z.gte(0)),
  issuedAt: z.iso.datetime(),
  expiresAt: z.iso.datetime(),
  /** The audit ledger's head when the manifest was signed; null only where no ledger is configured (tests). */
  ledgerHead: z.nullable(manifestLedgerHeadSchema),
  governed: manifestGovernedSchema,
  /**
   * Set on a per-context web manifest: the one context (by targeting key) it was evaluated for. A gate serves only
   * baselines to any other context.
   */
  audience: z.optional(z.object({ targetingKey: z.string().check(z.maxLength(512)) })),
  /** Governed flags without a servable entry (never approved, or never compiled): gates deny them. */
  denied: z.array(flagKey()).check(z.maxLength(MAX_KEYS)),
  flags: z
    .record(flagKey(), manifestFlagSchema)
    .check(z.refine((flags) => Object.keys(flags).length <= MAX_FLAGS, `at most ${MAX_FLAGS} flags`)),
});
export type ApprovalManifest = z.infer<typeof approvalManifestSchema>;
