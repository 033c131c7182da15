export * from './redaction-key.js';
export * from './load-redaction-key.js';
export * from './secret-key-matcher.js';
export * from './redacted-value.js';
export * from './redact-secrets.js';
