export * from './job-retry-policy.js';
export * from './bullmq-connection.js';
export type * from './delayed-job-queue.js';
export * from './timer-delayed-queue.js';
export * from './bullmq-delayed-queue.js';
