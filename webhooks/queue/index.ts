export * from './reconcile-job.js';
export * from './job-queue.js';
export * from './memory-job-queue.js';
export * from './bullmq-job-queue.js';
export * from './queue-metrics.js';
export * from './retry-promoter.js';
export * from './permanent-failure.js';
