import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import {
  createBullmqJobQueue,
  createMemoryJobQueue,
  ExhaustedJobs,
  RepeatTrigger,
  type JobQueue,
} from '../../../src/jobs/index.js';
import { testRedisUrl, uniquePrefix } from '../../support/redis.js';
import { contractJob, contractOptions, type ContractJob } from './contract-job.js';
import { describeJobQueueContract, eventually } from './job-queue-contract.js';

const fixture = fileURLToPath(new URL('./fixtures/hanging-job-worker.ts', import.meta.url));

describeJobQueueContract('in-process', (options) => createMemoryJobQueue(options));

describeJobQueueContract('BullMQ', (options) =>
  createBullmqJobQueue({ ...options, redisUrl: testRedisUrl(), prefix: uniquePrefix('jobs'), queueName: 'contract' }),
);

describe('BullMQ job queue when a worker process is killed mid-job', () => {
  const queues: JobQueue<ContractJob>[] = [];
  afterEach(async () => {
    await Promise.all(queues.splice(0).map((queue) => queue.close()));
  });

  it.each([
    { repeat: RepeatTrigger.RunAgain, exhausted: ExhaustedJobs.Keep, notes: ['first', 'during'] },
    { repeat: RepeatTrigger.Ignore, exhausted: ExhaustedJobs.Drop, notes: ['first'] },
  ])(
    'loses nothing ($repeat, $exhausted): another worker takes the job over, then what arrived meanwhile',
    async ({ repeat, exhausted, notes }) => {
      const redisUrl = testRedisUrl();
      const prefix = uniquePrefix('jobs-crash');
      const open = (tuning: { lockDurationMs?: number; stalledIntervalMs?: number } = {}): JobQueue<ContractJob> => {
        const queue = createBullmqJobQueue({
          ...contractOptions(repeat, exhausted),
          ...tuning,
          redisUrl,
          prefix,
          queueName: 'contract',
        });
        queues.push(queue);
        return queue;
      };
      const producer = open();
      await producer.enqueue(contractJob('a', 'first'));

      const child = spawn(process.execPath, ['--conditions=featgate-source', '--import', 'tsx', fixture], {
        env: { ...process.env, REDIS_URL: redisUrl, QUEUE_PREFIX: prefix, REPEAT: repeat, EXHAUSTED: exhausted },
        stdio: ['ignore', 'pipe', 'inherit'],
      });
      let output = '';
      child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')));
      await eventually(() => output.includes('started '), 15_000);
      expect((await producer.counts()).active).toBe(1);
      expect((await producer.enqueue(contractJob('a', 'during'))).coalesced).toBe(true);

      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGKILL');
      await exited;

      const runs: ContractJob[] = [];
      const survivor = open({ lockDurationMs: 1000, stalledIntervalMs: 300 });
      await survivor.start(async (job) => void runs.push(job));
      await eventually(() => runs.length === notes.length, 15_000);
      await survivor.whenIdle();
      expect(runs.map((job) => job.note)).toEqual(notes);
      expect(await survivor.counts()).toEqual({ waiting: 0, active: 0, delayed: 0, failed: 0 });
    },
  );
});
