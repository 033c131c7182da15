export type * from './approved-flag-state.js';
export * from './record-approved-state.js';
export * from './approved-state-history.js';
