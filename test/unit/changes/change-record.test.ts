import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { createHmac } from 'node:crypto';
import { parseChangeRecord, redactChangeRecord } from '../../../src/changes/model/index.js';
import { sha256Hex, canonicalJson } from '../../../src/canonical/index.js';
import {
  isRedactedValue,
  redactionKeyFromText,
  redactSecrets,
  secretKeyMatcher,
} from '../../../src/redaction/index.js';
import { ValidationError, type FieldIssue } from '../../../src/errors/index.js';

const examplesDir = fileURLToPath(new URL('../../../policies/examples/', import.meta.url));
const example = (name: string): string => readFileSync(join(examplesDir, name), 'utf8');
const isSecret = secretKeyMatcher(['api[-_]?key', 'token$', 'passw(or)?d', '^authorization$']);
const KEY_TEXT = 'test-installation-redaction-key-0123456789';
const key = redactionKeyFromText(KEY_TEXT, 'test');
/** The keyed hash computed independently of the module under test. */
const hmacOf = (value: unknown) =>
  createHmac('sha256', Buffer.from(KEY_TEXT, 'utf8')).update(canonicalJson(value)).digest('hex');

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
      {
        file: 'change.yaml',
        line: lineOf('impact:'),
        path: 'impact.compliance',
        message: 'Invalid input: expected string, received undefined',
      },
      {
        file: 'change.yaml',
        line: lineOf('percentage: 500'),
        path: 'release.stages.0.percentage',
        message: 'Too big: expected number to be <=100',
      },
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
  it('replaces secret-named members at any depth with a marker holding the keyed HMAC-SHA256 of the value', () => {
    const redacted = redactSecrets(
      { provider: 'x', apiKey: 'sk-1', headers: [{ Authorization: 'Bearer t' }], maxTokens: 512, authToken: { v: 1 } },
      isSecret,
      key,
    );
    expect(redacted).toEqual({
      provider: 'x',
      apiKey: { $redacted: true, hmacSha256: hmacOf('sk-1') },
      headers: [{ Authorization: { $redacted: true, hmacSha256: hmacOf('Bearer t') } }],
      maxTokens: 512,
      authToken: { $redacted: true, hmacSha256: hmacOf({ v: 1 }) },
    });
  });

  it('stores a hash that is not the plain SHA-256 of the secret, so a guess cannot be checked without the key', () => {
    const redacted = redactSecrets({ apiKey: 'hunter2' }, isSecret, key) as { apiKey: { hmacSha256: string } };
    const text = JSON.stringify(redacted);
    expect(text).not.toContain(sha256Hex(canonicalJson('hunter2')));
    expect(text).not.toContain(sha256Hex('hunter2'));
    const otherInstallation = redactionKeyFromText('another-installation-redaction-key-987654', 'test');
    expect(redactSecrets({ apiKey: 'hunter2' }, isSecret, otherInstallation)).not.toEqual(redacted);
  });

  it('keeps a changed secret visible as a changed hash, and is idempotent', () => {
    const before = redactSecrets({ apiKey: 'old' }, isSecret, key) as { apiKey: unknown };
    const after = redactSecrets({ apiKey: 'new' }, isSecret, key) as { apiKey: unknown };
    expect(before.apiKey).not.toEqual(after.apiKey);
    expect(redactSecrets({ apiKey: 'old' }, isSecret, key)).toEqual(before);
    expect(isRedactedValue(before.apiKey)).toBe(true);
    expect(redactSecrets(before as never, isSecret, key)).toEqual(before);
  });

  it('does not take a marker-like object that carries anything else for a marker', () => {
    const smuggled = { apiKey: { $redacted: true, hmacSha256: hmacOf('x'), value: 'sk-live-1' } };
    expect(isRedactedValue(smuggled.apiKey)).toBe(false);
    expect(JSON.stringify(redactSecrets(smuggled, isSecret, key))).not.toContain('sk-live-1');
  });

  it('redacts baseline, candidate and rollback values of a change record, leaving the rest', () => {
    const record = parseChangeRecord(example('high-model-provider-change.yaml'));
    const withRollback = { ...record, flags: [{ ...record.flags[0]!, rollbackValue: { apiKey: 'sk-live-111' } }] };
    const redacted = redactChangeRecord(withRollback, isSecret, key);
    expect(JSON.stringify(redacted)).not.toMatch(/sk-live|mk-live/);
    expect(redacted.title).toBe(record.title);
    expect(JSON.stringify(withRollback)).toContain('sk-live-111');
  });
});
