import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { importPromptfoo, MetricDirection } from '../../../src/changes/model/index.js';
import { ValidationError } from '../../../src/errors/index.js';

const fixture = JSON.parse(
  readFileSync(new URL('../../fixtures/promptfoo/support-prompt-eval.json', import.meta.url), 'utf8'),
);
const hash = 'b'.repeat(64);
const options = { candidateHash: hash, dataset: 'support-golden', datasetVersion: '2026-11' };

function pathsOf(run: () => unknown): string[] {
  try {
    run();
  } catch (error) {
    if (error instanceof ValidationError) return error.issues.map((issue) => issue.path);
    throw error;
  }
  return [];
}

describe("promptfoo's JSON output as an offline eval", () => {
  it('maps pass rate and each named score to a metric, baseline prompt against candidate prompt', () => {
    const result = importPromptfoo(fixture, options);
    expect(result).toEqual({
      candidateHash: hash,
      dataset: 'support-golden',
      datasetVersion: '2026-11',
      evaluator: 'promptfoo',
      evaluatorVersion: '0.120.4',
      sampleSize: 5,
      ranAt: '2026-12-03T22:14:05.412Z',
      metrics: [
        { metric: 'passRate', baselineScore: 0.8, candidateScore: 1, direction: MetricDirection.HigherIsBetter },
        {
          metric: 'groundedness',
          baselineScore: 0.902,
          candidateScore: 0.912,
          direction: MetricDirection.HigherIsBetter,
        },
        { metric: 'tone', baselineScore: 0.806, candidateScore: 0.818, direction: MetricDirection.HigherIsBetter },
      ],
    });
  });

  it('picks prompts by label and swaps the roles when told, and marks lower-is-better scores', () => {
    const swapped = importPromptfoo(fixture, {
      ...options,
      baselinePrompt: 'support-prompt:concise',
      candidatePrompt: '0',
      lowerIsBetter: ['tone'],
    });
    expect(swapped.metrics.find((metric) => metric.metric === 'groundedness')).toMatchObject({
      baselineScore: 0.912,
      candidateScore: 0.902,
    });
    expect(swapped.metrics.find((metric) => metric.metric === 'tone')?.direction).toBe(MetricDirection.LowerIsBetter);
  });

  it('reads named scores from the component assertions when a test carries none of its own', () => {
    const stripped = structuredClone(fixture);
    for (const result of stripped.results.results) {
      result.namedScores = {};
      delete result.gradingResult.namedScores;
    }
    expect(importPromptfoo(stripped, options).metrics.map((metric) => metric.metric)).toEqual([
      'passRate',
      'groundedness',
      'tone',
    ]);
  });

  it('reads the bare summary too, and the candidate hash from the eval config when not given', () => {
    expect(pathsOf(() => importPromptfoo(fixture.results, options))).toEqual(['evaluatorVersion']);
    expect(importPromptfoo(fixture.results, { ...options, evaluatorVersion: '0.120.4' }).sampleSize).toBe(5);
    const tagged = { ...fixture, config: { ...fixture.config, metadata: { featgateCandidateHash: hash } } };
    const { candidateHash: _omitted, ...rest } = options;
    expect(importPromptfoo(tagged, rest).candidateHash).toBe(hash);
  });

  it.each([
    ['no candidate hash anywhere', fixture, { dataset: 'd', datasetVersion: '1' }, 'candidateHash'],
    ['an unknown prompt label', fixture, { ...options, candidatePrompt: 'nope' }, 'candidatePrompt'],
    [
      'the same prompt on both sides',
      fixture,
      { ...options, baselinePrompt: '1', candidatePrompt: '1' },
      'candidatePrompt',
    ],
    [
      'a result whose score is not a number',
      { ...fixture, results: { ...fixture.results, results: [{ ...fixture.results.results[0], score: 'high' }] } },
      options,
      'results.results.0.score',
    ],
    ['no results', { ...fixture, results: { ...fixture.results, results: [] } }, options, 'results.results'],
  ])('refuses %s, naming the field', (_name, input, given, path) => {
    expect(pathsOf(() => importPromptfoo(input, given))).toContain(path);
  });

  it('asks which prompt is which when the eval ran more than two', () => {
    const three = structuredClone(fixture);
    three.results.prompts.push({ id: 'x', label: 'third' });
    expect(pathsOf(() => importPromptfoo(three, options))).toEqual(['baselinePrompt']);
  });
});
