import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { performance } from 'node:perf_hooks';
import { percentile, type BenchContext } from './bench-context.js';

const bin = fileURLToPath(new URL('../../src/cli/featgate.mjs', import.meta.url));
const commandsDir = fileURLToPath(new URL('../../src/cli/commands/', import.meta.url));

/** The start path before commands loaded lazily: tsx, every command module imported, then `--help`. */
const EAGER_FROM_SOURCE = `
  const { readdirSync } = await import('node:fs');
  for (const name of readdirSync(${JSON.stringify(commandsDir)})) await import(${JSON.stringify(commandsDir)} + name);
  const { main } = await import(${JSON.stringify(fileURLToPath(new URL('../../src/cli/main.ts', import.meta.url)))});
  await main(['node', 'featgate', '--help']);
`;

/** Median wall time of `featgate --help`, run `rounds` times, built or from source, alternating with the other. */
function startTimes(rounds: number): { built: number[]; source: number[]; eager: number[] } {
  const built: number[] = [];
  const source: number[] = [];
  const eager: number[] = [];
  const { FEATGATE_FROM_SOURCE: _ignored, ...env } = process.env;
  const variants = [
    [built, [bin, '--help'], env],
    [source, [bin, '--help'], { ...env, FEATGATE_FROM_SOURCE: '1' }],
    [eager, ['--conditions=featgate-source', '--import', 'tsx', '--input-type=module', '-e', EAGER_FROM_SOURCE], env],
  ] as const;
  for (let i = 0; i < rounds; i += 1) {
    for (const [samples, args, runEnv] of variants) {
      const start = performance.now();
      const result = spawnSync(process.execPath, args, { env: runEnv, stdio: 'ignore' });
      if (result.status !== 0) throw new Error(`featgate --help exited ${result.status}`);
      samples.push(performance.now() - start);
    }
  }
  return { built, source, eager };
}

/** CLI start time: the built bin against the same CLI run from its TypeScript sources through tsx, in one run. */
export async function run(ctx: BenchContext): Promise<void> {
  const { built, source, eager } = startTimes(11);
  const builtMedian = percentile(built, 50);
  const eagerMedian = percentile(eager, 50);
  const note = `${(builtMedian / eagerMedian).toFixed(2)} of the old start (tsx, every command loaded) at ${eagerMedian.toFixed(0)} ms; from source, lazy: ${percentile(source, 50).toFixed(0)} ms`;
  ctx.report('cli start, featgate --help built (median of 11)', builtMedian, 'ms', note);
}
