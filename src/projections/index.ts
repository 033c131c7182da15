export * from './ledger-projection.js';
export * from './ledger-projections.js';
export * from './snapshot/index.js';
export * from './workflow-context.js';
