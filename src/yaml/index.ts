export * from './located-yaml.js';
export * from './yaml-source.js';
