export * from './guardrail-evaluation.js';
export * from './signals-request.js';
export * from './guardrail-service.js';
