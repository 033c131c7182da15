export * from './job-retry-policy.js';
export * from './bullmq-connection.js';
export * from './job-queue.js';
export * from './memory-job-queue.js';
export * from './bullmq-job-queue.js';
