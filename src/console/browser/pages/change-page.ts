import { api, ApiError } from '../api.js';
import { diffTable } from '../diff-view.js';
import { h, replace } from '../dom.js';
import { formatTime, statusLabel } from '../format.js';
import { can, markRendered, type Page, type PageContext } from '../page-context.js';
import type { ActivityItem, ChangeActions, ChangeView } from '../types.js';

/** Loads what the change, release and audit pages show about one change. */
export async function loadChange(
  key: string,
): Promise<{ view: ChangeView; actions: ChangeActions; activity: ActivityItem[] }> {
  const path = `/v1/changes/${encodeURIComponent(key)}`;
  const [view, actions, activity] = await Promise.all([
    api<ChangeView>('GET', path),
    api<ChangeActions>('GET', `/v1/console/changes/${encodeURIComponent(key)}/actions`),
    api<{ items: ActivityItem[] }>('GET', `/v1/console/changes/${encodeURIComponent(key)}/activity`),
  ]);
  return { view, actions, activity: activity.items };
}

/** A definition list of label/value pairs. */
export function facts(pairs: readonly (readonly [string, string | Node])[]): HTMLElement {
  return h(
    'dl',
    { class: 'facts' },
    pairs.map(([label, value]) => [h('dt', {}, label), h('dd', {}, value)]),
  );
}

/** The change page: who asked for what, the diff of every value, requirements, reviews, and the decision buttons. */
export const changePage: Page = async (context, params) => {
  const key = params.key ?? '';
  const { view, actions, activity } = await loadChange(key);
  const edit = activity.find((item) => item.edit);
  const fired = view.requirements.firedRules ?? [];
  const classified = [...activity].reverse().find((item) => item.type === 'change.classified');
  replace(
    context.main,
    h('p', { class: 'crumbs' }, h('a', { href: '#/inbox' }, 'Inbox'), ' / ', view.key),
    h('h1', {}, view.title),
    h(
      'p',
      { class: 'lead' },
      h('span', { class: `status status-${view.status}` }, statusLabel(view.status)),
      ' ',
      h('span', { class: `tier tier-${view.tier}` }, `${view.tier} tier`),
      view.release.statusReason ? ` — ${view.release.statusReason}` : '',
    ),
    h(
      'p',
      { class: 'links' },
      h('a', { href: `#/release/${encodeURIComponent(view.key)}` }, 'Release page'),
      ' · ',
      h('a', { href: `#/audit?change=${encodeURIComponent(view.key)}` }, 'Audit trail'),
    ),
    h(
      'section',
      { 'aria-labelledby': 'who' },
      h('h2', { id: 'who' }, 'Who and where'),
      facts([
        ['Requester', view.requester],
        ['Owner', view.owner],
        ['Environment', view.record.environment],
        ['Service', view.record.service],
        ['Affected workflow', view.record.affectedWorkflow],
        ['Opened', formatTime(view.createdAt)],
        ['Version', String(view.version)],
      ]),
    ),
    edit?.edit ? interceptedEdit(edit) : null,
    h(
      'section',
      { 'aria-labelledby': 'classification' },
      h('h2', { id: 'classification' }, 'Classification'),
      h('p', {}, classified ? `${classified.actor.id} ${classified.summary}.` : `Tier ${view.tier}.`),
      fired.length > 0
        ? h(
            'ul',
            {},
            fired.map((rule) =>
              h(
                'li',
                {},
                h('strong', {}, rule.ruleId),
                ` (${rule.tier}) on ${rule.flagKey} at `,
                h('code', {}, rule.path),
                `: ${rule.explanation}`,
              ),
            ),
          )
        : h('p', {}, 'No policy rule fired; the surface’s default tier applies.'),
    ),
    h(
      'section',
      { 'aria-labelledby': 'behaviour' },
      h('h2', { id: 'behaviour' }, 'Behaviour change'),
      h('p', { class: 'prose' }, view.record.behaviourChange),
    ),
    h(
      'section',
      { 'aria-labelledby': 'values' },
      h('h2', { id: 'values' }, 'Values'),
      view.record.flags.map((flag) =>
        h(
          'div',
          { class: 'flag' },
          h('h3', {}, `${flag.key} `, h('span', { class: 'surface' }, flag.surface)),
          diffTable(flag.key, flag.baseline, flag.candidate),
          flag.rollbackValue !== undefined
            ? diffTable(`${flag.key} rollback value`, flag.baseline, flag.rollbackValue, {
                before: 'Approved (baseline)',
                after: 'Rollback value',
              })
            : null,
        ),
      ),
    ),
    h(
      'section',
      { 'aria-labelledby': 'impact' },
      h('h2', { id: 'impact' }, 'Impact'),
      facts(Object.entries(view.record.impact)),
    ),
    evidenceSection(view),
    can(context, 'evidence:attach') ? evidenceForm(context, view, actions) : null,
    approvalsSection(view),
    timeline(activity),
    decisionSection(context, view, actions),
    can(context, 'change:edit') ? withdrawSection(context, view, actions) : null,
  );
  markRendered('change');
};

