import { z } from 'zod';

/**
 * The parts of promptfoo's JSON output (`promptfoo eval -o results.json`) featgate reads, after promptfoo's own
 * types (`OutputFile` → `EvaluateSummaryV3`/`V2` → `EvaluateResult` → `GradingResult`). Loose objects: promptfoo adds
 * fields from release to release, and featgate reads only what it maps. Bounded in size and depth.
 */
const finite = z.number().refine(Number.isFinite, 'must be a finite number');
const namedScores = z
  .record(z.string().max(200), finite)
  .refine((scores) => Object.keys(scores).length <= 100, 'at most 100 named scores');

/** `GradingResult`, with component results two levels deep at most (assert-sets inside a test). */
const leafGrading = z.looseObject({
  pass: z.boolean(),
  score: finite,
  namedScores: namedScores.optional(),
  assertion: z.looseObject({ type: z.string().max(200).optional(), metric: z.string().max(200).optional() }).nullish(),
});
const componentGrading = leafGrading.extend({ componentResults: z.array(leafGrading).max(500).optional() });
const gradingResult = leafGrading.extend({ componentResults: z.array(componentGrading).max(500).optional() });

/** `EvaluateResult`: one test case run against one prompt. */
export const promptfooResultSchema = z.looseObject({
  promptIdx: z.number().int().min(0).max(10_000),
  testIdx: z.number().int().min(0).optional(),
  promptId: z.string().max(500).optional(),
  success: z.boolean(),
  score: finite,
  /** 0: none, 1: an assertion failed, 2: an error (the provider failed); errors count as failures. */
  failureReason: z.number().int().min(0).max(2).optional(),
  namedScores: namedScores.default({}),
  gradingResult: gradingResult.nullish(),
  latencyMs: finite.optional(),
});
export type PromptfooResult = z.infer<typeof promptfooResultSchema>;

/** `CompletedPrompt`: one prompt (with its provider) the eval ran. */
export const promptfooPromptSchema = z.looseObject({
  id: z.string().max(500).optional(),
  label: z.string().max(500).optional(),
  provider: z.string().max(500).optional(),
});

/** `EvaluateSummaryV3` (and V2, which has the same results and stats). */
export const promptfooSummarySchema = z.looseObject({
  version: z.number().int().min(1).max(100),
  timestamp: z.string().max(100).optional(),
  results: z.array(promptfooResultSchema).min(1, 'the eval has no results').max(200_000),
  prompts: z.array(promptfooPromptSchema).max(10_000).optional(),
  stats: z.looseObject({
    successes: z.number().int().min(0),
    failures: z.number().int().min(0),
    errors: z.number().int().min(0).default(0),
  }),
});
export type PromptfooSummary = z.infer<typeof promptfooSummarySchema>;

/** `OutputFile`: the file `promptfoo eval -o results.json` writes (the summary under `results`). */
export const promptfooOutputFileSchema = z.looseObject({
  evalId: z.string().max(500).nullish(),
  results: promptfooSummarySchema,
  config: z
    .looseObject({
      description: z.string().max(2_000).optional(),
      metadata: z.record(z.string(), z.unknown()).optional(),
    })
    .optional(),
  metadata: z.looseObject({ promptfooVersion: z.string().max(100).optional() }).optional(),
  shareableUrl: z.string().max(2_000).nullish(),
});
export type PromptfooOutputFile = z.infer<typeof promptfooOutputFileSchema>;
