export * from './approved-state-reader.js';
export * from './governed-targets.js';
export * from './start-webhook-bridge.js';
export * from './featbit-version-probe.js';
export * from './job-routes.js';
