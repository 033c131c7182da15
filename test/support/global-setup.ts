import type { TestProject } from 'vitest/node';
import { hasRedisServerBinary, REDIS_MISSING_MESSAGE, startPrivateRedis, type PrivateRedis } from './private-redis.js';

declare module 'vitest' {
  export interface ProvidedContext {
    redisUrl: string;
    redisUnavailable: string;
  }
}

let redis: PrivateRedis | undefined;

/** Starts one private Redis for the whole run, or falls back to REDIS_URL. */
export async function setup(project: TestProject): Promise<void> {
  if (hasRedisServerBinary()) {
    redis = await startPrivateRedis();
    project.provide('redisUrl', redis.url);
    project.provide('redisUnavailable', '');
  } else if (process.env.REDIS_URL) {
    project.provide('redisUrl', process.env.REDIS_URL);
    project.provide('redisUnavailable', '');
  } else {
    project.provide('redisUrl', '');
    project.provide('redisUnavailable', REDIS_MISSING_MESSAGE);
  }
}

/** Stops the private Redis. */
export async function teardown(): Promise<void> {
  await redis?.stop();
}
