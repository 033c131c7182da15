export * from './canonical-json.js';
export type * from './json-value.js';
