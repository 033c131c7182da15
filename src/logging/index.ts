export * from './logger.js';
export * from './connection-error-log.js';
