export * from './approved-state-history.js';
export * from './approved-state-response.js';
export * from './record-approved-state.js';
