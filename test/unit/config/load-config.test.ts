import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { InvalidConfigError, loadServiceConfig } from '../../../src/config/index.js';

function configFile(text: string): string {
  const file = join(mkdtempSync(join(tmpdir(), 'featgate-config-')), 'featgate.yaml');
  writeFileSync(file, text);
  return file;
}

function issuesOf(run: () => unknown): InvalidConfigError['issues'] {
  try {
    run();
  } catch (error) {
    if (error instanceof InvalidConfigError) return error.issues;
    throw error;
  }
  throw new Error('expected an InvalidConfigError');
}

describe('loadServiceConfig', () => {
  it('starts on the embedded store with defaults when nothing is configured', () => {
    const config = loadServiceConfig({ env: {} });
    expect(config.redisUrl).toBeUndefined();
    expect(config.dataDir).toBe('.featgate');
    expect(config.port).toBe(8080);
    expect(config.featbit.webhookSecret).toEqual([]);
  });

  it('reads every documented environment variable', () => {
    const config = loadServiceConfig({
      env: {
        PORT: '9123',
        REDIS_URL: 'redis://127.0.0.1:6390',
        FEATGATE_DATA_DIR: '/var/lib/featgate',
        FEATGATE_POLICY: 'policy.yaml',
        FEATBIT_API_URL: 'http://featbit:5000',
        FEATBIT_ACCESS_TOKEN: 'api-abc',
        FEATBIT_WEBHOOK_SECRET: ' new,secret ',
        FEATBIT_WEBHOOK_SECRET_PREVIOUS: 'old-secret',
        FEATGATE_SIGNING_KEY: '{"kty":"OKP"}',
      },
    });
    expect(config).toMatchObject({
      port: 9123,
      redisUrl: 'redis://127.0.0.1:6390',
      dataDir: '/var/lib/featgate',
      policy: 'policy.yaml',
      signingKey: '{"kty":"OKP"}',
      featbit: { apiUrl: 'http://featbit:5000', accessToken: 'api-abc', webhookSecret: [' new,secret ', 'old-secret'] },
    });
  });

  it('lets environment variables override the file and --port override both', () => {
    const file = configFile('port: 7000\ndataDir: from-file\nfeatbit:\n  apiUrl: http://file:5000\n');
    const config = loadServiceConfig({
      file,
      env: { FEATBIT_API_URL: 'http://env:5000', PORT: '7001' },
      overrides: { port: 7002 },
    });
    expect(config.dataDir).toBe('from-file');
    expect(config.featbit.apiUrl).toBe('http://env:5000');
    expect(config.port).toBe(7002);
  });

  it('names file, line and field of a wrong type', () => {
    const file = configFile('dataDir: ok\nport: eighty\n');
    const issues = issuesOf(() => loadServiceConfig({ file, env: {} }));
    expect(issues).toEqual([expect.objectContaining({ file, line: 2, path: 'port' })]);
  });

  it('names the line of an unknown key, nested', () => {
    const file = configFile('featbit:\n  apiUrl: http://x:5000\n  acessToken: api-typo\n');
    const issues = issuesOf(() => loadServiceConfig({ file, env: {} }));
    expect(issues).toEqual([
      expect.objectContaining({ file, line: 3, path: 'featbit.acessToken', message: 'unknown key' }),
    ]);
  });

  it('names the line of broken YAML', () => {
    const file = configFile('port: 1\nidentity:\n  tokens: [\n');
    const issues = issuesOf(() => loadServiceConfig({ file, env: {} }));
    expect(issues[0]).toMatchObject({ file });
    expect(issues[0]?.line).toBeGreaterThanOrEqual(3);
  });

  it('names the environment variable a bad value came from', () => {
    const issues = issuesOf(() => loadServiceConfig({ env: { REDIS_URL: 'localhost:6379' } }));
    expect(issues).toEqual([expect.objectContaining({ path: 'redisUrl' })]);
    expect(issues[0]?.message).toContain('REDIS_URL');
  });

  it('refuses a token entry that holds a token instead of its hash', () => {
    const file = configFile(
      'identity:\n  tokens:\n    - name: ci\n      sha256: fgt_plaintext\n      roles: [service]\n',
    );
    const issues = issuesOf(() => loadServiceConfig({ file, env: {} }));
    expect(issues).toEqual([expect.objectContaining({ path: 'identity.tokens.0.sha256', line: 4 })]);
  });
});

describe('the example config file', () => {
  it('is a valid configuration', () => {
    const file = new URL('../../../src/config/featgate.example.yaml', import.meta.url).pathname;
    expect(loadServiceConfig({ file, env: {} }).identity.tokens[0]?.name).toBe('ci-bot');
  });
});
