export * from './import-promptfoo.js';
export * from './promptfoo-output.js';
