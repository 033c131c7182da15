import type { Notification, NotificationKind, Notifier } from './notification.js';

/** One place notifications go, and which of them: by the roles they concern and by kind. */
export interface NotificationRoute {
  readonly notifier: Notifier;
  /** Only notifications for one of these roles (a notification naming no role reaches every route). */
  readonly roles?: readonly string[];
  /** Only these kinds. */
  readonly kinds?: readonly NotificationKind[];
}

/** Whether a route takes a notification: its kinds allow it, and it names no roles or shares one with it. */
export function routeTakes(route: NotificationRoute, notification: Notification): boolean {
  if (route.kinds && !route.kinds.includes(notification.kind)) return false;
  if (!route.roles || route.roles.length === 0 || !notification.roles || notification.roles.length === 0) return true;
  return notification.roles.some((role) => route.roles!.includes(role));
}

/** Sends each notification to every route that takes it, in parallel; one failing route never stops the others. */
export function createRoutedNotifier(routes: readonly NotificationRoute[]): Notifier {
  return {
    async notify(notification) {
      await Promise.all(
        routes
          .filter((route) => routeTakes(route, notification))
          .map((route) => route.notifier.notify(notification).catch(() => undefined)),
      );
    },
  };
}
