import { api, ApiError } from '../api.js';
import { metricChart } from '../chart.js';
import { h, replace } from '../dom.js';
import { durationMs, formatDuration, formatTime, statusLabel } from '../format.js';
import { can, markRendered, type Page, type PageContext } from '../page-context.js';
import type { ActionState, ActivityItem, ChangeView } from '../types.js';
import { facts, loadChange, timeline } from './change-page.js';

interface GuardrailStatus {
  readonly conditions: readonly {
    metric: string;
    operator: string;
    threshold: number;
    action: string;
    window: string | null;
    state: string;
    latest: { value: number; observedAt: string; source: string } | null;
  }[];
}

interface BreakGlassUse {
  readonly id: string;
  readonly flagKey: string;
  readonly status: string;
  readonly reason: string;
  readonly usedBy: string;
  readonly usedAt: string;
  readonly expiresAt: string;
  readonly postReviewDueBy: string;
  readonly postReviewOverdue: boolean;
}

/** The release page: stages and where the ramp stands, guardrails over time, and the release owner's actions. */
export const releasePage: Page = async (context, params) => {
  const key = params.key ?? '';
  const path = `/v1/changes/${encodeURIComponent(key)}`;
  const [{ view, actions, activity }, guardrails, breakGlass] = await Promise.all([
    loadChange(key),
    api<GuardrailStatus>('GET', `${path}/guardrails`),
    api<{ items: BreakGlassUse[] }>('GET', '/v1/break-glass'),
  ]);
  const countdown = h('span', { id: 'countdown' });
  const tick = stageClock(view, activity, countdown);
  const flags = new Set(view.record.flags.map((flag) => flag.key));
  const uses = breakGlass.items.filter((use) => flags.has(use.flagKey));
  replace(
    context.main,
    h(
      'p',
      { class: 'crumbs' },
      h('a', { href: '#/inbox' }, 'Inbox'),
      ' / ',
      h('a', { href: `#/change/${encodeURIComponent(key)}` }, view.key),
      ' / release',
    ),
    h('h1', {}, `Release: ${view.title}`),
    banner(view),
    facts([
      ['Status', statusLabel(view.status)],
      ['Tier', view.tier],
      ['Decision owner', view.record.release.decisionOwner],
      [
        'Applied',
        view.release.stageIndex === null
          ? 'no stage yet'
          : `stage ${view.release.stageIndex + 1} of ${view.release.stageCount}`,
      ],
    ]),
    stagesSection(view, countdown),
    guardrailSection(view, guardrails, activity),
    actionsSection(context, view, actions),
    uses.length > 0 ? breakGlassSection(uses) : null,
    view.record.release.rollback
      ? h(
          'section',
          { 'aria-labelledby': 'rollback-plan' },
          h('h2', { id: 'rollback-plan' }, 'Rollback plan'),
          facts([
            ['Plan', view.record.release.rollback.plan],
            ['Fallback behaviour', view.record.release.rollback.fallbackBehaviour],
          ]),
        )
      : null,
    timeline(
      activity.filter(
        (item) =>
          item.type.startsWith('release.') ||
          item.type.startsWith('guardrail.') ||
          item.type === 'change.status-changed',
      ),
    ),
  );
  markRendered('release');
  const timer = setInterval(tick, 1000);
  const follow = setInterval(() => void followChange(context, view), FOLLOW_MS);
  return () => {
    clearInterval(timer);
    clearInterval(follow);
  };
};

/** How often the release page looks whether the change moved (a stage, a guardrail hold, a rollback). */
const FOLLOW_MS = 3000;

/**
 * Renders the page again when the change moved, so a hold or rollback by a guardrail shows without a reload;
 * while the person is typing a reason it only says so, and leaves their text alone.
 */
async function followChange(context: PageContext, view: ChangeView): Promise<void> {
  const now = await api<{ version: number }>(
    'GET',
    `/v1/console/changes/${encodeURIComponent(view.key)}/actions`,
  ).catch(() => undefined);
  if (!now || now.version === view.version) return;
  const reason = document.getElementById('release-reason') as HTMLInputElement | null;
  if (reason && (reason.value !== '' || document.activeElement === reason)) {
    context.announce(`${view.key} moved since this page was drawn; refresh to see it.`);
    return;
  }
  context.announce(`${view.key} moved; the page shows its new state.`);
  context.refresh();
}

