export * from './stream-trigger.js';
