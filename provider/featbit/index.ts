export * from './featbit-server-provider.js';
export * from './indexed-flag-store.js';
export * from './featbit-user.js';
