import { createHmac } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { redisSecretStore } from '../../../src/generated-secret/index.js';
import { loadOrCreateSigningKey } from '../../../src/manifest/index.js';
import { loadOrCreateRedactionKey, type RedactionKey } from '../../../src/redaction/index.js';
import { testRedisUrl, uniquePrefix } from '../../support/redis.js';

let redis: Redis;
const dirs: string[] = [];

function dataDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'featgate-secret-'));
  dirs.push(dir);
  return dir;
}

function fingerprint(key: RedactionKey): string {
  return createHmac('sha256', key).update('probe').digest('hex');
}

beforeAll(() => {
  redis = new Redis(testRedisUrl());
});

afterAll(async () => {
  await redis?.quit();
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

describe('generated keys shared through Redis', () => {
  it('gives processes with different data folders one signing key and one redaction key, even when they start together', async () => {
    const prefix = uniquePrefix('shared-keys');
    const starts = [dataDir(), dataDir(), dataDir()].map(async (dir) => {
      const store = redisSecretStore({ redis, prefix, seedDir: dir });
      const [signing, redaction] = await Promise.all([
        loadOrCreateSigningKey({ dataDir: dir, store }),
        loadOrCreateRedactionKey({ dataDir: dir, store }),
      ]);
      return { kid: signing.kid, redaction: fingerprint(redaction) };
    });
    const keys = await Promise.all(starts);
    expect(new Set(keys.map((key) => key.kid)).size).toBe(1);
    expect(new Set(keys.map((key) => key.redaction)).size).toBe(1);
    expect(
      await redis.exists(`${prefix}generated-secret:signing-key.json`, `${prefix}generated-secret:redaction-key`),
    ).toBe(2);
  });

  it('keeps the keys an installation generated in its data folder before it shared them through Redis', async () => {
    const dir = dataDir();
    const earlierSigning = await loadOrCreateSigningKey({ dataDir: dir });
    const earlierRedaction = await loadOrCreateRedactionKey({ dataDir: dir });
    const prefix = uniquePrefix('seeded-keys');
    const upgraded = redisSecretStore({ redis, prefix, seedDir: dir });
    expect((await loadOrCreateSigningKey({ dataDir: dir, store: upgraded })).kid).toBe(earlierSigning.kid);
    expect(fingerprint(await loadOrCreateRedactionKey({ dataDir: dir, store: upgraded }))).toBe(
      fingerprint(earlierRedaction),
    );
    const other = dataDir();
    const joining = redisSecretStore({ redis, prefix, seedDir: other });
    expect((await loadOrCreateSigningKey({ dataDir: other, store: joining })).kid).toBe(earlierSigning.kid);
  });

  it('uses a configured key and stores none in Redis', async () => {
    const prefix = uniquePrefix('configured-keys');
    const dir = dataDir();
    const store = redisSecretStore({ redis, prefix, seedDir: dir });
    const configuredKey = 'a-configured-redaction-key-of-enough-length';
    const one = await loadOrCreateRedactionKey({ dataDir: dir, store, configuredKey });
    const two = await loadOrCreateRedactionKey({ dataDir: dataDir(), configuredKey });
    expect(fingerprint(one)).toBe(fingerprint(two));
    expect(await redis.exists(`${prefix}generated-secret:redaction-key`)).toBe(0);
  });

  it('names the Redis key, never its content, when a stored key is unusable', async () => {
    const prefix = uniquePrefix('broken-keys');
    await redis.set(`${prefix}generated-secret:signing-key.json`, '{"kty":"oct","k":"c2VjcmV0LXZhbHVl"}');
    const store = redisSecretStore({ redis, prefix });
    const attempt = loadOrCreateSigningKey({ dataDir: dataDir(), store });
    await expect(attempt).rejects.toThrow(`Redis key ${prefix}generated-secret:signing-key.json`);
    await expect(attempt).rejects.not.toThrow('c2VjcmV0LXZhbHVl');
  });
});
