export * from './review-due-items.js';
export * from './review-due-notifier.js';
