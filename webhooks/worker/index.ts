export * from './bridge-ports.js';
export * from './flag-config.js';
export * from './revert-plan.js';
export * from './edit-verdict.js';
export * from './edit-fingerprint.js';
export * from './approved-state-payload.js';
export * from './find-editor.js';
export * from './reconcile-worker.js';
