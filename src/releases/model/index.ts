export * from './release-payloads.js';
