import { readFileSync } from 'node:fs';
import type { EvaluationContext, JsonValue } from '@openfeature/core';
import type { FeatBitFlag } from '../../../../src/featbit/model/index.js';
import { featBitFlag } from '../gate-fixtures.js';

/** One flag of the specification's `test-flags.json`, with its context evaluator as a function. */
export interface SpecFlag {
  readonly variants: Readonly<Record<string, JsonValue>>;
  readonly defaultVariant?: string | null;
  readonly disabled?: boolean;
  readonly flagMetadata?: Readonly<Record<string, string | number | boolean>> | null;
  readonly contextEvaluator?: (context: EvaluationContext) => string;
  /** The same decision as FeatBit targeting rules: `[conditions, variant]`, first match wins. */
  readonly rules?: ReadonlyArray<readonly [ReadonlyArray<{ property: string; op: string; value: string }>, string]>;
}

interface RawSpecFlag {
  variants: Record<string, JsonValue>;
  defaultVariant?: string | null;
  disabled?: boolean;
  flagMetadata?: Record<string, string | number | boolean> | null;
  contextEvaluator?: string;
}

const MACROSOFT = 'ballmer@macrosoft.com';

/**
 * The CEL expressions `test-flags.json` uses, as functions and as the equivalent FeatBit rules. An expression not
 * listed here fails loading, so a newer copy of the suites cannot silently run with the wrong targeting.
 */
const EVALUATORS: Record<string, Pick<SpecFlag, 'contextEvaluator' | 'rules'>> = {
  [`email == '${MACROSOFT}' ? 'zero' : ''`]: {
    contextEvaluator: (context) => (context['email'] === MACROSOFT ? 'zero' : ''),
    rules: [[[{ property: 'email', op: 'Equal', value: MACROSOFT }], 'zero']],
  },
  [`!customer && email == '${MACROSOFT}' && age > 10 ? 'internal' : ''`]: {
    contextEvaluator: (context) =>
      context['customer'] === false &&
      context['email'] === MACROSOFT &&
      typeof context['age'] === 'number' &&
      context['age'] > 10
        ? 'internal'
        : '',
    rules: [
      [
        [
          { property: 'customer', op: 'IsFalse', value: 'IsFalse' },
          { property: 'email', op: 'Equal', value: MACROSOFT },
          { property: 'age', op: 'BiggerThan', value: '10' },
        ],
        'internal',
      ],
    ],
  },
};

/**
 * `context-aware`, which the deprecated evaluation.feature uses but `test-flags.json` no longer holds: the flag of the
 * suites' original flag set (flagd's testing flags), INTERNAL for the context the scenario names, else EXTERNAL.
 */
const CONTEXT_AWARE: SpecFlag = {
  variants: { internal: 'INTERNAL', external: 'EXTERNAL' },
  defaultVariant: 'external',
  contextEvaluator: (context) =>
    context['fn'] === 'Sulisław' &&
    context['ln'] === 'Świętopełk' &&
    context['age'] === 29 &&
    context['customer'] === false
      ? 'internal'
      : '',
  rules: [
    [
      [
        { property: 'fn', op: 'Equal', value: 'Sulisław' },
        { property: 'ln', op: 'Equal', value: 'Świętopełk' },
        { property: 'age', op: 'Equal', value: '29' },
        { property: 'customer', op: 'IsFalse', value: 'IsFalse' },
      ],
      'internal',
    ],
  ],
};

/** The specification's flag set, read from the copied `test-flags.json`, plus `context-aware`. */
export function specFlags(): Record<string, SpecFlag> {
  const raw = JSON.parse(
    readFileSync(new URL('../../../fixtures/openfeature-gherkin/test-flags.json', import.meta.url), 'utf8'),
  ) as Record<string, RawSpecFlag>;
  const flags: Record<string, SpecFlag> = { 'context-aware': CONTEXT_AWARE };
  for (const [key, { contextEvaluator, ...rest }] of Object.entries(raw)) {
    if (contextEvaluator === undefined) {
      flags[key] = rest;
      continue;
    }
    const known = EVALUATORS[contextEvaluator];
    if (!known)
      throw new Error(
        `test-flags.json: flag ${key} uses a context evaluator this harness does not know: ${contextEvaluator}`,
      );
    flags[key] = { ...rest, ...known };
  }
  return flags;
}

function featBitTypeOf(values: JsonValue[]): string {
  const kinds = new Set(values.map((value) => (typeof value === 'object' ? 'json' : typeof value)));
  if (kinds.size !== 1) throw new Error('a spec flag mixes value types');
  return [...kinds][0]!;
}

/**
 * The spec flags as FeatBit flags whose approved configuration gives every context the variant the spec provider
 * gives it (disabled flags are off, serving their default variant). Flags without a default variant are left out
 * (ungoverned: the gate passes them through).
 */
export function approvedSpecFlags(flags: Record<string, SpecFlag>): FeatBitFlag[] {
  const mirrored: FeatBitFlag[] = [];
  for (const [key, flag] of Object.entries(flags)) {
    if (!flag.defaultVariant) continue;
    const type = featBitTypeOf(Object.values(flag.variants));
    mirrored.push(
      featBitFlag({
        key,
        variationType: type,
        isEnabled: flag.disabled !== true,
        variations: Object.entries(flag.variants).map(([id, value]) => ({
          id,
          name: id,
          value: typeof value === 'string' ? value : JSON.stringify(value),
        })),
        disabledVariationId: flag.defaultVariant,
        fallthrough: {
          dispatchKey: null,
          includedInExpt: true,
          variations: [{ id: flag.defaultVariant, rollout: [0, 1], exptRollout: 1 }],
        },
        rules: (flag.rules ?? []).map(([conditions, variant], index) => ({
          id: `rule-${index}`,
          name: `rule ${index}`,
          dispatchKey: null,
          includedInExpt: false,
          conditions,
          variations: [{ id: variant, rollout: [0, 1], exptRollout: 1 }],
        })),
      }),
    );
  }
  return mirrored;
}
