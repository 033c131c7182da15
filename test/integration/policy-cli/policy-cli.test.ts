import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('../../../', import.meta.url));
const defaultPolicy = readFileSync(join(root, 'policies/default.yaml'), 'utf8');
const scratch = mkdtempSync(join(tmpdir(), 'featgate-policy-cli-'));

interface CliResult {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

async function featgate(...args: string[]): Promise<CliResult> {
  try {
    const { stdout, stderr } = await promisify(execFile)('node', ['src/cli/featgate.mjs', ...args], {
      cwd: root,
      env: { ...process.env, FEATGATE_POLICY: '' },
    });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const failed = error as { code: number; stdout: string; stderr: string };
    return { code: failed.code, stdout: failed.stdout, stderr: failed.stderr };
  }
}

function policyCopy(name: string, edit: (text: string) => string): { path: string; text: string } {
  const text = edit(defaultPolicy);
  const path = join(scratch, name);
  writeFileSync(path, text);
  return { path, text };
}

function lineOf(text: string, needle: string): number {
  return text.slice(0, text.indexOf(needle)).split('\n').length;
}

describe('featgate policy', () => {
  it('accepts the default policy', async () => {
    const result = await featgate('policy', 'check');
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/default\.yaml: ok \(\d+ rules, 3 environments/);
  });

  it('exits 1 naming file, line and field for a wrong type', async () => {
    const { path, text } = policyCopy('wrong-type.yaml', (policy) => policy.replace('minStages: 2', 'minStages: two'));
    const result = await featgate('policy', 'check', '--policy', path);
    expect(result.code).toBe(1);
    expect(result.stdout.trim()).toBe(
      `${path}:${lineOf(text, 'minStages: two')}: tiers.high.exposure.minStages: Invalid input: expected number, received string`,
    );
  });

  it('exits 1 naming file, line and field for an unknown key', async () => {
    const { path, text } = policyCopy('unknown-key.yaml', (policy) =>
      policy.replace('breakGlass:\n', 'breakGlass:\n  sirens: loud\n'),
    );
    const result = await featgate('policy', 'check', '--policy', path);
    expect(result.code).toBe(1);
    expect(result.stdout.trim()).toBe(`${path}:${lineOf(text, 'sirens: loud')}: breakGlass.sirens: unknown key`);
  });

  it('exits 1 naming file and line for broken YAML', async () => {
    const { path } = policyCopy('broken.yaml', (policy) => policy.replace('version: 1\n', 'version: 1\nroles: {\n'));
    const result = await featgate('policy', 'check', '--policy', path);
    expect(result.code).toBe(1);
    expect(result.stdout).toMatch(new RegExp(`^${path.replace(/[.]/g, '\\.')}:\\d+: invalid YAML: `));
  });

  it.each([
    ['low-prompt-whitespace.yaml', 'low', 'prompt-whitespace-only'],
    ['medium-model-latency-target.yaml', 'medium', 'model-latency-target-raised'],
    ['high-guardrail-threshold-lowered.yaml', 'high', 'guardrail-confidence-lowered'],
    ['high-retrieval-new-source.yaml', 'high', 'retrieval-source-added'],
    ['high-model-provider-change.yaml', 'high', 'model-provider-changed'],
    ['restricted-tool-enables-writes.yaml', 'restricted', 'tool-enables-writes'],
  ])('explains %s as %s because %s fired', async (file, tier, ruleId) => {
    const result = await featgate('policy', 'explain', `policies/examples/${file}`, '--json');
    expect(result.code).toBe(0);
    const output = JSON.parse(result.stdout) as {
      evaluation: { tier: string; firedRules: { ruleId: string }[] };
      decision: { status: string };
    };
    expect(output.evaluation.tier).toBe(tier);
    expect(output.evaluation.firedRules.map((rule) => rule.ruleId)).toContain(ruleId);
    expect(output.decision.status).toBe('pending');
    expect(result.stdout).not.toMatch(/sk-live|mk-live/);
  });

  it('explains in words and prints the JSON Schema', async () => {
    const explained = await featgate('policy', 'explain', 'policies/examples/restricted-tool-enables-writes.yaml');
    expect(explained.stdout).toContain('agent-refund-tool-writes is RESTRICTED');
    expect(explained.stdout).toContain('must include security');
    const schema = await featgate('policy', 'schema');
    expect(JSON.parse(schema.stdout)).toMatchObject({ title: 'featgate policy pack', type: 'object' });
  });

  it('exits 1 naming the line of a bad change record', async () => {
    const path = join(scratch, 'bad-change.yaml');
    writeFileSync(
      path,
      readFileSync(join(root, 'policies/examples/low-prompt-whitespace.yaml'), 'utf8').replace(
        'surface: prompt',
        'surface: poem',
      ),
    );
    const result = await featgate('policy', 'explain', path);
    expect(result.code).toBe(1);
    expect(result.stdout).toMatch(/bad-change\.yaml:\d+: flags\.0\.surface: Invalid option/);
  });
});
