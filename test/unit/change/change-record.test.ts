import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import {
  isRedactedValue,
  parseChangeRecord,
  redactChangeRecord,
  redactSecrets,
  secretKeyMatcher,
} from '../../../src/change/index.js';
import { sha256Hex, canonicalJson } from '../../../src/canonical/index.js';
import { ValidationError, type FieldIssue } from '../../../src/errors/index.js';

const examplesDir = fileURLToPath(new URL('../../../policies/examples/', import.meta.url));
const example = (name: string): string => readFileSync(join(examplesDir, name), 'utf8');
const isSecret = secretKeyMatcher(['api[-_]?key', 'token$', 'passw(or)?d', '^authorization$']);

function issuesOf(text: string): FieldIssue[] {
  try {
    parseChangeRecord(text, 'change.yaml');
  } catch (error) {
    if (error instanceof ValidationError) return [...error.issues];
    throw error;
  }
  throw new Error('the record was accepted');
}

describe('change record', () => {
  it.each(readdirSync(examplesDir))('reads the example %s', (name) => {
    const record = parseChangeRecord(example(name), name);
    expect(record.flags.length).toBeGreaterThan(0);
    expect(record.release.stages.length).toBeGreaterThan(0);
  });

  it('names line and field of a missing impact, an unknown key and a bad stage percentage', () => {
    const text = example('high-guardrail-threshold-lowered.yaml')
      .replace('  compliance: none\n', '')
      .replace('affectedWorkflow:', 'flavour: sweet\naffectedWorkflow:')
      .replace('percentage: 5,', 'percentage: 500,');
    const lines = text.split('\n');
    const lineOf = (needle: string): number => lines.findIndex((line) => line.includes(needle)) + 1;
    expect(issuesOf(text)).toEqual([
      { file: 'change.yaml', line: lineOf('flavour: sweet'), path: 'flavour', message: 'unknown key' },
      { file: 'change.yaml', line: lineOf('impact:'), path: 'impact.compliance', message: 'Invalid input: expected string, received undefined' },
      { file: 'change.yaml', line: lineOf('percentage: 500'), path: 'release.stages.0.percentage', message: 'Too big: expected number to be <=100' },
    ]);
  });

  it('refuses a flag listed twice and a stage that shrinks exposure of the same audience', () => {
    const text = example('high-guardrail-threshold-lowered.yaml').replace('percentage: 50,', 'percentage: 2,');
    expect(issuesOf(text).map((issue) => issue.path)).toEqual(['release.stages.1.percentage']);
  });

  it('reads JSON as well as YAML', () => {
    const record = parseChangeRecord(example('low-prompt-whitespace.yaml'));
    expect(parseChangeRecord(JSON.stringify(record), 'change.json')).toEqual(record);
  });
});

describe('secret redaction', () => {
  it('replaces secret-named members at any depth with a marker holding the SHA-256 of the value', () => {
    const redacted = redactSecrets({ provider: 'x', apiKey: 'sk-1', headers: [{ Authorization: 'Bearer t' }], maxTokens: 512, authToken: { v: 1 } }, isSecret);
    expect(redacted).toEqual({
      provider: 'x',
      apiKey: { $redacted: true, sha256: sha256Hex(canonicalJson('sk-1')) },
      headers: [{ Authorization: { $redacted: true, sha256: sha256Hex(canonicalJson('Bearer t')) } }],
      maxTokens: 512,
      authToken: { $redacted: true, sha256: sha256Hex(canonicalJson({ v: 1 })) },
    });
  });

  it('keeps a changed secret visible as a changed hash, and is idempotent', () => {
    const before = redactSecrets({ apiKey: 'old' }, isSecret) as { apiKey: unknown };
    const after = redactSecrets({ apiKey: 'new' }, isSecret) as { apiKey: unknown };
    expect(before.apiKey).not.toEqual(after.apiKey);
    expect(isRedactedValue(before.apiKey)).toBe(true);
    expect(redactSecrets(before as never, isSecret)).toEqual(before);
  });

  it('redacts baseline, candidate and rollback values of a change record, leaving the rest', () => {
    const record = parseChangeRecord(example('high-model-provider-change.yaml'));
    const withRollback = { ...record, flags: [{ ...record.flags[0]!, rollbackValue: { apiKey: 'sk-live-111' } }] };
    const redacted = redactChangeRecord(withRollback, isSecret);
    expect(JSON.stringify(redacted)).not.toMatch(/sk-live|mk-live/);
    expect(redacted.title).toBe(record.title);
    expect(JSON.stringify(withRollback)).toContain('sk-live-111');
  });
});
