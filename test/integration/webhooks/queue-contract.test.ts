import { createBullmqJobQueue, createMemoryJobQueue } from '../../../webhooks/index.js';
import { testRedisUrl, uniquePrefix } from '../../support/redis.js';
import { describeQueueContract } from './queue-contract.js';

describeQueueContract('in-process', (retry) => createMemoryJobQueue({ retry, concurrency: 4 }));

describeQueueContract('BullMQ', (retry) =>
  createBullmqJobQueue({ redisUrl: testRedisUrl(), prefix: uniquePrefix('queue'), retry, concurrency: 4 }),
);
