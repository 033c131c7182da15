import { Gauge, type Registry } from 'prom-client';
import type { ReconcileQueue } from './reconcile-queue.js';

/**
 * Registers `featgate_reconcile_jobs{state}` on `registry`: waiting, active, delayed (retry backoff) and failed
 * jobs, read from the queue at scrape time, so jobs that keep failing are visible on dashboards and alerts.
 */
export function registerQueueMetrics(queue: ReconcileQueue, registry: Registry): Gauge<'state'> {
  return new Gauge({
    name: 'featgate_reconcile_jobs',
    help: 'Reconcile jobs by state (failed jobs are kept until retried)',
    labelNames: ['state'],
    registers: [registry],
    async collect() {
      const counts = await queue.counts();
      for (const [state, value] of Object.entries(counts)) this.set({ state }, value);
    },
  });
}
