export * from './change-activity.js';
export * from './console-actions.js';
export * from './inbox-items.js';
export * from './targeting-in-words.js';
export * from './build-console.js';
export * from './console-assets.js';
export * from './console-page.js';
export * from './console-router.js';
