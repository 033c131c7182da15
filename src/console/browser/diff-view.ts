import { h } from './dom.js';
import { diffValues, FieldChange, type Segment } from './value-diff.js';

const CHANGE_LABEL: Record<FieldChange, string> = {
  [FieldChange.Same]: 'unchanged',
  [FieldChange.Changed]: 'changed',
  [FieldChange.Added]: 'added',
  [FieldChange.Removed]: 'removed',
};

function segments(list: readonly Segment[] | undefined): HTMLElement {
  if (!list) return h('span', { class: 'absent' }, 'not present');
  return h(
    'span',
    { class: 'text' },
    list.map((segment) =>
      segment.change === 'same' ? segment.text : h(segment.change === 'added' ? 'ins' : 'del', {}, segment.text),
    ),
  );
}

/**
 * The side-by-side diff of one flag's approved value and candidate: a row per field, the approved text left and the
 * candidate right, removed words struck and added words underlined (and named for screen readers by ins/del).
 */
export function diffTable(
  flagKey: string,
  baseline: unknown,
  candidate: unknown,
  labels = { before: 'Approved (baseline)', after: 'Candidate' },
): HTMLElement {
  const rows = diffValues(baseline, candidate);
  const changed = rows.filter((row) => row.change !== FieldChange.Same).length;
  return h(
    'table',
    { class: 'diff' },
    h('caption', {}, `${flagKey}: ${changed} of ${rows.length} field(s) differ`),
    h(
      'thead',
      {},
      h(
        'tr',
        {},
        h('th', { scope: 'col' }, 'Field'),
        h('th', { scope: 'col' }, labels.before),
        h('th', { scope: 'col' }, labels.after),
      ),
    ),
    h(
      'tbody',
      {},
      rows.map((row) =>
        h(
          'tr',
          { class: `row-${row.change}` },
          h(
            'th',
            { scope: 'row' },
            h('code', {}, row.path),
            h('span', { class: 'change' }, CHANGE_LABEL[row.change]),
            row.secret ? h('span', { class: 'badge' }, 'secret') : null,
          ),
          h('td', { class: 'before' }, segments(row.before)),
          h('td', { class: 'after' }, segments(row.after)),
        ),
      ),
    ),
  );
}
