export * from './payloads/index.js';
export * from './skipped-entry.js';
export * from '../changes/projection/index.js';
export * from '../approved-state/projection/index.js';
export * from './ledger-projection.js';
export * from './snapshot/index.js';
