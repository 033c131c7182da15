import '../evaluator/re2-engine.js';
export * from './manifest-schema.js';
export * from './manifest-jws.js';
export * from './featbit-value.js';
export * from './verify-manifest.js';
export * from './manifest-integrity-error.js';
export { ApprovedFlag } from '../core/approved-flag.js';
