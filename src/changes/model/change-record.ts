import { z } from 'zod';
import type { JsonValue } from '../../canonical/index.js';
import { ConfigSurface } from './config-surface.js';
import { durationSchema } from './duration.js';
import { evidenceItemSchema } from './evidence.js';
import { holdConditionSchema } from './hold-condition.js';

const text = z.string().trim().min(1).max(10_000);

/** Largest canonical JSON size of one value in a change record (a prompt, a route, a tool policy). */
export const MAX_VALUE_BYTES = 64 * 1024;

/** Any JSON value: a flag variation's value as the application reads it, at most MAX_VALUE_BYTES as JSON. */
export const jsonValueSchema = (z.json() as z.ZodType<JsonValue>).refine(
  (value) => Buffer.byteLength(JSON.stringify(value) ?? '', 'utf8') <= MAX_VALUE_BYTES,
  { message: `a value may hold at most ${MAX_VALUE_BYTES} bytes of JSON` },
);

/** Which part of a flag's targeting a release stage writes, bound by featgate when the record is written. */
export enum StageAudienceKind {
  /** Every context no individual target or rule catches: FeatBit's default rule. Named `everyone` or `all users`. */
  Everyone = 'everyone',
  /** One FeatBit targeting rule, by id, with its conditions as they were when the record was written. */
  Rule = 'rule',
  /** The FeatBit rule that serves a segment, by id, with the segment's membership as it was. */
  Segment = 'segment',
}

/** The FeatBit part a stage's audience words were bound to: what reviewers approve and what apply-stage writes. */
export const stageAudienceBindingSchema = z.strictObject({
  /** Stage index, 0-based. */
  stage: z.number().int().min(0).max(99),
  kind: z.enum(StageAudienceKind),
  ruleId: z.string().min(1).max(200).optional(),
  ruleName: z.string().max(500).optional(),
  /** SHA-256 of the rule's conditions (and of the segment's membership for a segment audience). */
  conditionsHash: z
    .string()
    .regex(/^[0-9a-f]{64}$/)
    .optional(),
  segmentId: z.string().min(1).max(200).optional(),
  segmentName: z.string().max(500).optional(),
});
export type StageAudienceBinding = z.infer<typeof stageAudienceBindingSchema>;

/** The approved version of one flag a change was written against (set by featgate, never by the requester). */
export const basedOnSchema = z.strictObject({
  /** Ledger seq of the approved state the record's baseline was read from. */
  version: z.number().int().min(0),
  /** Change that produced that approved state; absent for an adopted baseline. */
  changeKey: z.string().min(1).optional(),
  baselineVariationId: z.string().min(1),
});
export type BasedOn = z.infer<typeof basedOnSchema>;

/** Change record keys: lower-case letters, digits and dashes, so they fit ledger subjects and URLs. */
export const changeKeySchema = z
  .string()
  .regex(
    /^[a-z0-9][a-z0-9-]{0,79}$/,
    'use 1 to 80 lower-case letters, digits and dashes, starting with a letter or digit',
  );

/** One FeatBit flag the change touches, with the config surface it holds and its values before and after. */
export const changedFlagSchema = z.strictObject({
  key: z.string().regex(/^[a-zA-Z0-9._-]+$/, 'flag keys use letters, digits, dot, underscore and dash'),
  surface: z.enum(ConfigSurface),
  /** Value served today (the approved baseline variation). */
  baseline: jsonValueSchema,
  /** Value the change proposes. */
  candidate: jsonValueSchema,
  /** Value restored on rollback; the baseline when absent. */
  rollbackValue: jsonValueSchema.optional(),
  /** FeatBit variation that carries the candidate, when it already exists. */
  candidateVariationId: z.string().min(1).optional(),
  /**
   * Every other value the change's configuration can serve (set by featgate for a proposal from a FeatBit edit:
   * each variation the edited targeting reaches); each is classified like the candidate.
   */
  servedValues: z.array(jsonValueSchema).max(100).optional(),
  /** Set by featgate: the approved version this flag's baseline was read from. */
  basedOn: basedOnSchema.optional(),
  /** Set by featgate: what each stage's audience means in FeatBit for this flag. */
  stageAudiences: z.array(stageAudienceBindingSchema).max(100).optional(),
});
export type ChangedFlag = z.infer<typeof changedFlagSchema>;

