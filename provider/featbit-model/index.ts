export * from './variation-type.js';
export * from './segment-condition-property.js';
export type * from './featbit-flag.js';
export type * from './featbit-segment.js';
