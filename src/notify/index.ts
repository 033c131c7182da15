export * from './notification.js';
export * from './slack-notifier.js';
export * from './email-notifier.js';
export * from './routed-notifier.js';
export * from './notifier-from-config.js';
