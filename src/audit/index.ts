export * from './audit-routes.js';
export * from './audit-service.js';
