import { ValidationError, parseOrThrow } from '../../../errors/index.js';
import { MetricDirection, offlineEvalSchema, type EvidenceMetric, type OfflineEval } from '../evidence-kinds.js';
import {
  promptfooOutputFileSchema,
  promptfooSummarySchema,
  type PromptfooResult,
  type PromptfooSummary,
} from './promptfoo-output.js';

/** What promptfoo's output does not say and featgate needs: the candidate, the dataset, which prompt is which. */
export interface PromptfooImportOptions {
  /** The change view's `candidateHash` the eval ran on; else the eval config's `metadata.featgateCandidateHash`. */
  readonly candidateHash?: string;
  readonly dataset: string;
  readonly datasetVersion: string;
  /** promptfoo's version; else the output's `metadata.promptfooVersion`. */
  readonly evaluatorVersion?: string;
  /** The baseline's prompt (label, id or index); with exactly two prompts, the first. */
  readonly baselinePrompt?: string;
  /** The candidate's prompt (label, id or index); with exactly two prompts, the second. */
  readonly candidatePrompt?: string;
  /** Named scores where lower is better (e.g. a toxicity score); every other one is higher-is-better. */
  readonly lowerIsBetter?: readonly string[];
}

/** The metric every promptfoo import carries: the share of test cases that passed (errors count as failures). */
export const PASS_RATE_METRIC = 'passRate';

/**
 * Turns promptfoo's JSON output into an offline eval: the run compared a baseline prompt with a candidate prompt
 * over the same test cases, and each named score (a test's `namedScores`, or an assertion's `metric` in
 * `gradingResult.componentResults`) becomes a metric with the baseline's and candidate's mean, beside `passRate`.
 * A named score only one side has cannot be compared and is left out (the policy then says it is not measured).
 */
export function importPromptfoo(input: unknown, options: PromptfooImportOptions): OfflineEval {
  const file = isSummary(input) ? undefined : parseOrThrow(promptfooOutputFileSchema, input);
  const summary: PromptfooSummary = file ? file.results : parseOrThrow(promptfooSummarySchema, input);
  const promptCount = Math.max(summary.prompts?.length ?? 0, ...summary.results.map((result) => result.promptIdx + 1));
  const baseline = promptIndex(summary, options.baselinePrompt, promptCount === 2 ? 0 : undefined, 'baselinePrompt');
  const candidate = promptIndex(summary, options.candidatePrompt, promptCount === 2 ? 1 : undefined, 'candidatePrompt');
  if (baseline === candidate)
    throw new ValidationError([{ path: 'candidatePrompt', message: 'the candidate prompt is the baseline prompt' }]);
  const baselineResults = summary.results.filter((result) => result.promptIdx === baseline);
  const candidateResults = summary.results.filter((result) => result.promptIdx === candidate);
  if (baselineResults.length === 0)
    throw new ValidationError([{ path: 'baselinePrompt', message: `prompt ${baseline} has no results` }]);
  if (candidateResults.length === 0)
    throw new ValidationError([{ path: 'candidatePrompt', message: `prompt ${candidate} has no results` }]);

  const lower = new Set(options.lowerIsBetter ?? []);
  const baselineScores = meanScores(baselineResults);
  const candidateScores = meanScores(candidateResults);
  const metrics: EvidenceMetric[] = [
    {
      metric: PASS_RATE_METRIC,
      baselineScore: passRate(baselineResults),
      candidateScore: passRate(candidateResults),
      direction: MetricDirection.HigherIsBetter,
    },
  ];
  for (const [metric, candidateScore] of [...candidateScores].sort(([a], [b]) => a.localeCompare(b))) {
    const baselineScore = baselineScores.get(metric);
    if (baselineScore === undefined || metric === PASS_RATE_METRIC) continue;
    metrics.push({
      metric,
      baselineScore,
      candidateScore,
      direction: lower.has(metric) ? MetricDirection.LowerIsBetter : MetricDirection.HigherIsBetter,
    });
  }
  const metadataHash = file?.config?.metadata?.featgateCandidateHash;
  const candidateHash = options.candidateHash ?? (typeof metadataHash === 'string' ? metadataHash : undefined);
  const evaluatorVersion = options.evaluatorVersion ?? file?.metadata?.promptfooVersion;
  const missing = [
    ...(candidateHash === undefined
      ? [
          {
            path: 'candidateHash',
            message:
              "name the change's candidateHash the eval ran on (or set metadata.featgateCandidateHash in the eval config)",
          },
        ]
      : []),
    ...(evaluatorVersion === undefined
      ? [
          {
            path: 'evaluatorVersion',
            message: 'the output names no promptfoo version (metadata.promptfooVersion): name it',
          },
        ]
      : []),
  ];
  if (missing.length > 0) throw new ValidationError(missing);
  const ranAt =
    summary.timestamp && !Number.isNaN(Date.parse(summary.timestamp))
      ? new Date(summary.timestamp).toISOString()
      : undefined;
  return parseOrThrow(offlineEvalSchema, {
    candidateHash,
    dataset: options.dataset,
    datasetVersion: options.datasetVersion,
    evaluator: 'promptfoo',
    evaluatorVersion,
    sampleSize: candidateResults.length,
    metrics,
    ...(ranAt ? { ranAt } : {}),
  });
}

function isSummary(input: unknown): boolean {
  return typeof input === 'object' && input !== null && Array.isArray((input as { results?: unknown }).results);
}

/** A prompt by index, label or id; the default when none is named; a precise error otherwise. */
function promptIndex(
  summary: PromptfooSummary,
  selector: string | undefined,
  fallback: number | undefined,
  path: string,
): number {
  if (selector === undefined) {
    if (fallback !== undefined) return fallback;
    throw new ValidationError([
      {
        path,
        message: 'the eval ran other than two prompts: name the baseline and candidate prompts (label, id or index)',
      },
    ]);
  }
  const byName = (summary.prompts ?? []).findIndex((prompt) => prompt.label === selector || prompt.id === selector);
  if (byName >= 0) return byName;
  if (/^\d+$/.test(selector)) return Number(selector);
  throw new ValidationError([
    { path, message: `no prompt of the eval has the label or id ${JSON.stringify(selector)}` },
  ]);
}

function passRate(results: readonly PromptfooResult[]): number {
  return round(results.filter((result) => result.success).length / results.length);
}

/** Mean of each named score over the results that carry it. */
function meanScores(results: readonly PromptfooResult[]): Map<string, number> {
  const sums = new Map<string, { total: number; count: number }>();
  for (const result of results) {
    for (const [metric, score] of namedScoresOf(result)) {
      const sum = sums.get(metric) ?? { total: 0, count: 0 };
      sums.set(metric, { total: sum.total + score, count: sum.count + 1 });
    }
  }
  return new Map([...sums].map(([metric, sum]) => [metric, round(sum.total / sum.count)]));
}

/** A test's named scores: `namedScores`, else the grading result's, else each component assertion's `metric`. */
function namedScoresOf(result: PromptfooResult): Map<string, number> {
  const scores = new Map(Object.entries(result.namedScores));
  for (const [metric, score] of Object.entries(result.gradingResult?.namedScores ?? {}))
    if (!scores.has(metric)) scores.set(metric, score);
  const components = (result.gradingResult?.componentResults ?? []).flatMap((component) => [
    component,
    ...(component.componentResults ?? []),
  ]);
  for (const component of components) {
    const metric = component.assertion?.metric;
    if (metric && !scores.has(metric)) scores.set(metric, component.score);
  }
  return scores;
}

function round(value: number): number {
  return Math.round(value * 1e6) / 1e6;
}