/** Known impact of the change on each area a reviewer weighs; `none` is a valid answer, silence is not. */
export const impactSchema = z.strictObject({
  data: text,
  cost: text,
  latency: text,
  safety: text,
  support: text,
  compliance: text,
});
export type Impact = z.infer<typeof impactSchema>;

/** One step of staged exposure. */
export const releaseStageSchema = z.strictObject({
  name: text,
  /** Who is exposed, in words (e.g. `internal staff`, `beta cohort`, `EU customers`). */
  audience: text,
  /** Share of that audience exposed, 0 to 100. */
  percentage: z.number().min(0).max(100),
  /** Least time the stage runs before the next may be applied. */
  minDuration: durationSchema,
  /**
   * How the stage after this one is reached: `manual` (absent) waits for a release owner; `auto` lets featgate
   * apply it once this stage's minimum duration has passed and every guardrail is healthy.
   */
  advance: z.enum(['manual', 'auto']).optional(),
});
export type ReleaseStage = z.infer<typeof releaseStageSchema>;

/** How the change is undone. */
export const rollbackPlanSchema = z.strictObject({
  /** Steps and triggers, in words. */
  plan: text,
  /** What users experience while rolled back or when the AI path fails. */
  fallbackBehaviour: text,
});
export type RollbackPlan = z.infer<typeof rollbackPlanSchema>;

/** Ordered stages, hold conditions, who decides, and how to roll back. */
export const releasePlanSchema = z.strictObject({
  decisionOwner: text,
  stages: z
    .array(releaseStageSchema)
    .min(1, 'a release plan needs at least one stage')
    .max(20, 'a release plan has at most 20 stages'),
  holdIf: z.array(holdConditionSchema).max(20).default([]),
  rollback: rollbackPlanSchema.optional(),
});
export type ReleasePlan = z.infer<typeof releasePlanSchema>;

/** Whether the change is meant to stay. */
export enum CleanupKind {
  Temporary = 'temporary',
  Durable = 'durable',
}

/** When the change is looked at again. */
export const cleanupSchema = z.strictObject({
  kind: z.enum(CleanupKind),
  /** Review date (YYYY-MM-DD); the policy's default offset for the tier applies when absent. */
  reviewDate: z.iso.date().optional(),
});
export type Cleanup = z.infer<typeof cleanupSchema>;

/**
 * A change record: everything a reviewer needs to judge one change of AI configuration without opening any
 * other file. Unknown keys are rejected so a typo never silently drops information.
 */
export const changeRecordSchema = z
  .strictObject({
    key: changeKeySchema,
    title: text,
    owner: text,
    service: text,
    /** FeatBit environment id or the readable name the policy gives it. */
    environment: text,
    affectedWorkflow: text,
    requester: text,
    flags: z
      .array(changedFlagSchema)
      .min(1, 'a change touches at least one flag')
      .max(20, 'a change touches at most 20 flags'),
    /** The intended behaviour change, in plain language. */
    behaviourChange: text,
    impact: impactSchema,
    release: releasePlanSchema,
    evidence: z.array(evidenceItemSchema).max(100).default([]),
    cleanup: cleanupSchema,
    /**
     * Set by featgate: everyone who wrote any part of the change (creator, each editor, the FeatBit operator of an
     * intercepted edit). None of them may approve it.
     */
    authors: z.array(z.string().min(1).max(320)).max(200).optional(),
  })
  .superRefine((record, ctx) => {
    const seen = new Set<string>();
    record.flags.forEach((flag, index) => {
      if (seen.has(flag.key)) {
        ctx.addIssue({ code: 'custom', path: ['flags', index, 'key'], message: `flag ${flag.key} is listed twice` });
      }
      seen.add(flag.key);
    });
    const stages = record.release.stages;
    stages.forEach((stage, index) => {
      const previous = stages[index - 1];
      if (previous && previous.audience === stage.audience && stage.percentage < previous.percentage) {
        ctx.addIssue({
          code: 'custom',
          path: ['release', 'stages', index, 'percentage'],
          message: `stages must not shrink exposure of one audience: ${stage.percentage}% follows ${previous.percentage}%`,
        });
      }
    });
  });
export type ChangeRecord = z.infer<typeof changeRecordSchema>;
/** A change record as written, before defaults are filled in. */
export type ChangeRecordInput = z.input<typeof changeRecordSchema>;