function banner(view: ChangeView): HTMLElement | null {
  if (view.status === 'held')
    return h(
      'p',
      { class: 'banner held', role: 'status' },
      h('strong', {}, 'Release held'),
      `: ${view.release.statusReason ?? 'no reason given'}`,
    );
  if (view.status === 'rolled-back')
    return h(
      'p',
      { class: 'banner rolled-back', role: 'status' },
      h('strong', {}, 'Rolled back'),
      `: ${view.release.statusReason ?? 'no reason given'}`,
    );
  if (view.status === 'completed')
    return h('p', { class: 'banner done', role: 'status' }, h('strong', {}, 'Release completed'));
  return null;
}

/** Keeps the countdown to the end of the current stage's minimum duration; returns the tick to run every second. */
function stageClock(view: ChangeView, activity: readonly ActivityItem[], target: HTMLElement): () => void {
  const index = view.release.stageIndex;
  const applied = [...activity].reverse().find((item) => item.type === 'release.stage-applied');
  const stage = index === null ? undefined : view.record.release.stages[index];
  const tick = () => {
    if (index === null || !stage || !applied)
      return void (target.textContent = index === null ? 'Stage 1 may be applied once the change is approved.' : '');
    if (index === view.release.stageCount - 1) return void (target.textContent = 'The last stage is live.');
    if (view.status === 'held')
      return void (target.textContent = `Stage ${index + 2} waits: the release is held; resume it first.`);
    if (view.status !== 'releasing')
      return void (target.textContent = `No further stage: the change is ${statusLabel(view.status)}.`);
    const left = new Date(applied.at).getTime() + durationMs(stage.minDuration) - Date.now();
    const next = view.record.release.stages[index + 1];
    const auto =
      stage.advance === 'auto'
        ? ' featgate applies it automatically when every guardrail is healthy.'
        : ' A release owner applies it.';
    target.textContent =
      left > 0
        ? `Stage ${index + 2} (${next?.name}) may be applied in ${formatDuration(left)}.${auto}`
        : `Stage ${index + 2} (${next?.name}) may be applied now.${auto}`;
  };
  tick();
  return tick;
}

function stagesSection(view: ChangeView, countdown: HTMLElement): HTMLElement {
  const current = view.release.stageIndex;
  return h(
    'section',
    { 'aria-labelledby': 'stages' },
    h('h2', { id: 'stages' }, 'Stages'),
    h(
      'ol',
      { class: 'stages' },
      view.record.release.stages.map((stage, index) =>
        h(
          'li',
          {
            class: index === current ? 'current' : current !== null && index < current ? 'done' : 'todo',
            'aria-current': index === current ? 'step' : undefined,
          },
          h('strong', {}, stage.name),
          `: ${stage.percentage}% of ${stage.audience}, at least ${stage.minDuration}, ${stage.advance === 'auto' ? 'advances automatically' : 'advanced by hand'}`,
          index === current
            ? h('span', { class: 'badge' }, 'live')
            : current !== null && index < current
              ? ' (done)'
              : '',
        ),
      ),
    ),
    h('p', { class: 'hint' }, countdown),
  );
}

function guardrailSection(view: ChangeView, status: GuardrailStatus, activity: readonly ActivityItem[]): HTMLElement {
  if (status.conditions.length === 0)
    return h(
      'section',
      { 'aria-labelledby': 'guardrails' },
      h('h2', { id: 'guardrails' }, 'Guardrails'),
      h('p', {}, 'The plan names no guardrail.'),
    );
  const signals = activity.filter((item) => item.signal);
  return h(
    'section',
    { 'aria-labelledby': 'guardrails' },
    h('h2', { id: 'guardrails' }, 'Guardrails'),
    h(
      'table',
      {},
      h('caption', {}, `Hold conditions of ${view.key}`),
      h(
        'thead',
        {},
        h(
          'tr',
          {},
          ['Metric', 'Holds when', 'Action', 'Latest', 'State'].map((label) => h('th', { scope: 'col' }, label)),
        ),
      ),
      h(
        'tbody',
        {},
        status.conditions.map((condition) =>
          h(
            'tr',
            { class: `guard-${condition.state}` },
            h('th', { scope: 'row' }, condition.metric),
            h(
              'td',
              {},
              `${condition.operator} ${condition.threshold}${condition.window ? ` over ${condition.window}` : ''}`,
            ),
            h('td', {}, condition.action),
            h(
              'td',
              {},
              condition.latest
                ? `${condition.latest.value} at ${formatTime(condition.latest.observedAt)} (${condition.latest.source})`
                : 'no data',
            ),
            h('td', {}, h('span', { class: `state state-${condition.state}` }, condition.state)),
          ),
        ),
      ),
    ),
    status.conditions.map((condition) =>
      metricChart({
        metric: condition.metric,
        operator: condition.operator,
        threshold: condition.threshold,
        points: signals
          .filter((item) => item.signal!.metric === condition.metric)
          .map((item) => ({ value: item.signal!.value, at: item.signal!.observedAt })),
      }),
    ),
  );
}

