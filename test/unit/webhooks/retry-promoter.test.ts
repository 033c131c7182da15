import { describe, expect, it } from 'vitest';
import { createMemoryReconcileQueue, flagJob, startRetryPromoter, TriggerSource } from '../../../webhooks/index.js';

async function eventually(check: () => boolean | Promise<boolean>): Promise<void> {
  for (let attempt = 0; attempt < 200; attempt += 1) {
    if (await check()) return;
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  throw new Error('condition not met');
}

describe('the retry promoter', () => {
  it('leaves retries waiting while FeatBit is down, and runs them the moment a probe succeeds', async () => {
    const queue = createMemoryReconcileQueue({ retry: { attempts: 5, baseDelayMs: 600_000, maxDelayMs: 600_000 } });
    let featbitUp = false;
    let probes = 0;
    const runs: string[] = [];
    await queue.start(async (job) => {
      runs.push(job.target.kind === 'flag' ? job.target.flagKey : '');
      if (!featbitUp) throw new Error('FeatBit unreachable');
    });
    const promoter = startRetryPromoter({
      queue,
      intervalMs: 60_000,
      probe: async () => {
        probes += 1;
        if (!featbitUp) throw new Error('still down');
      },
    });
    try {
      expect(await promoter.checkOnce()).toBe(0);
      expect(probes).toBe(0);
      await queue.enqueue(flagJob('env-1', 'a', TriggerSource.Webhook));
      await queue.enqueue(flagJob('env-1', 'b', TriggerSource.Webhook));
      await eventually(async () => (await queue.counts()).delayed === 2);
      expect(await promoter.checkOnce()).toBe(0);
      expect(probes).toBe(1);
      featbitUp = true;
      expect(await promoter.checkOnce()).toBe(2);
      await queue.whenIdle();
      expect(runs.sort()).toEqual(['a', 'a', 'b', 'b']);
    } finally {
      promoter.stop();
      await queue.close();
    }
  });
});
