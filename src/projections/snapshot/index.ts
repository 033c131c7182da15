export * from './snapshot-codec.js';
export * from './snapshot-store.js';
export * from './seal-snapshot.js';
export * from './projection-snapshotter.js';
