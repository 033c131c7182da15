import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';
import { SummaryReporter } from './support/summary-reporter.js';

const root = fileURLToPath(new URL('..', import.meta.url));

export default defineConfig({
  test: {
    root,
    // One project per kind of test, so each kind can run on its own: `vitest run --project unit`.
    projects: ['unit', 'integration', 'e2e'].map((name) => ({
      extends: true,
      test: { name, include: [`test/${name}/**/*.test.ts`] },
    })),
    globalSetup: ['test/support/global-setup.ts'],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    // CLI processes the tests spawn run the current sources, never a stale dist/ build.
    env: { FEATGATE_FROM_SOURCE: '1' },
    pool: 'forks',
    maxWorkers: 2,
    reporters: ['default', new SummaryReporter()],
  },
});
