import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

/** The checkout root, where `src/cli/featgate.mjs` lives. */
export const repoRoot = fileURLToPath(new URL('../../../', import.meta.url));

/** What a finished process printed and how it exited. */
export interface ProcessOutcome {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs `node <args>` from the checkout root and collects its output. */
export function runNode(args: readonly string[], env: NodeJS.ProcessEnv = process.env): Promise<ProcessOutcome> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [...args], { cwd: repoRoot, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString('utf8')));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

/** Runs the real `featgate` CLI with `args`. */
export function runFeatgate(args: readonly string[]): Promise<ProcessOutcome> {
  const { REDIS_URL: _redis, FEATGATE_DATA_DIR: _dir, FEATGATE_REDIS_PREFIX: _prefix, ...env } = process.env;
  return runNode(['src/cli/featgate.mjs', ...args], env);
}
