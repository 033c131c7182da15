import type { Me } from './types.js';

/** What every page receives: the signed-in person, where to render, and a polite announcer for screen readers. */
export interface PageContext {
  readonly me: Me;
  readonly main: HTMLElement;
  /** Says `message` in the live region (and shows it in the status bar). */
  announce(message: string): void;
  /** Renders the current page again (after an action). */
  refresh(): void;
}

/** A page: renders into `context.main` and may return a cleanup (timers, polling) run when the page is left. */
export type Page = (context: PageContext, params: Readonly<Record<string, string>>) => Promise<(() => void) | void>;

/** Marks a page as rendered, for tests and the render-time bench (`performance.getEntriesByName('console:rendered')`). */
export function markRendered(page: string): void {
  document.body.dataset.rendered = page;
  performance.mark('console:rendered', { detail: page });
}

/** Whether the signed-in person holds a permission (to show only the actions they may take). */
export function can(context: PageContext, permission: string): boolean {
  return context.me.permissions.includes(permission);
}
