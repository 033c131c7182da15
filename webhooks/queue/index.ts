export * from './reconcile-job.js';
export * from './reconcile-queue.js';
export * from './queue-metrics.js';
export * from './retry-promoter.js';
export * from './permanent-failure.js';
