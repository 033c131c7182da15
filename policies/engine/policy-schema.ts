import { z } from 'zod';
import { ConfigSurface, durationMs, durationSchema, EvidenceType } from '../../src/changes/model/index.js';
import { comparisonSchema } from './comparison.js';
import { parseJsonPath } from './json-path.js';
import { RiskTier } from './risk-tier.js';

/** The playbook's limit for reviewing a break-glass change afterwards. */
const MAX_POST_REVIEW_MS = 48 * 3_600_000;

const text = z.string().trim().min(1);
const roleName = z.string().regex(/^[a-zA-Z][a-zA-Z0-9-]*$/, 'role names use letters, digits and dashes');

/** How strictly featgate governs a FeatBit environment. */
export enum EnvironmentStrictness {
  /** Unapproved widening edits are reverted and providers gate every evaluation. */
  Enforce = 'enforce',
  /** Edits are recorded and turned into proposals but not reverted; providers pass values through. */
  Observe = 'observe',
}

/** One evidence requirement: any one of the listed types, passed, before approval or before wider exposure. */
export const evidenceRequirementSchema = z.strictObject({
  anyOf: z.array(z.enum(EvidenceType)).min(1),
  /** `approval`: needed before the change is approved; `expansion`: needed before exposure beyond the first stage. */
  phase: z.enum(['approval', 'expansion']).default('approval'),
  /**
   * Whether only typed evidence featgate checked itself satisfies it (an eval's numbers, a review's findings, a
   * rollback test's restored hash); a bare claim never does. An offlineEval under `evalBars` is always checked.
   */
  checked: z.boolean().optional(),
});
export type EvidenceRequirement = z.infer<typeof evidenceRequirementSchema>;

/** A bar an offline eval must clear for changes of a tier (on one surface, or every surface). */
export const evalBarSchema = z
  .strictObject({
    /** Surface the bar applies to; every surface when absent. */
    surface: z.enum(ConfigSurface).optional(),
    metric: z.string().trim().min(1).max(200),
    /** Least acceptable score (for a higher-is-better metric). */
    atLeast: z.number().optional(),
    /** Largest acceptable score (for a lower-is-better metric). */
    atMost: z.number().optional(),
    /** Largest acceptable regression against the eval's baseline score, in the metric's units. */
    maxRegression: z.number().min(0).optional(),
    /** Least sample size. */
    minSampleSize: z.number().int().min(1).optional(),
  })
  .refine((bar) => bar.atLeast !== undefined || bar.atMost !== undefined || bar.maxRegression !== undefined, {
    message: 'name atLeast, atMost or maxRegression',
  });
export type EvalBar = z.infer<typeof evalBarSchema>;

/** What one risk tier demands. */
export const tierPolicySchema = z.strictObject({
  description: text,
  approvals: z.strictObject({
    /** Least number of distinct people (never the requester) who must approve. */
    count: z.number().int().min(1),
    /** Whether the default reviewer of each touched surface must be among the approvers. */
    requireSurfaceReviewer: z.boolean(),
    /** Roles that must each be among the approvers, whatever the surface. */
    mustInclude: z.array(roleName).default([]),
    /** How long an approval stays valid: a change not released within it expires and needs its reviews again. */
    lifetime: durationSchema.optional(),
  }),
  evidence: z.array(evidenceRequirementSchema).default([]),
  /** Bars an `offlineEval` must clear to count: featgate checks the eval's numbers, not a `passed` claim. */
  evalBars: z.array(evalBarSchema).max(50).default([]),
  exposure: z.strictObject({
    /** Largest percentage the first release stage may expose. */
    maxFirstStagePercentage: z.number().min(0).max(100),
    /** Least number of release stages. */
    minStages: z.number().int().min(1),
    rollbackPlanRequired: z.boolean(),
    /** Roles allowed to apply release stages; empty means the change owner or any approver may. */
    rampRoles: z.array(roleName).default([]),
    /** Whether the requester may apply the stages of their own change (separation of duties when false). */
    requesterMayRamp: z.boolean().default(true),
    /** Least `minDuration` of a stage that another stage follows; a requester cannot pick a shorter one. */
    minStageDuration: durationSchema.optional(),
  }),
  /** Whether changes of this tier get a post-release audit entry and review. */
  audited: z.boolean().default(false),
  /** Default review date offset from when the change is evaluated. */
  reviewAfter: durationSchema,
});
export type TierPolicy = z.infer<typeof tierPolicySchema>;

