import { percentile, type BenchContext } from './bench-context.js';
import { rows, runRow, type RowResult } from '../faults/fault-rows.js';

/** The rows whose restore time after the fault clears the issue asks for, next to the plain baseline row. */
const MEASURED = ['featbit-503-10s', 'worker-killed-9', 'redis-crash-10s-aof'];

/**
 * Edit-to-restore after a fault clears: FeatBit answering 503 for 10 s (edits made while retries wait), a killed
 * second `serve` process holding jobs and flag locks, and a Redis crash with AOF. Each p99 is reported against the
 * baseline row's p99 measured in the same run; lost edits are reported too (any is a bug).
 */
export async function run(ctx: BenchContext): Promise<void> {
  const redisUrl = await ctx.redisUrl();
  const run = async (name: string): Promise<RowResult> =>
    runRow(
      rows.find((row) => row.name === name)!,
      redisUrl,
    );
  const baseline = await run('baseline');
  const baselineP99 = percentile(baseline.restoreMs, 99);
  ctx.report('fault baseline restore p99', baselineP99, 'ms', `20 edits, ${baseline.lost} lost`);
  for (const name of MEASURED) {
    const result = await run(name);
    const p99 = percentile(result.restoreMs, 99);
    ctx.report(
      `fault ${name} restore p99 after it clears`,
      p99,
      'ms',
      `${(p99 / baselineP99).toFixed(2)}x the baseline p99; ${result.lost} lost, ${result.loops} loops`,
    );
  }
}
