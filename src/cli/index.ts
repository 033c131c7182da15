export * from './exit-code.js';
export * from './main.js';
export * from './program.js';
