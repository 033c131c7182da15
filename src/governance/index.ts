export * from './governance-service.js';
export type * from './governance-workflow.js';
