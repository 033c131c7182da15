import type { JobQueue } from '../../src/jobs/index.js';

/**
 * Makes this process a worker that takes a job and never finishes it, printing `started <job>` then, so a test can
 * SIGKILL it mid-job and watch another worker take the job over.
 */
export async function hangOnJobs<J>(queue: JobQueue<J>): Promise<void> {
  await queue.start(async (job) => {
    process.stdout.write(`started ${JSON.stringify(job)}\n`);
    await new Promise(() => undefined);
  });
  process.stdout.write('ready\n');
}
