import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('../../../', import.meta.url));
const bin = fileURLToPath(new URL('../../../src/cli/featgate.mjs', import.meta.url));

/** Runs the `featgate` bin as an installed user would: no FEATGATE_FROM_SOURCE, so it runs the dist/ build. */
function runBuilt(args: string[]): { status: number | null; stdout: string; stderr: string } {
  const { FEATGATE_FROM_SOURCE: _fromSource, ...env } = process.env;
  const result = spawnSync(process.execPath, [bin, ...args], { cwd: root, env, encoding: 'utf8' });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

describe('the built featgate CLI', () => {
  it('is built by npm test (and npm ci) into dist/, policy pack included', () => {
    expect(existsSync(new URL('../../../dist/src/cli/main.js', import.meta.url))).toBe(true);
    expect(existsSync(new URL('../../../dist/policies/default.yaml', import.meta.url))).toBe(true);
  });

  it('lists every command in --help and loads a command whole only when it runs', () => {
    const help = runBuilt(['--help']);
    expect(help.status).toBe(0);
    for (const command of [
      'serve',
      'sandbox',
      'policy',
      'audit',
      'keys',
      'change',
      'review',
      'release',
      'break-glass',
    ]) {
      expect(help.stdout).toMatch(new RegExp(`^  ${command} `, 'm'));
    }
    const audit = runBuilt(['help', 'audit']);
    expect(audit.stdout).toContain('verify');
    expect(audit.stdout).toContain('query');
  });

  it('runs a command from the build with the packaged default policy', () => {
    const check = runBuilt(['policy', 'check']);
    expect(check.stderr).toBe('');
    expect(check.status).toBe(0);
  });
});
