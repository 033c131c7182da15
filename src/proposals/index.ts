export * from './proposal-plan.js';
export * from './proposal-service.js';