function interceptedEdit(item: ActivityItem): HTMLElement {
  const edit = item.edit!;
  return h(
    'section',
    { 'aria-labelledby': 'edit', class: 'callout' },
    h('h2', { id: 'edit' }, 'Intercepted FeatBit edit'),
    h(
      'p',
      {},
      h('strong', {}, edit.operator),
      ` edited ${edit.flagKey} directly in FeatBit; featgate saw it${edit.seenAt ? ` at ${formatTime(edit.seenAt)}` : ''}${edit.source ? ` (by ${edit.source})` : ''}, restored the approved state and opened this proposal at ${formatTime(item.at)}.`,
    ),
    edit.changes.length > 0 ? h('p', {}, `What changed: ${edit.changes.join(', ')}.`) : null,
    h('p', {}, 'The edited targeting, in words:'),
    h(
      'ul',
      {},
      edit.targeting.map((line) => h('li', {}, line)),
    ),
    edit.exposure.length > 0
      ? h(
          'table',
          { class: 'compact' },
          h('caption', {}, 'Exposure verdict per variation (against the approved state)'),
          h('thead', {}, h('tr', {}, h('th', { scope: 'col' }, 'Variation'), h('th', { scope: 'col' }, 'Verdict'))),
          h(
            'tbody',
            {},
            edit.exposure.map((row) => h('tr', {}, h('td', {}, row.variation), h('td', {}, row.verdict))),
          ),
        )
      : null,
  );
}

function evidenceSection(view: ChangeView): HTMLElement {
  const required = view.requirements.evidence ?? [];
  const passed = new Set(view.evidence.filter((item) => item.result === 'passed').map((item) => item.type));
  return h(
    'section',
    { 'aria-labelledby': 'evidence' },
    h('h2', { id: 'evidence' }, 'Evidence'),
    h(
      'ul',
      { class: 'checklist' },
      required.map((requirement) => {
        const met = requirement.anyOf.some((type) => passed.has(type));
        return h(
          'li',
          { class: met ? 'met' : 'unmet' },
          h('span', { class: 'mark', 'aria-hidden': 'true' }, met ? '✓' : '○'),
          `${requirement.anyOf.join(' or ')}${requirement.phase === 'expansion' ? ' (before expansion)' : ''}: `,
          met ? 'passed' : 'missing',
        );
      }),
    ),
    view.evidence.length === 0
      ? h('p', {}, 'No evidence attached yet.')
      : h(
          'table',
          {},
          h('caption', {}, 'Attached evidence'),
          h(
            'thead',
            {},
            h(
              'tr',
              {},
              ['Type', 'Result', "featgate's check", 'Summary', 'Attached by', 'When'].map((label) =>
                h('th', { scope: 'col' }, label),
              ),
            ),
          ),
          h(
            'tbody',
            {},
            view.evidence.map((item) =>
              h(
                'tr',
                {},
                h('td', {}, item.type),
                h('td', {}, item.result),
                h('td', {}, item.reason ?? ''),
                h(
                  'td',
                  {},
                  item.link ? h('a', { href: item.link, rel: 'noreferrer noopener' }, item.summary) : item.summary,
                ),
                h('td', {}, item.attachedBy ?? view.requester),
                h('td', {}, item.at ? formatTime(item.at) : 'with the record'),
              ),
            ),
          ),
        ),
  );
}

