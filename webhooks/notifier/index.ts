export * from './notification.js';
export * from './slack-notifier.js';
export * from './approval-notifications.js';
