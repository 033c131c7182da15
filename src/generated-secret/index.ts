export * from './generated-secret-store.js';
export * from './redis-secret-store.js';
