export * from './receiver/index.js';
export * from './queue/index.js';
export * from './worker/index.js';
export * from './reconciler/index.js';
export * from './bridge/index.js';
export * from './stream/index.js';
