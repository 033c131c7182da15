export * from './example-app.js';
export * from './demo-edit.js';
