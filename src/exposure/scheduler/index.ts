export * from './delayed-job-queue.js';
export * from './timer-delayed-queue.js';
export * from './bullmq-delayed-queue.js';
export * from './exposure-scheduler.js';
