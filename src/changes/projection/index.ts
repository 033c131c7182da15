export * from './apply-change-entry.js';
export * from './change-record-loader.js';
export * from './change-record-outline.js';
export * from './change-record-state.js';
