import { api, ApiError, queryString } from '../api.js';
import { h, replace } from '../dom.js';
import { formatTime } from '../format.js';
import { can, markRendered, type Page } from '../page-context.js';

interface LedgerEntry {
  readonly seq: number;
  readonly type: string;
  readonly at: string;
  readonly actor: { id: string; kind: string; roles?: string[] };
  readonly subject: string;
  readonly data: Record<string, unknown>;
  readonly hash: string;
}

type Verification =
  | { ok: true; entries: number; head: string; tornTail: boolean }
  | { ok: false; entries: number; problem: { seq: number; kind: string; detail: string } };

const FILTERS = ['change', 'flag', 'actor', 'type'] as const;
const PAGE_SIZE = 200;

/** The audit page: ledger entries for a change, a flag, an actor or overall, with the result of verifying the chain. */
export const auditPage: Page = async (context, params) => {
  const filters: Record<string, string | undefined> = Object.fromEntries(FILTERS.map((name) => [name, params[name]]));
  const rows = h('tbody', {});
  const more = h('div', {});
  const verifyResult = h('div', { id: 'verify-result', role: 'status' });
  const loadPage = async (afterSeq: number) => {
    const page = await api<{ entries: LedgerEntry[]; nextAfterSeq: number | null }>(
      'GET',
      `/v1/audit${queryString({ ...filters, afterSeq: String(afterSeq), limit: String(PAGE_SIZE) })}`,
    );
    for (const entry of page.entries) rows.append(entryRow(entry));
    replace(
      more,
      page.nextAfterSeq === null
        ? null
        : h(
            'button',
            {
              type: 'button',
              id: 'load-more',
              onclick: () =>
                void loadPage(page.nextAfterSeq!).then(() => document.getElementById('load-more')?.focus()),
            },
            'Load more entries',
          ),
    );
    return page.entries.length;
  };
  const verify = async () => {
    try {
      const result = await api<Verification>('GET', '/v1/audit/verify');
      replace(
        verifyResult,
        result.ok
          ? h(
              'p',
              { class: 'ok' },
              `Verified: ${result.entries} entries, every hash and link intact (head ${result.head.slice(0, 16)}…).`,
            )
          : h(
              'p',
              { class: 'error' },
              `Verification failed at entry ${result.problem.seq}: ${result.problem.kind}, ${result.problem.detail}`,
            ),
      );
    } catch (error) {
      replace(verifyResult, h('p', { class: 'error' }, error instanceof ApiError ? error.detail : String(error)));
    }
  };
  const scope = filters.change
    ? `change ${filters.change}`
    : filters.flag
      ? `flag ${filters.flag}`
      : filters.actor
        ? `actor ${filters.actor}`
        : 'the whole ledger';
  const count = await loadPage(0);
  replace(
    context.main,
    h(
      'p',
      { class: 'crumbs' },
      h('a', { href: '#/inbox' }, 'Inbox'),
      filters.change
        ? [' / ', h('a', { href: `#/change/${encodeURIComponent(filters.change)}` }, filters.change)]
        : null,
      ' / audit',
    ),
    h('h1', {}, `Audit: ${scope}`),
    filterForm(filters),
    can(context, 'audit:verify')
      ? h(
          'div',
          { class: 'buttons' },
          h('button', { type: 'button', id: 'verify', onclick: () => void verify() }, 'Verify the ledger'),
        )
      : h('p', { class: 'hint' }, 'Verifying the ledger needs the audit:verify permission.'),
    verifyResult,
    count === 0
      ? h('p', { class: 'empty' }, 'No ledger entry matches.')
      : h(
          'table',
          { class: 'audit' },
          h('caption', {}, `Ledger entries for ${scope}, oldest first`),
          h(
            'thead',
            {},
            h(
              'tr',
              {},
              ['Seq', 'Time', 'Event', 'Actor', 'Subject', 'Details'].map((label) => h('th', { scope: 'col' }, label)),
            ),
          ),
          rows,
        ),
    more,
  );
  if (can(context, 'audit:verify')) await verify();
  markRendered('audit');
};

function entryRow(entry: LedgerEntry): HTMLElement {
  return h(
    'tr',
    {},
    h('td', {}, String(entry.seq)),
    h('td', {}, h('time', { datetime: entry.at }, formatTime(entry.at))),
    h('td', {}, h('code', {}, entry.type)),
    h(
      'td',
      {},
      `${entry.actor.id} (${entry.actor.kind}${entry.actor.roles?.length ? `: ${entry.actor.roles.join(', ')}` : ''})`,
    ),
    h('td', { class: 'subject' }, entry.subject),
    h(
      'td',
      {},
      h('details', {}, h('summary', {}, summaryOf(entry)), h('pre', {}, JSON.stringify(entry.data, null, 2))),
    ),
  );
}

function summaryOf(entry: LedgerEntry): string {
  const data = entry.data;
  for (const name of ['reason', 'status', 'tier', 'metric'])
    if (typeof data[name] === 'string') return `${name}: ${String(data[name]).slice(0, 120)}`;
  const review = data.review as { decision?: string } | undefined;
  if (review?.decision) return `decision: ${review.decision}`;
  return 'entry data';
}

function filterForm(filters: Record<string, string | undefined>): HTMLElement {
  const form = h(
    'form',
    { class: 'filters', 'aria-label': 'Audit filters' },
    FILTERS.map((name) =>
      h(
        'div',
        { class: 'field' },
        h('label', { for: `audit-${name}` }, name),
        h('input', { id: `audit-${name}`, name, type: 'text', value: filters[name] ?? '' }),
      ),
    ),
    h('button', { type: 'submit' }, 'Show entries'),
  );
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    const data = new FormData(form);
    location.hash = `#/audit${queryString(Object.fromEntries(FILTERS.map((name) => [name, ((data.get(name) as string | null) ?? '').trim() || undefined])))}`;
  });
  return form;
}
