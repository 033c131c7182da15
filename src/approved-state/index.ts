export type * from './approved-flag-state.js';
