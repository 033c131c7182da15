import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import {
  createBullmqReconcileQueue,
  flagJob,
  TriggerSource,
  type ReconcileQueue,
  type ReconcileJob,
} from '../../../webhooks/index.js';
import { testRedisUrl, uniquePrefix } from '../../support/redis.js';
import { eventually } from './queue-contract.js';

const fixture = fileURLToPath(new URL('./fixtures/hanging-worker.ts', import.meta.url));

describe('BullMQ queue when a worker process is killed mid-job', () => {
  const queues: ReconcileQueue[] = [];
  afterEach(async () => {
    await Promise.all(queues.splice(0).map((queue) => queue.close()));
  });

  it('loses nothing: another worker takes the job over, then runs the trigger that arrived meanwhile', async () => {
    const redisUrl = testRedisUrl();
    const prefix = uniquePrefix('crash');
    const producer = createBullmqReconcileQueue({ redisUrl, prefix });
    queues.push(producer);
    await producer.enqueue(flagJob('env-1', 'prompt', TriggerSource.Webhook, { operator: 'alice' }));

    const child = spawn(process.execPath, ['--conditions=featgate-source', '--import', 'tsx', fixture], {
      env: { ...process.env, REDIS_URL: redisUrl, QUEUE_PREFIX: prefix },
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')));
    await eventually(() => output.includes('started '), 15_000);
    expect((await producer.counts()).active).toBe(1);
    const during = await producer.enqueue(flagJob('env-1', 'prompt', TriggerSource.Webhook, { operator: 'bob' }));
    expect(during.coalesced).toBe(true);

    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGKILL');
    await exited;

    const runs: ReconcileJob[] = [];
    const survivor = createBullmqReconcileQueue({ redisUrl, prefix, lockDurationMs: 1000, stalledIntervalMs: 300 });
    queues.push(survivor);
    await survivor.start(async (job) => void runs.push(job));
    await eventually(() => runs.length === 2, 15_000);
    await survivor.whenIdle();
    expect(runs.map((job) => job.operator)).toEqual(['alice', 'bob']);
    expect(await survivor.counts()).toEqual({ waiting: 0, active: 0, delayed: 0, failed: 0 });
  });
});
