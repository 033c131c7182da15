export * from './break-glass-request.js';
export * from './break-glass-state.js';
export * from './break-glass-view.js';
export * from './break-glass-service.js';
