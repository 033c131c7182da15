import { performance } from 'node:perf_hooks';
import {
  hasRedisServerBinary,
  REDIS_MISSING_MESSAGE,
  startPrivateRedis,
  type PrivateRedis,
} from '../support/private-redis.js';

/** What every benchmark file receives: a way to print a figure and a private Redis on demand. */
export interface BenchContext {
  /** Prints one figure as one line: `<name>: <value> <unit>` plus an optional note (e.g. a ratio). */
  report(name: string, value: number, unit: string, note?: string): void;
  /** A Redis URL for this bench run (a private redis-server, else REDIS_URL). */
  redisUrl(): Promise<string>;
}

/** Measures how many times `fn` completes per second, run for about `durationMs` after a warm-up. */
export async function opsPerSecond(fn: () => unknown, durationMs = 1000, batch = 100): Promise<number> {
  const warmUntil = performance.now() + Math.min(200, durationMs / 4);
  while (performance.now() < warmUntil) for (let i = 0; i < batch; i += 1) await fn();
  let count = 0;
  const start = performance.now();
  let elapsed = 0;
  while (elapsed < durationMs) {
    for (let i = 0; i < batch; i += 1) await fn();
    count += batch;
    elapsed = performance.now() - start;
  }
  return (count * 1000) / elapsed;
}

/** Returns the p-th percentile (0..100) of the samples. */
export function percentile(samples: number[], p: number): number {
  if (samples.length === 0) return Number.NaN;
  const sorted = [...samples].sort((a, b) => a - b);
  const index = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[index]!;
}

/** Creates the context shared by every benchmark file in one run. */
export function createBenchContext(): BenchContext & { close(): Promise<void> } {
  let redis: Promise<PrivateRedis> | undefined;
  return {
    report(name, value, unit, note) {
      const shown = Number.isInteger(value) ? String(value) : value.toFixed(value >= 100 ? 0 : 3);
      console.log(`${name}: ${shown} ${unit}${note ? ` (${note})` : ''}`);
    },
    async redisUrl() {
      if (hasRedisServerBinary()) {
        redis ??= startPrivateRedis();
        return (await redis).url;
      }
      if (process.env.REDIS_URL) return process.env.REDIS_URL;
      throw new Error(REDIS_MISSING_MESSAGE);
    },
    async close() {
      if (redis) await (await redis).stop();
    },
  };
}
