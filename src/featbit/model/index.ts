export * from './flag.js';
export * from './segment.js';
export * from './sdk-payload.js';
export * from './webhook-event.js';
export * from './json-bounds.js';
