export * from './reconciler.js';
