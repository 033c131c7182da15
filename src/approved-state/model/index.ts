export type * from './approved-flag-state.js';
export * from './approved-state-payloads.js';
