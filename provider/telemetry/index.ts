export * from './outcome-metrics.js';
export * from './telemetry-buffer.js';
export * from './telemetry-recorder.js';
export * from './telemetry-hook.js';
export * from './tracking-provider.js';
export * from './gate-manifest-version.js';
