// The Slack-compatible notifier is shared infrastructure (src/notify).
export * from '../../src/notify/slack-notifier.js';