/** Default reviewer and tier of one config surface. */
export const surfacePolicySchema = z.strictObject({
  /** Roles any one of which reviews changes of this surface by default. */
  reviewers: z.array(roleName).min(1),
  /** Tier when no classification rule fires. */
  defaultTier: z.enum(RiskTier),
  /** When to escalate, in words; the classification rules encode it. */
  escalateOn: z.array(text).default([]),
});
export type SurfacePolicy = z.infer<typeof surfacePolicySchema>;

/** A classification rule: a comparison of candidate against baseline at a JSON path, and the tier it raises to. */
export const classificationRuleSchema = z.strictObject({
  id: z.string().regex(/^[a-z0-9][a-z0-9-]*$/, 'rule ids use lower-case letters, digits and dashes'),
  /** Surface the rule applies to; every surface when absent. */
  surface: z.enum(ConfigSurface).optional(),
  path: z.string().superRefine((path, ctx) => {
    const parsed = parseJsonPath(path);
    if (typeof parsed === 'string') ctx.addIssue({ code: 'custom', message: `invalid JSON path: ${parsed}` });
  }),
  when: comparisonSchema,
  tier: z.enum(RiskTier),
  explanation: text,
  /** Roles that must additionally approve when the rule fires. */
  escalateTo: z.array(roleName).default([]),
});
export type ClassificationRule = z.infer<typeof classificationRuleSchema>;

/** A governed FeatBit environment. */
export const governedEnvironmentSchema = z.strictObject({
  /** FeatBit environment id. */
  id: text,
  /** Readable name, also accepted wherever an environment is named. */
  name: text,
  strictness: z.enum(EnvironmentStrictness),
  /** Least tier any change in this environment gets. */
  minimumTier: z.enum(RiskTier).optional(),
});
export type GovernedEnvironment = z.infer<typeof governedEnvironmentSchema>;

/** A governed flag entry: names flags by exact key, key pattern (glob with * and ?) or FeatBit tag. */
export const governedFlagSchema = z
  .strictObject({
    key: z.string().min(1).optional(),
    keyPattern: z.string().min(1).optional(),
    tag: z.string().min(1).optional(),
    surface: z.enum(ConfigSurface),
    owner: text,
    /** Id or name of the variation that is the approved baseline. */
    baselineVariation: text,
    /** Environment ids or names this entry applies to; every governed environment when absent. */
    environments: z.array(text).optional(),
  })
  .superRefine((entry, ctx) => {
    const named = [entry.key, entry.keyPattern, entry.tag].filter((selector) => selector !== undefined).length;
    if (named !== 1)
      ctx.addIssue({ code: 'custom', message: 'name the flags by exactly one of key, keyPattern or tag' });
  });
export type GovernedFlag = z.infer<typeof governedFlagSchema>;

/** Emergency bypass of approvals, and the review it owes afterwards. */
export const breakGlassSchema = z.strictObject({
  /** Roles allowed to break glass. */
  roles: z.array(roleName).min(1),
  incidentReferenceRequired: z.boolean(),
  /** Longest time a break-glass change may stay in place without approval. */
  maxDuration: durationSchema,
  /** Time within which a post-review must happen. */
  postReviewWithin: durationSchema,
  /** Roles that perform the post-review. */
  postReviewRoles: z.array(roleName).min(1),
});
export type BreakGlassPolicy = z.infer<typeof breakGlassSchema>;

