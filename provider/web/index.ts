export * from './featgate-web-provider.js';
export * from '../core/gate-options.js';
export * from '../core/gate-reason.js';
export * from '../core/manifest-source.js';
export * from '../core/static-manifest-source.js';
export * from '../core/http-manifest-source.js';
export type { GateStats } from '../core/gate-core.js';
export * from '../core/manifest-high-water-mark.js';
export * from './context-manifest-source.js';
