export * from './change-view.js';
export type * from './governance-workflow.js';
export * from './keyed-lock.js';
export * from './redis-lock.js';
export * from './request-schemas.js';
export * from './stage-targeting.js';
export * from './variation-values.js';
