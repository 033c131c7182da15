export * from './approved-states.js';
export * from './apply-approved-state-entry.js';
