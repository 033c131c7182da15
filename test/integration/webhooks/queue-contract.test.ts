import { createBullmqReconcileQueue, createMemoryReconcileQueue } from '../../../webhooks/index.js';
import { testRedisUrl, uniquePrefix } from '../../support/redis.js';
import { describeQueueContract } from './queue-contract.js';

describeQueueContract('in-process', (retry) => createMemoryReconcileQueue({ retry, concurrency: 4 }));

describeQueueContract('BullMQ', (retry) =>
  createBullmqReconcileQueue({ redisUrl: testRedisUrl(), prefix: uniquePrefix('queue'), retry, concurrency: 4 }),
);
