export * from './principal-rate-limiter.js';
