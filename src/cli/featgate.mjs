#!/usr/bin/env node
// Launcher. Runs the built CLI in dist/ (made by `npm run build`, which `npm ci` runs through `prepare`), so a start
// loads no TypeScript compiler. FEATGATE_FROM_SOURCE=1, or a checkout not built yet, runs the sources through tsx
// instead (development and tests, so they always exercise the current sources).
import { existsSync } from 'node:fs';

const built = new URL('../../dist/src/cli/main.js', import.meta.url);
let main;
if (process.env.FEATGATE_FROM_SOURCE !== '1' && existsSync(built)) {
  ({ main } = await import(built.href));
} else {
  // The provider package (@featgate/openfeature) resolves to its TypeScript sources too, not to its dist/.
  const { register: registerHooks } = await import('node:module');
  registerHooks(
    'data:text/javascript,export function resolve(specifier, context, next) { return next(specifier, { ...context, conditions: [...context.conditions, "featgate-source"] }); }',
  );
  const { register } = await import('tsx/esm/api');
  register();
  ({ main } = await import('./main.ts'));
}
process.exitCode = await main(process.argv);
