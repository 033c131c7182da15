export * from './prometheus-client.js';
export * from './prometheus-puller.js';
export * from './prometheus-template-config.js';
export * from './prometheus-template.js';
