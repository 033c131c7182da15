export * from './apply-approved-state-entry.js';
export * from './approved-states.js';
