export * from './guardrail-evaluation.js';
export * from './signals-request.js';
export * from './guardrail-service.js';
export * from './arm-summary.js';
export * from './sequential-test.js';
export * from './comparison-look.js';
export * from './telemetry-request.js';
export * from './telemetry-state.js';
