export * from './change-record-state.js';
export * from './apply-change-entry.js';
