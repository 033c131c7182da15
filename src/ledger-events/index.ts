export * from './ledger-payloads.js';
export * from './skipped-entry.js';
export * from './subjects.js';
