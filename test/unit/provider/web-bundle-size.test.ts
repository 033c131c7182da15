import { gzipSync } from 'node:zlib';
import { fileURLToPath } from 'node:url';
import { build, type Metafile, type OutputFile } from 'esbuild';
import { describe, expect, it } from 'vitest';

/** The budget of issue 10: what a page downloads for the web gate, minified and gzipped. */
const BUDGET_BYTES = 30 * 1024;
const root = fileURLToPath(new URL('../../..', import.meta.url));

/** An application that imports the browser entry by its package name, as an app does. */
const APP = `
import { OpenFeature } from '@openfeature/web-sdk';
import { ContextManifestSource, FeatgateWebProvider, StaticManifestSource, StorageHighWaterMark } from '@featgate/openfeature/web';
export const gate = (inner, options) => OpenFeature.setProviderAndWait(new FeatgateWebProvider(inner, options));
export { ContextManifestSource, StaticManifestSource, StorageHighWaterMark };
`;

interface Bundle {
  readonly entry: OutputFile;
  readonly chunks: readonly OutputFile[];
  readonly metafile: Metafile;
}

/**
 * Bundles the app for a browser the way an application's bundler does (esbuild, minified, ESM with code splitting),
 * from the package's sources. `external` leaves the OpenFeature SDK out: it is a peer the app ships anyway.
 */
async function bundleApp(external: readonly string[]): Promise<Bundle> {
  const result = await build({
    stdin: { contents: APP, resolveDir: root, loader: 'js', sourcefile: 'app.js' },
    bundle: true,
    minify: true,
    splitting: true,
    format: 'esm',
    platform: 'browser',
    conditions: ['featgate-source'],
    external: [...external],
    outdir: '/virtual-out',
    write: false,
    metafile: true,
    logLevel: 'silent',
  });
  const entryPath = Object.entries(result.metafile.outputs).find(([, output]) => output.entryPoint !== undefined)![0];
  const entry = result.outputFiles.find((file) => file.path.endsWith(entryPath.replace(/^.*\//, '/')))!;
  return { entry, chunks: result.outputFiles.filter((file) => file !== entry), metafile: result.metafile };
}

const gzipped = (file: OutputFile): number => gzipSync(file.contents, { level: 9 }).length;
const inputsOf = (bundle: Bundle, file: OutputFile): string[] =>
  Object.keys(
    Object.entries(bundle.metafile.outputs).find(([path]) => file.path.endsWith(path.replace(/^.*\//, '/')))![1].inputs,
  );

describe('the browser entry of @featgate/openfeature', () => {
  it(`loads at most ${BUDGET_BYTES / 1024} KB min+gzip into a page (gate and its dependencies, the OpenFeature web SDK being the app's own)`, async () => {
    const bundle = await bundleApp(['@openfeature/web-sdk', '@openfeature/core']);
    const size = gzipped(bundle.entry);
    expect(size, `web gate entry: ${bundle.entry.contents.length} B minified, ${size} B gzipped`).toBeLessThanOrEqual(
      BUDGET_BYTES,
    );
  });

  it('keeps zod locales and the RE2 engine out of what the page loads; RE2 is a chunk fetched only for a manifest with regex rules', async () => {
    const bundle = await bundleApp(['@openfeature/web-sdk', '@openfeature/core']);
    const entryInputs = inputsOf(bundle, bundle.entry);
    expect(entryInputs.filter((input) => input.includes('zod/') && input.includes('locales'))).toEqual([]);
    expect(entryInputs.filter((input) => input.includes('re2js'))).toEqual([]);
    expect(entryInputs).toEqual(
      expect.arrayContaining([expect.stringContaining('provider/web/featgate-web-provider.ts')]),
    );
    const re2Chunk = bundle.chunks.find((chunk) => inputsOf(bundle, chunk).some((input) => input.includes('re2js')));
    expect(re2Chunk, 'RE2 is bundled as a lazily imported chunk').toBeDefined();
    expect(bundle.entry.text).toContain(re2Chunk!.path.replace(/^.*\//, ''));
  });

  it('has no Node built-in anywhere in its module graph (a browser bundle cannot resolve one)', async () => {
    const bundle = await bundleApp([]);
    const imports = Object.values(bundle.metafile.inputs).flatMap((input) =>
      input.imports.map((imported) => imported.path),
    );
    expect(
      imports.filter(
        (path) => path.startsWith('node:') || ['crypto', 'fs', 'path', 'buffer', 'stream', 'os'].includes(path),
      ),
    ).toEqual([]);
  });
});
