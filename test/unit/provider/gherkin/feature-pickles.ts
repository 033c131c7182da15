import { readFileSync } from 'node:fs';
import { AstBuilder, GherkinClassicTokenMatcher, Parser, compile } from '@cucumber/gherkin';
import { IdGenerator } from '@cucumber/messages';
import type { StepTable } from './spec-steps.js';

/** The specification suites the tests run, file names under test/fixtures/openfeature-gherkin. */
export const SPEC_SUITES = ['evaluation', 'evaluation_v2', 'hooks', 'metadata', 'contextMerging'] as const;

/** One runnable scenario (a pickle: an outline row or a plain scenario, background steps included). */
export interface SpecScenario {
  readonly suite: (typeof SPEC_SUITES)[number];
  /** Unique within the run: suite, scenario name and the example row's position. */
  readonly title: string;
  readonly tags: readonly string[];
  readonly steps: ReadonlyArray<{ readonly text: string; readonly table?: StepTable }>;
}

/** Parses a copied suite with @cucumber/gherkin and compiles it to scenarios. */
export function loadSuite(suite: (typeof SPEC_SUITES)[number]): SpecScenario[] {
  const uri = `test/fixtures/openfeature-gherkin/${suite}.feature`;
  const text = readFileSync(new URL(`../../../fixtures/openfeature-gherkin/${suite}.feature`, import.meta.url), 'utf8');
  const newId = IdGenerator.incrementing();
  const document = new Parser(new AstBuilder(newId), new GherkinClassicTokenMatcher()).parse(text);
  const titles = new Map<string, number>();
  return compile({ ...document, uri }, uri, newId).map((pickle) => {
    const seen = (titles.get(pickle.name) ?? 0) + 1;
    titles.set(pickle.name, seen);
    return {
      suite,
      title: `${suite}: ${pickle.name} #${seen}`,
      tags: pickle.tags.map((tag) => tag.name),
      steps: pickle.steps.map((step) => {
        const rows = step.argument?.dataTable?.rows;
        return { text: step.text, ...(rows ? { table: rows.map((row) => row.cells.map((cell) => cell.value)) } : {}) };
      }),
    };
  });
}
