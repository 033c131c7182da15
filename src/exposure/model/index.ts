export * from './exposure-payloads.js';
