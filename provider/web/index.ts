export * from './featgate-web-provider.js';
export * from '../shared/gate-options.js';
export * from '../shared/gate-reason.js';
export * from '../shared/manifest-source.js';
export * from '../shared/static-manifest-source.js';
export * from '../shared/http-manifest-source.js';
export type { GateStats } from '../shared/gate-core.js';
export * from '../shared/manifest-high-water-mark.js';
export * from './context-manifest-source.js';
