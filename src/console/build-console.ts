import { createHash } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { consolePaths } from './console-sources.js';

/** The console's browser bundle: one script, one style sheet, and a version that changes with their content. */
export interface ConsoleBundle {
  readonly script: string;
  readonly styles: string;
  /** Short content hash, used to version asset URLs so browsers may cache them for good. */
  readonly version: string;
}

/** File names of the bundle in `dist/console`. */
export const BUNDLE_FILES = { script: 'app.js', styles: 'styles.css' } as const;

/**
 * Bundles the console's browser sources with esbuild (a devDependency: a built service never needs it at run
 * time, it serves what `npm run build` wrote). No source maps, no inline code: the page loads exactly two files.
 */
export async function buildConsoleBundle(): Promise<ConsoleBundle> {
  const { build } = await import('esbuild');
  const { sources } = consolePaths();
  const result = await build({
    entryPoints: { app: join(sources, 'main.ts'), styles: join(sources, 'console.css') },
    bundle: true,
    format: 'esm',
    target: 'es2022',
    platform: 'browser',
    minify: true,
    legalComments: 'none',
    write: false,
    outdir: 'out',
    logLevel: 'silent',
  });
  const script = result.outputFiles.find((file) => file.path.endsWith('.js'))?.text;
  const styles = result.outputFiles.find((file) => file.path.endsWith('.css'))?.text;
  if (script === undefined || styles === undefined)
    throw new Error('the console bundle lacks its script or style sheet');
  return { script, styles, version: versionOf(script, styles) };
}

/** The content hash of a bundle's script and style sheet. */
export function versionOf(script: string, styles: string): string {
  return createHash('sha256').update(script).update('\0').update(styles).digest('hex').slice(0, 12);
}

/** Writes the bundle to `dist/console` (run by `npm run build`). */
export async function writeConsoleBundle(): Promise<string> {
  const bundle = await buildConsoleBundle();
  const { bundle: dir } = consolePaths();
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, BUNDLE_FILES.script), bundle.script);
  writeFileSync(join(dir, BUNDLE_FILES.styles), bundle.styles);
  return dir;
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const dir = await writeConsoleBundle();
  console.log(`console bundle written to ${dir}`);
}
