export * from './proposal-payload.js';
