import { hasRedisServerBinary, REDIS_MISSING_MESSAGE, startPrivateRedis } from '../support/private-redis.js';
import { describeRow, rows, runRow } from './fault-rows.js';

/** `npm run faults [-- <row names>]`: runs the fault matrix (see fault-rows.ts) and prints one line per row. */
if (!hasRedisServerBinary()) throw new Error(REDIS_MISSING_MESSAGE);
const only = process.argv.slice(2);
const redis = await startPrivateRedis();
try {
  for (const row of rows.filter(
    (candidate) => only.length === 0 || only.some((name) => candidate.name.includes(name)),
  )) {
    console.log(describeRow(row.name, await runRow(row, redis.url)));
  }
} finally {
  await redis.stop();
}
process.exit(0);
