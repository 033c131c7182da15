export * from './keyed-lock.js';
export * from './lock-lease.js';
export * from './redis-lock.js';
