// Notifications are shared infrastructure (src/notify); the bridge sends them like every other feature.
export * from '../../src/notify/notification.js';
