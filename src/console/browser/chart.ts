import { h, svg } from './dom.js';
import { formatTime } from './format.js';

/** One metric's reported values over time and the threshold that holds the release. */
export interface MetricSeries {
  readonly metric: string;
  readonly operator: string;
  readonly threshold: number;
  readonly points: readonly { value: number; at: string }[];
}

const WIDTH = 480;
const HEIGHT = 160;
const PAD = 28;

/**
 * A small line chart of a guardrail metric against its threshold (SVG, no script in the image), with a table of
 * the same values for screen readers and keyboard users.
 */
export function metricChart(series: MetricSeries): HTMLElement {
  const values = series.points.map((point) => point.value);
  const low = Math.min(series.threshold, ...values);
  const high = Math.max(series.threshold, ...values);
  const span = high - low || Math.abs(high) || 1;
  const y = (value: number) => HEIGHT - PAD - ((value - low) / span) * (HEIGHT - 2 * PAD);
  const x = (index: number) =>
    PAD +
    (series.points.length <= 1 ? (WIDTH - 2 * PAD) / 2 : (index / (series.points.length - 1)) * (WIDTH - 2 * PAD));
  const line = series.points
    .map((point, index) => `${index === 0 ? 'M' : 'L'}${x(index).toFixed(1)},${y(point.value).toFixed(1)}`)
    .join(' ');
  const title = `${series.metric}: ${series.points.length} value(s); holds when ${series.operator} ${series.threshold}`;
  const image = svg(
    'svg',
    {
      viewBox: `0 0 ${WIDTH} ${HEIGHT}`,
      width: WIDTH,
      height: HEIGHT,
      role: 'img',
      'aria-label': title,
      class: 'chart',
    },
    svg('line', { x1: PAD, x2: WIDTH - PAD, y1: y(series.threshold), y2: y(series.threshold), class: 'threshold' }),
    svg(
      'text',
      { x: WIDTH - PAD, y: y(series.threshold) - 4, 'text-anchor': 'end', class: 'label' },
      `threshold ${series.threshold}`,
    ),
    line ? svg('path', { d: line, class: 'series' }) : null,
    series.points.map((point, index) =>
      svg('circle', {
        cx: x(index),
        cy: y(point.value),
        r: 3,
        class: breaks(series, point.value) ? 'point breach' : 'point',
      }),
    ),
  );
  return h(
    'figure',
    { class: 'metric' },
    image,
    h('figcaption', {}, title),
    h(
      'table',
      { class: 'compact' },
      h('caption', {}, `${series.metric} values`),
      h(
        'thead',
        {},
        h(
          'tr',
          {},
          h('th', { scope: 'col' }, 'Observed'),
          h('th', { scope: 'col' }, 'Value'),
          h('th', { scope: 'col' }, 'State'),
        ),
      ),
      h(
        'tbody',
        {},
        series.points.map((point) =>
          h(
            'tr',
            {},
            h('td', {}, formatTime(point.at)),
            h('td', {}, String(point.value)),
            h('td', {}, breaks(series, point.value) ? 'breach' : 'healthy'),
          ),
        ),
      ),
    ),
  );
}

function breaks(series: MetricSeries, value: number): boolean {
  return series.operator === 'above' ? value > series.threshold : value < series.threshold;
}