interface ActionSpec {
  readonly id: string;
  readonly label: string;
  readonly permission: string;
  readonly state: ActionState;
  readonly path: string;
  /** Whether the action needs a reason (hold, rollback). */
  readonly reason: boolean;
  readonly danger?: boolean;
}

function actionsSection(
  context: PageContext,
  view: ChangeView,
  actions: import('../types.js').ChangeActions,
): HTMLElement {
  const next = (view.release.stageIndex ?? -1) + 2;
  const specs: ActionSpec[] = [
    {
      id: 'apply-stage',
      label: `Apply stage ${Math.min(next, view.release.stageCount)}`,
      permission: 'release:apply',
      state: actions.applyStage,
      path: 'apply-stage',
      reason: false,
    },
    { id: 'hold', label: 'Hold', permission: 'release:hold', state: actions.hold, path: 'hold', reason: true },
    {
      id: 'resume',
      label: 'Resume',
      permission: 'release:resume',
      state: actions.resume,
      path: 'resume',
      reason: false,
    },
    {
      id: 'rollback',
      label: 'Roll back',
      permission: 'release:rollback',
      state: actions.rollback,
      path: 'rollback',
      reason: true,
      danger: true,
    },
  ].filter((spec) => can(context, spec.permission));
  if (specs.length === 0)
    return h(
      'section',
      { 'aria-labelledby': 'actions' },
      h('h2', { id: 'actions' }, 'Release actions'),
      h('p', {}, 'Your roles take no release action; a release owner ramps, holds and rolls back.'),
    );
  const reason = h('input', { id: 'release-reason', name: 'reason', type: 'text', autocomplete: 'off' });
  const message = h('div', { id: 'release-message', role: 'alert' });
  const run = async (spec: ActionSpec) => {
    replace(message);
    const text = reason.value.trim();
    if (spec.reason && !text) {
      replace(message, h('p', { class: 'error' }, `${spec.label} needs a reason.`));
      reason.focus();
      return;
    }
    try {
      await api(
        'POST',
        `/v1/changes/${encodeURIComponent(view.key)}/release/${spec.path}`,
        spec.reason ? { reason: text } : text ? { comment: text } : {},
      );
      context.announce(`${spec.label}: done for ${view.key}.`);
      context.refresh();
    } catch (error) {
      replace(message, h('p', { class: 'error' }, error instanceof ApiError ? error.detail : String(error)));
    }
  };
  return h(
    'section',
    { 'aria-labelledby': 'actions', class: 'decide' },
    h('h2', { id: 'actions' }, 'Release actions'),
    h('label', { for: 'release-reason' }, 'Reason or comment (a hold and a rollback need a reason)'),
    reason,
    h(
      'div',
      { class: 'buttons' },
      specs.map((spec) =>
        h(
          'button',
          {
            type: 'button',
            id: spec.id,
            class: spec.danger ? 'danger' : 'primary',
            disabled: !spec.state.allowed,
            'aria-describedby': spec.state.allowed ? undefined : `${spec.id}-reason`,
            onclick: () => void run(spec),
          },
          spec.label,
        ),
      ),
    ),
    h(
      'ul',
      { class: 'reasons' },
      specs
        .filter((spec) => !spec.state.allowed)
        .map((spec) => h('li', { id: `${spec.id}-reason` }, `${spec.label}: ${spec.state.reason}`)),
    ),
    message,
  );
}

function breakGlassSection(uses: readonly BreakGlassUse[]): HTMLElement {
  return h(
    'section',
    { 'aria-labelledby': 'break-glass' },
    h('h2', { id: 'break-glass' }, 'Break-glass uses'),
    h(
      'table',
      {},
      h('caption', {}, 'Emergency changes of these flags'),
      h(
        'thead',
        {},
        h(
          'tr',
          {},
          ['Flag', 'Status', 'By', 'Reason', 'Expires', 'Post-review due'].map((label) =>
            h('th', { scope: 'col' }, label),
          ),
        ),
      ),
      h(
        'tbody',
        {},
        uses.map((use) =>
          h(
            'tr',
            {},
            h('td', {}, use.flagKey),
            h('td', {}, use.status),
            h('td', {}, `${use.usedBy} at ${formatTime(use.usedAt)}`),
            h('td', {}, use.reason),
            h('td', {}, formatTime(use.expiresAt)),
            h('td', {}, `${formatTime(use.postReviewDueBy)}${use.postReviewOverdue ? ' (overdue)' : ''}`),
          ),
        ),
      ),
    ),
  );
}