/** The policy pack: roles, tiers, surfaces, rules, governed environments and flags, break-glass, secrets. */
export const policySchema = z
  .strictObject({
    version: z.literal(1),
    /** Role names with what each role is for. */
    roles: z.record(roleName, text),
    separationOfDuties: z.strictObject({
      /**
       * Whether one approver may cover several required roles. When false each required role needs its own
       * approver; either way a person counts once toward the number of distinct approvers, and the requester
       * never counts.
       */
      onePersonMayFillSeveralRoles: z.boolean(),
    }),
    tiers: z.strictObject({
      [RiskTier.Low]: tierPolicySchema,
      [RiskTier.Medium]: tierPolicySchema,
      [RiskTier.High]: tierPolicySchema,
      [RiskTier.Restricted]: tierPolicySchema,
    }),
    surfaces: z.strictObject({
      [ConfigSurface.Prompt]: surfacePolicySchema,
      [ConfigSurface.ModelRoute]: surfacePolicySchema,
      [ConfigSurface.RetrievalProfile]: surfacePolicySchema,
      [ConfigSurface.ToolPolicy]: surfacePolicySchema,
      [ConfigSurface.GuardrailThreshold]: surfacePolicySchema,
      [ConfigSurface.Fallback]: surfacePolicySchema,
      [ConfigSurface.RolloutRule]: surfacePolicySchema,
    }),
    rules: z.array(classificationRuleSchema).default([]),
    environments: z.array(governedEnvironmentSchema).min(1),
    governedFlags: z.array(governedFlagSchema).default([]),
    breakGlass: breakGlassSchema,
    secrets: z.strictObject({
      /** Regular expressions (case-insensitive) for member names whose values are secrets. */
      keyPatterns: z.array(
        z
          .string()
          .min(1)
          .superRefine((pattern, ctx) => {
            try {
              new RegExp(pattern, 'i');
            } catch (error) {
              ctx.addIssue({ code: 'custom', message: `invalid regular expression: ${(error as Error).message}` });
            }
          }),
      ),
    }),
    reviewDates: z.strictObject({
      /** How long before a review date its reviewers are notified. */
      notifyBefore: z.array(durationSchema).default([]),
      /** Roles notified besides the change owner. */
      notifyRoles: z.array(roleName).default([]),
    }),
  })
  .superRefine((policy, ctx) => {
    const known = new Set(Object.keys(policy.roles));
    const checkRoles = (roles: readonly string[], path: (string | number)[]): void => {
      roles.forEach((role, index) => {
        if (!known.has(role))
          ctx.addIssue({
            code: 'custom',
            path: [...path, index],
            message: `unknown role ${role}; declare it under roles`,
          });
      });
    };
    for (const [tier, tierPolicy] of Object.entries(policy.tiers)) {
      checkRoles(tierPolicy.approvals.mustInclude, ['tiers', tier, 'approvals', 'mustInclude']);
      checkRoles(tierPolicy.exposure.rampRoles, ['tiers', tier, 'exposure', 'rampRoles']);
    }
    for (const [surface, surfacePolicy] of Object.entries(policy.surfaces)) {
      checkRoles(surfacePolicy.reviewers, ['surfaces', surface, 'reviewers']);
    }
    const ruleIds = new Set<string>();
    policy.rules.forEach((rule, index) => {
      if (ruleIds.has(rule.id))
        ctx.addIssue({ code: 'custom', path: ['rules', index, 'id'], message: `duplicate rule id ${rule.id}` });
      ruleIds.add(rule.id);
      checkRoles(rule.escalateTo, ['rules', index, 'escalateTo']);
    });
    const environmentNames = new Set<string>();
    policy.environments.forEach((environment, index) => {
      for (const field of ['id', 'name'] as const) {
        if (environmentNames.has(environment[field])) {
          ctx.addIssue({
            code: 'custom',
            path: ['environments', index, field],
            message: `environment ${environment[field]} is named twice`,
          });
        }
      }
      environmentNames.add(environment.id);
      environmentNames.add(environment.name);
    });
    policy.governedFlags.forEach((entry, index) => {
      entry.environments?.forEach((environment, envIndex) => {
        if (!environmentNames.has(environment)) {
          ctx.addIssue({
            code: 'custom',
            path: ['governedFlags', index, 'environments', envIndex],
            message: `environment ${environment} is not governed; list it under environments`,
          });
        }
      });
    });
    if (durationMs(policy.breakGlass.postReviewWithin) > MAX_POST_REVIEW_MS) {
      ctx.addIssue({
        code: 'custom',
        path: ['breakGlass', 'postReviewWithin'],
        message: 'the post-review of a break-glass change is due within 48h at most',
      });
    }
    checkRoles(policy.breakGlass.roles, ['breakGlass', 'roles']);
    checkRoles(policy.breakGlass.postReviewRoles, ['breakGlass', 'postReviewRoles']);
    checkRoles(policy.reviewDates.notifyRoles, ['reviewDates', 'notifyRoles']);
  });
export type Policy = z.infer<typeof policySchema>;
/** A policy as written, before defaults are filled in. */
export type PolicyInput = z.input<typeof policySchema>;
