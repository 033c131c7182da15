export * from './config-schema.js';
export * from './config-error.js';
export * from './env-variables.js';
export * from './load-config.js';
