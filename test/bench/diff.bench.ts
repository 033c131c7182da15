import { performance } from 'node:perf_hooks';
import { diffFlag } from '../../src/featbit/diff/index.js';
import { flagSchema, type FeatBitFlag } from '../../src/featbit/model/index.js';
import { percentile, type BenchContext } from './bench-context.js';

const RULES = 50;
const SAMPLES = 200;

function flagWithRules(): FeatBitFlag {
  const countries = ['cn', 'us', 'jp', 'fr', 'es', 'de', 'gb'];
  return flagSchema.parse({
    id: 'bench',
    key: 'bench-flag',
    variationType: 'string',
    variations: ['base', 'cand-a', 'cand-b'].map((id) => ({ id, name: id, value: `value ${id}` })),
    targetUsers: [{ keyIds: Array.from({ length: 50 }, (_, i) => `user-${i}`), variationId: 'cand-a' }],
    rules: Array.from({ length: RULES }, (_, i) => ({
      id: `rule-${i}`,
      name: `rule ${i}`,
      dispatchKey: i % 2 === 0 ? null : 'country',
      includedInExpt: false,
      conditions: [
        {
          id: `c-${i}-1`,
          property: 'country',
          op: 'IsOneOf',
          value: JSON.stringify(countries.slice(0, 1 + (i % countries.length))),
        },
        { id: `c-${i}-2`, property: 'age', op: 'BiggerThan', value: String(18 + i) },
        ...(i % 5 === 0 ? [{ id: `c-${i}-3`, property: 'User is in segment', op: null, value: '["seg-1"]' }] : []),
      ],
      variations: [
        { id: i % 2 === 0 ? 'cand-a' : 'cand-b', rollout: [0, 0.2], exptRollout: 1 },
        { id: 'base', rollout: [0.2, 1], exptRollout: 1 },
      ],
    })),
    isEnabled: true,
    disabledVariationId: 'base',
    fallthrough: { dispatchKey: null, variations: [{ id: 'base', rollout: [0, 1], exptRollout: 1 }] },
  });
}

/** Milliseconds per semantic diff of a 50-rule flag (a lowered share on an early rule, so every later piece is walked), beside a structural clone as baseline. */
export async function run(ctx: BenchContext): Promise<void> {
  const before = flagWithRules();
  const after = structuredClone(before);
  after.rules[1]!.variations = [
    { id: 'cand-b', rollout: [0, 0.1], exptRollout: 1 },
    { id: 'base', rollout: [0.1, 1], exptRollout: 1 },
  ];
  const segments = [
    {
      id: 'seg-1',
      name: 'seg',
      description: '',
      included: ['a'],
      excluded: [],
      rules: [],
      tags: [],
      isArchived: false,
    },
  ];
  const options = { baselineVariationId: 'base', segmentsBefore: segments, segmentsAfter: segments };
  const verdict = diffFlag(before, after, options).exposure['cand-b'];
  if (verdict !== 'narrowed') throw new Error(`expected the lowered share to be a narrowing, got ${verdict}`);

  const time = (fn: () => unknown): number[] => {
    for (let i = 0; i < 20; i += 1) fn();
    return Array.from({ length: SAMPLES }, () => {
      const start = performance.now();
      fn();
      return performance.now() - start;
    });
  };
  const diffs = time(() => diffFlag(before, after, options));
  const clones = time(() => structuredClone(after));
  const median = percentile(diffs, 50);
  ctx.report('diff: 50-rule flag, median', median, 'ms/diff', `p95 ${percentile(diffs, 95).toFixed(3)} ms`);
  ctx.report(
    'diff: 50-rule flag / structuredClone of the flag',
    median / percentile(clones, 50),
    'x',
    'baseline measured in the same run',
  );
}
