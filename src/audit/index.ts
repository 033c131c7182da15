export * from './audit-routes.js';
export * from './audit-service.js';
export type * from './audit-workflow.js';
export * from './audit-query.js';