function approvalsSection(view: ChangeView): HTMLElement {
  const required = view.requirements.approvals?.mustInclude ?? [];
  const approvers = view.reviews.filter(
    (review) => review.decision === 'approve' && view.decision.approvedBy.includes(review.reviewer),
  );
  const missing = view.decision.missing?.roles ?? [];
  const missingRoles = new Set(missing.flatMap((requirement) => requirement.anyOf.join(' or ')));
  return h(
    'section',
    { 'aria-labelledby': 'approvals' },
    h('h2', { id: 'approvals' }, 'Required approvals'),
    h(
      'p',
      {},
      `${view.decision.approvedBy.length} of ${view.requirements.approvals?.count ?? 0} distinct approval(s) given.`,
    ),
    h(
      'ul',
      { class: 'checklist' },
      required.map((requirement) => {
        const label = requirement.anyOf.join(' or ');
        const by = approvers
          .filter((review) => review.roles.some((role) => requirement.anyOf.includes(role)))
          .map((review) => review.reviewer);
        const met = !missingRoles.has(label);
        return h(
          'li',
          { class: met ? 'met' : 'unmet' },
          h('span', { class: 'mark', 'aria-hidden': 'true' }, met ? '✓' : '○'),
          h('strong', {}, label),
          requirement.reasons?.length ? ` (${requirement.reasons.join('; ')})` : '',
          met ? `: approved by ${by.join(', ') || 'a reviewer'}` : ': still needed',
        );
      }),
    ),
    missing.length > 0
      ? h(
          'p',
          { class: 'needed' },
          `Who may still approve: anyone other than ${view.requester} holding ${[...missingRoles].join(', then ')}.`,
        )
      : null,
    view.decision.reasons.length > 0
      ? h(
          'div',
          {},
          h('h3', {}, 'Still open'),
          h(
            'ul',
            {},
            view.decision.reasons.map((reason) => h('li', {}, reason)),
          ),
        )
      : h('p', {}, 'Nothing is missing.'),
  );
}

/** The review timeline: every step of the change, oldest first. */
export function timeline(activity: readonly ActivityItem[]): HTMLElement {
  return h(
    'section',
    { 'aria-labelledby': 'timeline' },
    h('h2', { id: 'timeline' }, 'Timeline'),
    h(
      'ol',
      { class: 'timeline' },
      activity.map((item) =>
        h(
          'li',
          {},
          h('time', { datetime: item.at }, formatTime(item.at)),
          ' ',
          h('strong', {}, item.actor.id),
          ` ${item.summary}`,
        ),
      ),
    ),
  );
}

function decisionSection(context: PageContext, view: ChangeView, actions: ChangeActions): HTMLElement {
  const comment = h('textarea', { id: 'review-comment', name: 'comment', rows: 3, 'aria-describedby': 'review-help' });
  const message = h('div', { id: 'review-message', role: 'alert' });
  const reason = actions.review.allowed
    ? null
    : h('p', { id: 'review-reason', class: 'reason' }, `You cannot review this change: ${actions.review.reason}`);
  const disabled = !actions.review.allowed;
  const describedBy = disabled ? 'review-reason' : 'review-help';
  const submit = async (decision: 'approve' | 'reject') => {
    replace(message);
    const now = await api<ChangeActions>('GET', `/v1/console/changes/${encodeURIComponent(view.key)}/actions`);
    if (now.version !== view.version) {
      replace(
        message,
        h(
          'p',
          { class: 'error' },
          `This change moved since you opened it (version ${view.version} is now ${now.version}); nothing was submitted. `,
        ),
        h(
          'button',
          { type: 'button', id: 'refresh-change', onclick: () => context.refresh() },
          'Refresh to see what changed',
        ),
      );
      document.getElementById('refresh-change')?.focus();
      return;
    }
    try {
      await api('POST', `/v1/changes/${encodeURIComponent(view.key)}/reviews`, { decision, comment: comment.value });
      context.announce(`${decision === 'approve' ? 'Approved' : 'Rejected'} ${view.key}.`);
      context.refresh();
    } catch (error) {
      replace(message, h('p', { class: 'error' }, error instanceof ApiError ? error.detail : String(error)));
    }
  };
  return h(
    'section',
    { 'aria-labelledby': 'decide', class: 'decide' },
    h('h2', { id: 'decide' }, 'Your decision'),
    reason,
    h('label', { for: 'review-comment' }, 'Comment (required to reject)'),
    comment,
    h(
      'p',
      { id: 'review-help', class: 'hint' },
      'Approving records your review under your name; the policy decides whether the change is approved.',
    ),
    h(
      'div',
      { class: 'buttons' },
      h(
        'button',
        {
          type: 'button',
          id: 'approve',
          class: 'primary',
          disabled,
          'aria-describedby': describedBy,
          onclick: () => void submit('approve'),
        },
        'Approve',
      ),
      h(
        'button',
        {
          type: 'button',
          id: 'reject',
          class: 'danger',
          disabled,
          'aria-describedby': describedBy,
          onclick: () => void submit('reject'),
        },
        'Reject',
      ),
    ),
    message,
  );
}

