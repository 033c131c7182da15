export * from './delayed-job-queue.js';
export * from './exposure-job-queue.js';
export * from './exposure-scheduler.js';
