export * from './api-client.js';
export * from './api-problem-error.js';
export * from './client-from-options.js';
export * from './read-body-file.js';
export * from './run-api-command.js';
