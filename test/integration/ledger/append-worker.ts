// Child process for the multi-process test: appends `count` entries to the Redis ledger under `prefix`.
import { ActorKind, RedisLedgerStore } from '../../../src/ledger/index.js';

const [redisUrl, prefix, worker, count] = process.argv.slice(2);
if (!redisUrl || !prefix || !worker || !count)
  throw new Error('usage: append-worker <redisUrl> <prefix> <worker> <count>');
const store = new RedisLedgerStore({ redis: redisUrl, prefix });
try {
  for (let index = 0; index < Number(count); index += 1) {
    await store.append({
      type: 'review.submitted',
      actor: { id: `worker-${worker}`, kind: ActorKind.Service },
      subject: `worker:${worker}`,
      data: { worker: Number(worker), index },
    });
  }
} finally {
  await store.close();
}
