export * from './governed-targets.js';
export * from './start-webhook-bridge.js';
