import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { ConfigError } from '../../../src/errors/index.js';
import {
  loadOrCreateRedactionKey,
  REDACTION_KEY_FILE,
  redactSecrets,
  secretKeyMatcher,
} from '../../../src/redaction/index.js';

const isSecret = secretKeyMatcher(['api[-_]?key']);
const dirs: string[] = [];
const tempDir = () => {
  const dir = mkdtempSync(join(tmpdir(), 'featgate-redaction-'));
  dirs.push(dir);
  return dir;
};

afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

describe('loadOrCreateRedactionKey', () => {
  it('generates a key into the data folder readable by the owner only, and uses the same key on the next start', async () => {
    const dataDir = join(tempDir(), 'data');
    const first = await loadOrCreateRedactionKey({ dataDir });
    const file = join(dataDir, REDACTION_KEY_FILE);
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(readFileSync(file, 'utf8').trim().length).toBeGreaterThanOrEqual(32);
    const second = await loadOrCreateRedactionKey({ dataDir });
    expect(redactSecrets({ apiKey: 'sk-1' }, isSecret, second)).toEqual(
      redactSecrets({ apiKey: 'sk-1' }, isSecret, first),
    );
  });

  it('gives two installations different hashes for the same secret', async () => {
    const one = await loadOrCreateRedactionKey({ dataDir: tempDir() });
    const two = await loadOrCreateRedactionKey({ dataDir: tempDir() });
    expect(redactSecrets({ apiKey: 'sk-1' }, isSecret, one)).not.toEqual(
      redactSecrets({ apiKey: 'sk-1' }, isSecret, two),
    );
  });

  it('prefers the configured key, so processes on one Redis with separate data folders agree', async () => {
    const configuredKey = 'shared-deployment-redaction-key-0123456789';
    const one = await loadOrCreateRedactionKey({ dataDir: tempDir(), configuredKey });
    const two = await loadOrCreateRedactionKey({ dataDir: tempDir(), configuredKey });
    expect(redactSecrets({ apiKey: 'sk-1' }, isSecret, one)).toEqual(redactSecrets({ apiKey: 'sk-1' }, isSecret, two));
  });

  it('refuses a configured key shorter than 32 characters without echoing it', async () => {
    const attempt = loadOrCreateRedactionKey({ dataDir: tempDir(), configuredKey: 'short-key-123' });
    await expect(attempt).rejects.toBeInstanceOf(ConfigError);
    await expect(attempt).rejects.toThrow(/FEATGATE_REDACTION_KEY: the redaction key must have at least 32 characters/);
    await expect(attempt).rejects.not.toThrow(/short-key-123/);
  });
});
