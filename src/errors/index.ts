export * from './featgate-error.js';
export * from './validation-error.js';
export * from './simple-errors.js';
export * from './zod-issues.js';
export * from './problem-response.js';
