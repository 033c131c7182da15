export * from './create-sandbox.js';
export * from './sandbox-control.js';
export * from './sandbox-identity.js';
export * from './sandbox-store.js';
export * from './fault-injector.js';
export * from './seed.js';
export * from './api-envelope.js';
export * from './webhooks/index.js';
