import { randomUUID } from 'node:crypto';
import { inject } from 'vitest';

/** The URL of the test run's Redis; fails the calling test with what to install when there is none. */
export function testRedisUrl(): string {
  const missing = inject('redisUnavailable');
  if (missing) throw new Error(missing);
  return inject('redisUrl');
}

/** A key prefix no other test uses, so tests sharing one Redis never see each other's keys. */
export function uniquePrefix(label: string): string {
  return `test:${label}:${randomUUID().slice(0, 8)}:`;
}
