export * from './service-actors.js';
export * from './guardrails/index.js';
export * from './prometheus/index.js';
export * from './break-glass/index.js';
export * from './review-due/index.js';
export * from './scheduler/index.js';
export * from './exposure-service.js';
export * from './start-exposure.js';
