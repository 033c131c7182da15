export * from './change-payloads.js';
