export * from './receiver/index.js';
export * from './queue/index.js';
