export * from './reconciler.js';
export * from './cluster-reconciler.js';
