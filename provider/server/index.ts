export * from './featgate-server-provider.js';
export * from './file-manifest-source.js';
export * from './file-high-water-mark.js';
