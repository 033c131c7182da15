import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { BUNDLE_FILES, buildConsoleBundle, versionOf, type ConsoleBundle } from './build-console.js';
import { consolePaths } from './console-sources.js';

/**
 * The bundle to serve: the built service serves what `npm run build` wrote to `dist/console`; run from sources
 * (tsx) the bundle is built in memory once, from the current sources, so a stale `dist/` never shows.
 */
export async function loadConsoleBundle(): Promise<ConsoleBundle> {
  const paths = consolePaths();
  const script = join(paths.bundle, BUNDLE_FILES.script);
  const styles = join(paths.bundle, BUNDLE_FILES.styles);
  if (paths.built && existsSync(script) && existsSync(styles)) {
    const bundle = { script: readFileSync(script, 'utf8'), styles: readFileSync(styles, 'utf8') };
    return { ...bundle, version: versionOf(bundle.script, bundle.styles) };
  }
  return buildConsoleBundle();
}
