export * from './adopt-service.js';
export * from './adoption-routes.js';
export type * from './adoption-workflow.js';
export * from './adopt-request.js';
