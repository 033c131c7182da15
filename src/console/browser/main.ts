import { api, ApiError, session } from './api.js';
import { h, replace } from './dom.js';
import { auditPage } from './pages/audit-page.js';
import { changePage } from './pages/change-page.js';
import { inboxPage } from './pages/inbox-page.js';
import { releasePage } from './pages/release-page.js';
import { signInPage } from './pages/sign-in-page.js';
import { completeOidcSignIn, signInSettings } from './oidc-sign-in.js';
import { markRendered, type Page, type PageContext } from './page-context.js';
import type { Me } from './types.js';

/** Pages by the first segment of the hash route (`#/change/<key>`, `#/audit?change=<key>`). */
const PAGES: Record<string, { page: Page; title: string; param?: string }> = {
  inbox: { page: inboxPage, title: 'Inbox' },
  change: { page: changePage, title: 'Change', param: 'key' },
  release: { page: releasePage, title: 'Release', param: 'key' },
  audit: { page: auditPage, title: 'Audit' },
};

let cleanup: (() => void) | void;
let me: Me | undefined;

function route(): { name: string; params: Record<string, string> } {
  const hash = location.hash.startsWith('#/') ? location.hash.slice(2) : 'inbox';
  const [path = 'inbox', search = ''] = hash.split('?');
  const [name = 'inbox', value] = path.split('/');
  const params: Record<string, string> = Object.fromEntries(new URLSearchParams(search));
  const known = PAGES[name];
  if (known?.param && value) params[known.param] = decodeURIComponent(value);
  return { name: known ? name : 'inbox', params };
}

function shell(user: Me | undefined): { main: HTMLElement; status: HTMLElement } {
  const app = document.getElementById('app')!;
  const main = h('main', { id: 'main', tabindex: '-1' });
  const status = h('p', { id: 'live', class: 'live', role: 'status', 'aria-live': 'polite' });
  const skip = h(
    'a',
    { class: 'skip', href: '#main', onclick: (event) => (event.preventDefault(), main.focus()) },
    'Skip to content',
  );
  const nav = user
    ? h(
        'nav',
        { 'aria-label': 'Console' },
        h(
          'ul',
          {},
          h('li', {}, h('a', { href: '#/inbox' }, 'Inbox')),
          h('li', {}, h('a', { href: '#/audit' }, 'Audit')),
        ),
      )
    : null;
  const who = user
    ? h(
        'p',
        { class: 'who' },
        'Signed in as ',
        h('strong', {}, user.id),
        ` (${user.roles.join(', ') || 'no roles'}) `,
        h(
          'button',
          { type: 'button', class: 'link', onclick: () => (session.signOut(), (me = undefined), void render()) },
          'Sign out',
        ),
      )
    : null;
  replace(
    app,
    skip,
    h('header', { class: 'top' }, h('p', { class: 'brand' }, 'featgate console'), nav, who),
    main,
    status,
  );
  return { main, status };
}

/** Renders the page the hash names, signing in first when no token is held or the API refuses it. */
async function render(): Promise<void> {
  if (typeof cleanup === 'function') cleanup();
  cleanup = undefined;
  if (!session.token()) return showSignIn();
  try {
    me ??= await api<Me>('GET', '/v1/console/me');
  } catch (error) {
    me = undefined;
    if (error instanceof ApiError && (error.status === 401 || error.status === 403)) {
      session.signOut();
      return showSignIn(error.detail);
    }
    throw error;
  }
  const { name, params } = route();
  const { main, status } = shell(me);
  const target = PAGES[name]!;
  document.title = `${target.title} · featgate console`;
  const context: PageContext = {
    me,
    main,
    announce: (message) => void (status.textContent = message),
    refresh: () => void render(),
  };
  try {
    cleanup = await target.page(context, params);
  } catch (error) {
    const detail = error instanceof ApiError ? `${error.detail} (HTTP ${error.status})` : String(error);
    replace(main, h('h1', {}, target.title), h('p', { class: 'error', role: 'alert' }, detail));
    markRendered(`${name}-error`);
  }
}

async function showSignIn(reason?: string): Promise<void> {
  const { main } = shell(undefined);
  document.title = 'Sign in · featgate console';
  const oidc = await signInSettings().catch(() => null);
  signInPage(main, reason, oidc, (token) => {
    session.signIn(token);
    me = undefined;
    void render();
  });
}

window.addEventListener('hashchange', () => {
  if (location.hash === '#main') return;
  void render();
});
void completeOidcSignIn().then(
  (idToken) => {
    if (idToken) session.signIn(idToken);
    return render();
  },
  (error: unknown) => showSignIn(error instanceof Error ? error.message : String(error)),
);
