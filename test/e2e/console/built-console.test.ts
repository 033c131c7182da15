import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { versionOf } from '../../../src/console/index.js';
import { readDemoState } from '../../../src/server/index.js';
import { freePort } from '../../support/private-redis.js';
import { launchBrowser, signIn } from './console-harness.js';

const root = fileURLToPath(new URL('../../../', import.meta.url));
const bundle = join(root, 'dist/console');
/** A module hook that refuses to resolve esbuild (a devDependency a built service never needs). */
const NO_ESBUILD = `data:text/javascript,${encodeURIComponent(
  `import { register } from 'node:module'; register(${JSON.stringify(`data:text/javascript,${encodeURIComponent("export async function resolve(specifier, context, next) { if (specifier === 'esbuild') throw new Error('esbuild is not available to the built service'); return next(specifier, context); }")}`)});`,
)}`;

describe('the console of the built service', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'featgate-built-console-'));
  let server: ChildProcess | undefined;

  afterAll(() => {
    server?.kill('SIGKILL');
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('is bundled by npm run build (run by npm test and npm ci) into dist/console', () => {
    expect(existsSync(join(bundle, 'app.js'))).toBe(true);
    expect(existsSync(join(bundle, 'styles.css'))).toBe(true);
  });

  it('serves the prebuilt bundle from dist/ and it renders in the browser', async () => {
    const port = await freePort();
    const { FEATGATE_FROM_SOURCE: _source, ...env } = process.env;
    // esbuild cannot even be resolved in this process: the built service must serve what the build wrote.
    server = spawn(process.execPath, ['--import', NO_ESBUILD, join(root, 'src/cli/featgate.mjs'), 'serve'], {
      cwd: root,
      env: { ...env, PORT: String(port), FEATGATE_DATA_DIR: dataDir, LOG_LEVEL: 'warn' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    server.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')));
    server.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')));
    const deadline = Date.now() + 60_000;
    while (!output.includes('featgate listening')) {
      if (Date.now() > deadline || server.exitCode !== null)
        throw new Error(`the built service did not start:\n${output}`);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    const url = `http://127.0.0.1:${port}`;
    const script = readFileSync(join(bundle, 'app.js'), 'utf8');
    const version = versionOf(script, readFileSync(join(bundle, 'styles.css'), 'utf8'));
    expect(await (await fetch(`${url}/console/`)).text()).toContain(`/console/assets/app.js?v=${version}`);
    const served = await fetch(`${url}/console/assets/app.js?v=${version}`);
    expect(served.headers.get('cache-control')).toContain('immutable');
    expect(await served.text()).toBe(script);
    const browser = await launchBrowser();
    try {
      const person = await signIn(browser, url, readDemoState(dataDir)!.tokens.auditor!);
      await expect(person.page.locator('h1').textContent()).resolves.toBe('Inbox');
      expect(person.problems).toEqual([]);
    } finally {
      await browser.close();
    }
  }, 120_000);
});