const EVIDENCE_TYPES = [
  'configDiff',
  'offlineEval',
  'securityReview',
  'policyReview',
  'shadowTraffic',
  'guardrailMetrics',
  'rollbackTest',
  'other',
];
const EVIDENCE_RESULTS = ['passed', 'failed', 'inconclusive'];

/** Attaching evidence (the API records who attached it and when; the policy decides what it satisfies). */
function evidenceForm(context: PageContext, view: ChangeView, actions: ChangeActions): HTMLElement {
  const disabled = !actions.attachEvidence.allowed;
  const field = (id: string, label: string, control: HTMLElement) =>
    h('div', { class: 'field' }, h('label', { for: id }, label), control);
  const type = h(
    'select',
    { id: 'evidence-type', name: 'type', disabled },
    EVIDENCE_TYPES.map((value) => h('option', { value }, value)),
  );
  const result = h(
    'select',
    { id: 'evidence-result', name: 'result', disabled },
    EVIDENCE_RESULTS.map((value) => h('option', { value }, value)),
  );
  const summary = h('input', {
    id: 'evidence-summary',
    name: 'summary',
    type: 'text',
    required: true,
    disabled,
    autocomplete: 'off',
  });
  const link = h('input', {
    id: 'evidence-link',
    name: 'link',
    type: 'text',
    inputmode: 'url',
    disabled,
    autocomplete: 'off',
  });
  const message = h('div', { id: 'evidence-message', role: 'alert' });
  const form = h(
    'form',
    { class: 'filters', 'aria-labelledby': 'attach-evidence' },
    field('evidence-type', 'Type', type),
    field('evidence-result', 'Result', result),
    field('evidence-summary', 'Summary', summary),
    field('evidence-link', 'Link (optional)', link),
    h(
      'button',
      {
        type: 'submit',
        id: 'attach-evidence-button',
        disabled,
        'aria-describedby': disabled ? 'evidence-reason' : undefined,
      },
      'Attach evidence',
    ),
  );
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    replace(message);
    const body = {
      type: type.value,
      result: result.value,
      summary: summary.value.trim(),
      ...(link.value.trim() ? { link: link.value.trim() } : {}),
    };
    void api('POST', `/v1/changes/${encodeURIComponent(view.key)}/evidence`, body).then(
      () => {
        context.announce(`Attached ${body.type} evidence to ${view.key}.`);
        context.refresh();
      },
      (error: unknown) =>
        replace(message, h('p', { class: 'error' }, error instanceof ApiError ? error.detail : String(error))),
    );
  });
  return h(
    'section',
    { 'aria-labelledby': 'attach-evidence' },
    h('h2', { id: 'attach-evidence' }, 'Attach evidence'),
    disabled
      ? h(
          'p',
          { id: 'evidence-reason', class: 'reason' },
          `You cannot attach evidence: ${actions.attachEvidence.reason}`,
        )
      : null,
    form,
    message,
  );
}

/** Withdrawing a change not yet released: the requester's (or an admin's) way to decline it, with a reason. */
function withdrawSection(context: PageContext, view: ChangeView, actions: ChangeActions): HTMLElement {
  const disabled = !actions.withdraw.allowed;
  const reason = h('input', { id: 'withdraw-reason', name: 'reason', type: 'text', autocomplete: 'off', disabled });
  const message = h('div', { id: 'withdraw-message', role: 'alert' });
  const withdraw = async () => {
    replace(message);
    if (!reason.value.trim()) {
      replace(message, h('p', { class: 'error' }, 'Withdrawing needs a reason.'));
      reason.focus();
      return;
    }
    try {
      await api('POST', `/v1/changes/${encodeURIComponent(view.key)}/withdraw`, { reason: reason.value.trim() });
      context.announce(`Withdrew ${view.key}.`);
      context.refresh();
    } catch (error) {
      replace(message, h('p', { class: 'error' }, error instanceof ApiError ? error.detail : String(error)));
    }
  };
  return h(
    'section',
    { 'aria-labelledby': 'withdraw' },
    h('h2', { id: 'withdraw' }, 'Withdraw'),
    disabled
      ? h('p', { id: 'withdraw-why', class: 'reason' }, `You cannot withdraw this change: ${actions.withdraw.reason}`)
      : null,
    h('label', { for: 'withdraw-reason' }, 'Why it is withdrawn'),
    reason,
    h(
      'div',
      { class: 'buttons' },
      h(
        'button',
        {
          type: 'button',
          id: 'withdraw-button',
          class: 'danger',
          disabled,
          'aria-describedby': disabled ? 'withdraw-why' : undefined,
          onclick: () => void withdraw(),
        },
        'Withdraw change',
      ),
    ),
    message,
  );
}
