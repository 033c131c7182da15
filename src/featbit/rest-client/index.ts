export * from './api-types.js';
export * from './featbit-api-error.js';
export * from './featbit-rest-client.js';
export * from './flag-permission.js';
export * from './rest-client-options.js';
export * from './http-retry-policy.js';
export * from './adaptive-limit.js';
export * from './update-flag-with-revision.js';
