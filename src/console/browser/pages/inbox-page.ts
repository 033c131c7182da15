import { api, queryString } from '../api.js';
import { h, replace } from '../dom.js';
import { formatTime, statusLabel } from '../format.js';
import { markRendered, type Page } from '../page-context.js';

interface InboxItem {
  readonly key: string;
  readonly title: string;
  readonly status: string;
  readonly tier: string;
  readonly owner: string;
  readonly requester: string;
  readonly environment: string;
  readonly flags: readonly string[];
  readonly waitingOnMe: boolean;
  readonly missingRoles: readonly string[];
  readonly updatedAt: string;
}

interface Inbox {
  readonly items: readonly InboxItem[];
  readonly counts: Readonly<Record<string, number>>;
  readonly waitingOnMe: number;
  readonly choices: { environments: readonly string[]; owners: readonly string[]; flags: readonly string[] };
}

const STATUSES = ['proposed', 'approved', 'rejected', 'releasing', 'held', 'rolled-back', 'completed', 'withdrawn'];
const TIERS = ['low', 'medium', 'high', 'restricted'];
const FILTERS = ['status', 'tier', 'flag', 'owner', 'environment', 'waitingOnMe'] as const;
/** How often the inbox looks for changes that moved. */
const POLL_MS = 4000;

function href(filters: Record<string, string | undefined>): string {
  return `#/inbox${queryString(filters)}`;
}

/** The inbox: changes by status, filters, and "waiting for me"; it follows changes as they move. */
export const inboxPage: Page = async (context, params) => {
  const filters: Record<string, string | undefined> = Object.fromEntries(FILTERS.map((name) => [name, params[name]]));
  const load = () => api<Inbox>('GET', `/v1/console/inbox${queryString(filters)}`);
  let inbox = await load();
  const region = h('div', {});
  const draw = () => replace(region, tabs(inbox, filters), filterForm(inbox, filters), table(inbox));
  draw();
  replace(context.main, h('h1', {}, 'Inbox'), region);
  markRendered('inbox');
  let last = JSON.stringify(inbox);
  const timer = setInterval(() => {
    void load()
      .then((next) => {
        const text = JSON.stringify(next);
        if (text === last) return;
        last = text;
        inbox = next;
        const focused = document.activeElement?.id;
        draw();
        if (focused) document.getElementById(focused)?.focus();
        context.announce(
          `Inbox updated at ${formatTime(new Date().toISOString())}: ${next.items.length} change(s) shown`,
        );
      })
      .catch(() => undefined);
  }, POLL_MS);
  return () => clearInterval(timer);
};

function tabs(inbox: Inbox, filters: Record<string, string | undefined>): HTMLElement {
  const total = Object.values(inbox.counts).reduce((sum, count) => sum + count, 0);
  const link = (label: string, count: number, next: Record<string, string | undefined>, current: boolean) =>
    h('li', {}, h('a', { href: href(next), 'aria-current': current ? 'page' : undefined }, `${label} (${count})`));
  const base = { ...filters, status: undefined, waitingOnMe: undefined };
  return h(
    'nav',
    { 'aria-label': 'Change status', class: 'tabs' },
    h(
      'ul',
      {},
      link('Waiting for me', inbox.waitingOnMe, { ...base, waitingOnMe: 'true' }, filters.waitingOnMe === 'true'),
      link('All', total, base, !filters.status && filters.waitingOnMe !== 'true'),
      STATUSES.map((status) =>
        link(statusLabel(status), inbox.counts[status] ?? 0, { ...base, status }, filters.status === status),
      ),
    ),
  );
}

function select(name: string, label: string, options: readonly string[], value: string | undefined): HTMLElement {
  const id = `filter-${name}`;
  return h(
    'div',
    { class: 'field' },
    h('label', { for: id }, label),
    h(
      'select',
      { id, name },
      h('option', { value: '' }, 'any'),
      options.map((option) => h('option', { value: option, selected: option === value }, option)),
    ),
  );
}

function filterForm(inbox: Inbox, filters: Record<string, string | undefined>): HTMLElement {
  const form = h(
    'form',
    { class: 'filters', 'aria-label': 'Filters' },
    select('tier', 'Tier', TIERS, filters.tier),
    select('flag', 'Flag', inbox.choices.flags, filters.flag),
    select('owner', 'Owner', inbox.choices.owners, filters.owner),
    select('environment', 'Environment', inbox.choices.environments, filters.environment),
    h(
      'div',
      { class: 'field check' },
      h('input', {
        type: 'checkbox',
        id: 'filter-waitingOnMe',
        name: 'waitingOnMe',
        value: 'true',
        checked: filters.waitingOnMe === 'true',
      }),
      h('label', { for: 'filter-waitingOnMe' }, 'Waiting for me'),
    ),
    h('button', { type: 'submit' }, 'Apply filters'),
  );
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    const data = new FormData(form);
    const next: Record<string, string | undefined> = { status: filters.status };
    for (const name of ['tier', 'flag', 'owner', 'environment', 'waitingOnMe'])
      next[name] = (data.get(name) as string | null) || undefined;
    location.hash = href(next);
  });
  return form;
}

function table(inbox: Inbox): HTMLElement {
  if (inbox.items.length === 0) return h('p', { class: 'empty' }, 'No change matches these filters.');
  const head = ['Change', 'Status', 'Tier', 'Flags', 'Owner', 'Requester', 'Environment', 'Still needs', 'Updated'];
  return h(
    'table',
    { class: 'inbox' },
    h('caption', {}, `${inbox.items.length} change(s)`),
    h(
      'thead',
      {},
      h(
        'tr',
        {},
        head.map((label) => h('th', { scope: 'col' }, label)),
      ),
    ),
    h(
      'tbody',
      {},
      inbox.items.map((item) =>
        h(
          'tr',
          { class: item.waitingOnMe ? 'mine' : undefined },
          h(
            'th',
            { scope: 'row' },
            h('a', { href: `#/change/${encodeURIComponent(item.key)}`, id: `change-link-${item.key}` }, item.title),
            h('span', { class: 'key' }, item.key),
            item.waitingOnMe ? h('span', { class: 'badge' }, 'waiting for you') : null,
          ),
          h('td', {}, h('span', { class: `status status-${item.status}` }, statusLabel(item.status))),
          h('td', {}, h('span', { class: `tier tier-${item.tier}` }, item.tier)),
          h('td', {}, item.flags.join(', ')),
          h('td', {}, item.owner),
          h('td', {}, item.requester),
          h('td', { class: 'env' }, item.environment),
          h('td', {}, item.missingRoles.join(', ') || '—'),
          h('td', {}, formatTime(item.updatedAt)),
        ),
      ),
    ),
  );
}
