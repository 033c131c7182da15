export * from './notification.js';
export * from './slack-notifier.js';
