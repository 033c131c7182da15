import type { EvaluationContext, EvaluationDetails, FlagValue, JsonValue } from '@openfeature/core';
import { expect } from 'vitest';
import type { ContextLevel } from './sdk-under-test.js';
import {
  SpecFlagType,
  type RegisteredSpecProvider,
  type SdkUnderTest,
  type SpecEvaluation,
  type SpecHook,
} from './sdk-under-test.js';
import { SpecProviderState } from './spec-flags-provider.js';

/** A data table of a step, rows of cells. */
export type StepTable = readonly (readonly string[])[];

/** What a scenario did and saw, compared between bare and gated runs. */
export interface ScenarioRecord {
  /** Evaluation details, statuses, hook calls and contexts observed, in order. */
  readonly observations: unknown[];
  /** Each `Then` step: whether its specification assertion held. */
  readonly checks: Array<{ readonly step: string; readonly ok: boolean; readonly message?: string }>;
}

/** The state one scenario's steps share. */
export class SpecWorld implements ScenarioRecord {
  readonly observations: unknown[] = [];
  readonly checks: Array<{ step: string; ok: boolean; message?: string }> = [];
  provider: RegisteredSpecProvider | undefined;
  flag: { type: SpecFlagType; key: string; defaultValue: FlagValue } | undefined;
  context: EvaluationContext | undefined;
  details: EvaluationDetails<FlagValue> | undefined;
  returned: unknown;
  hookCalls: Array<{ hook: string; stage: string; details?: EvaluationDetails<FlagValue> }> = [];
  optionHooks: SpecHook[] | undefined;
  originalContext: EvaluationContext | undefined;
  levels = new Map<ContextLevel, EvaluationContext>();
  levelOrder: ContextLevel[] = [];

  constructor(
    readonly sdk: SdkUnderTest,
    readonly domain: string,
  ) {}

  async register(state: SpecProviderState): Promise<void> {
    this.provider = await this.sdk.register(this.domain, state);
  }

  async evaluate(evaluation: SpecEvaluation): Promise<EvaluationDetails<FlagValue>> {
    const details = await this.sdk.evaluate(this.domain, evaluation, (returned) => (this.returned = returned));
    this.details = details;
    this.observations.push({ evaluated: evaluation.key, details: comparable(details) });
    return details;
  }

  /** Runs a `Then` assertion and records whether it held, with what was observed. */
  check(step: string, observed: unknown, assertion: () => void): void {
    this.observations.push({ step, observed: comparableValue(observed) });
    try {
      assertion();
      this.checks.push({ step, ok: true });
    } catch (error) {
      this.checks.push({
        step,
        ok: false,
        message: error instanceof Error ? (error.message.split('\n')[0] ?? '') : String(error),
      });
    }
  }

  recordingHook(name: string): SpecHook {
    return {
      before: () => void this.hookCalls.push({ hook: name, stage: 'before' }),
      after: (_context, details) => void this.hookCalls.push({ hook: name, stage: 'after', details }),
      error: () => void this.hookCalls.push({ hook: name, stage: 'error' }),
      finally: (_context, details) => void this.hookCalls.push({ hook: name, stage: 'finally', details }),
    };
  }
}

function comparable(details: EvaluationDetails<FlagValue>) {
  const { flagKey, value, variant, reason, errorCode, errorMessage, flagMetadata } = details;
  return comparableValue({ flagKey, value, variant, reason, errorCode, errorMessage, flagMetadata });
}

function comparableValue(value: unknown): unknown {
  return value === undefined
    ? '(undefined)'
    : JSON.parse(JSON.stringify(value, (_key, inner: unknown) => (inner === undefined ? '(undefined)' : inner)));
}

/** Gherkin tables and step arguments keep `\"` as written; the suites mean a plain quote. */
function unescape(text: string): string {
  return text.replace(/\\"/g, '"');
}

function typeNamed(name: string): SpecFlagType {
  const type = Object.values(SpecFlagType).find((candidate) => candidate.toLowerCase() === name.toLowerCase());
  if (!type) throw new Error(`unknown flag type ${name}`);
  return type;
}

/** A step's text value read as `type` (booleans `true`/`false`, numbers, JSON objects). */
function typedValue(type: SpecFlagType, text: string): FlagValue {
  switch (type) {
    case SpecFlagType.Boolean:
      return text === 'true';
    case SpecFlagType.String:
      return text;
    case SpecFlagType.Integer:
      return Number.parseInt(text, 10);
    case SpecFlagType.Float:
      return Number.parseFloat(text);
    case SpecFlagType.Object:
      return JSON.parse(unescape(text)) as JsonValue;
  }
}

/** A context attribute's text read as the named type (contextMerging and evaluation_v2 context steps). */
function contextValue(type: string, text: string): JsonValue {
  switch (type) {
    case 'Boolean':
      return text === 'true';
    case 'Integer':
      return Number.parseInt(text, 10);
    case 'Float':
      return Number.parseFloat(text);
    default:
      return text;
  }
}

function stripQuotes(text: string): string {
  return text.startsWith('"') && text.endsWith('"') ? text.slice(1, -1) : text;
}

const LEGACY_TYPES: Record<string, SpecFlagType> = {
  boolean: SpecFlagType.Boolean,
  string: SpecFlagType.String,
  integer: SpecFlagType.Integer,
  float: SpecFlagType.Float,
};

type StepHandler = (
  world: SpecWorld,
  match: RegExpMatchArray,
  table: StepTable | undefined,
  text: string,
) => void | Promise<void>;

/** Step definitions for every step of the five suites, as `[pattern, handler]`. */
export const STEPS: ReadonlyArray<readonly [RegExp, StepHandler]> = [
  // providers
  [/^a stable provider$/, (w) => w.register(SpecProviderState.Stable)],
  [/^a stable provider with retrievable context is registered$/, (w) => w.register(SpecProviderState.Stable)],
  [/^an? (not ready|error|fatal|stale) provider$/, (w, [, state]) => w.register(state as SpecProviderState)],
  [
    /^the provider status should be "(.*)"$/,
    (w, [, status], _t, text) => {
      const actual = w.sdk.status(w.domain);
      w.check(text, actual, () => expect(actual.toUpperCase()).toBe(status));
    },
  ],

  // evaluation.feature (deprecated wording)
  [
    /^an? (boolean|string|integer|float) flag with key "(.*)" is evaluated with default value (.*)$/,
    async (w, [, type, key, value]) => {
      const flagType = LEGACY_TYPES[type!]!;
      w.flag = { type: flagType, key: key!, defaultValue: typedValue(flagType, stripQuotes(value!)) };
      await w.evaluate({ ...w.flag, context: w.context });
    },
  ],
  [
    /^an? (boolean|string|integer|float) flag with key "(.*)" is evaluated with details and default value (.*)$/,
    async (w, [, type, key, value]) => {
      const flagType = LEGACY_TYPES[type!]!;
      w.flag = { type: flagType, key: key!, defaultValue: typedValue(flagType, stripQuotes(value!)) };
      await w.evaluate({ ...w.flag, context: w.context });
    },
  ],
  [
    /^an object flag with key "(.*)" is evaluated with (?:details and )?a null default value$/,
    async (w, [, key]) => {
      w.flag = { type: SpecFlagType.Object, key: key!, defaultValue: null };
      await w.evaluate({ ...w.flag, context: w.context });
    },
  ],
  [
    /^the resolved (boolean|string|integer|float) value should be (.*)$/,
    (w, [, type, value], _t, text) => {
      const expected = typedValue(LEGACY_TYPES[type!]!, stripQuotes(value!));
      w.check(text, w.details?.value, () => expect(w.details?.value).toEqual(expected));
    },
  ],
  [
    /^the resolved (boolean|string|integer|float) details value should be (.*), the variant should be "(.*)", and the reason should be "(.*)"$/,
    (w, [, type, value, variant, reason], _t, text) => {
      const expected = typedValue(LEGACY_TYPES[type!]!, stripQuotes(value!));
      w.check(text, w.details, () =>
        expect({ value: w.details?.value, variant: w.details?.variant, reason: w.details?.reason }).toEqual({
          value: expected,
          variant,
          reason,
        }),
      );
    },
  ],
  [
    /^the resolved object (?:details )?value should be contain fields "(.*)", "(.*)", and "(.*)", with values "(.*)", "(.*)" and (\d+), respectively$/,
    (w, [, f1, f2, f3, v1, v2, v3], _t, text) => {
      const value = w.details?.value as Record<string, JsonValue> | undefined;
      w.check(text, value, () => expect(value).toMatchObject({ [f1!]: v1 === 'true', [f2!]: v2, [f3!]: Number(v3) }));
    },
  ],
  [
    /^the variant should be "(.*)", and the reason should be "(.*)"$/,
    (w, [, variant, reason], _t, text) => {
      w.check(text, w.details, () =>
        expect({ variant: w.details?.variant, reason: w.details?.reason }).toEqual({ variant, reason }),
      );
    },
  ],
  [
    /^context contains keys "(.*)", "(.*)", "(.*)", "(.*)" with values "(.*)", "(.*)", (\d+), "(.*)"$/,
    (w, [, k1, k2, k3, k4, v1, v2, v3, v4]) => {
      w.context = { [k1!]: v1!, [k2!]: v2!, [k3!]: Number(v3), [k4!]: v4 === 'true' };
    },
  ],
  [
    /^a flag with key "(.*)" is evaluated with default value "(.*)"$/,
    async (w, [, key, value]) => {
      w.flag = { type: SpecFlagType.String, key: key!, defaultValue: value! };
      await w.evaluate({ ...w.flag, context: w.context });
    },
  ],
  [
    /^the resolved string response should be "(.*)"$/,
    (w, [, value], _t, text) => {
      w.check(text, w.details?.value, () => expect(w.details?.value).toBe(value));
    },
  ],
  [
    /^the resolved flag value is "(.*)" when the context is empty$/,
    async (w, [, value], _t, text) => {
      const details = await w.evaluate({ ...w.flag!, context: {} });
      w.check(text, details.value, () => expect(details.value).toBe(value));
    },
  ],
  [
    /^a non-existent string flag with key "(.*)" is evaluated with details and a fallback value "(.*)"$/,
    async (w, [, key, value]) => {
      w.flag = { type: SpecFlagType.String, key: key!, defaultValue: value! };
      await w.evaluate({ ...w.flag, context: w.context });
    },
  ],
  [
    /^a string flag with key "(.*)" is evaluated as an integer, with details and a fallback value (\d+)$/,
    async (w, [, key, value]) => {
      w.flag = { type: SpecFlagType.Integer, key: key!, defaultValue: Number(value) };
      await w.evaluate({ ...w.flag, context: w.context });
    },
  ],
  [
    /^the default (string|integer) value should be returned$/,
    (w, _m, _t, text) => {
      w.check(text, w.details?.value, () => expect(w.details?.value).toEqual(w.flag?.defaultValue));
    },
  ],
  [
    /^the reason should indicate an error and the error code should indicate (?:a missing flag|a type mismatch) with "(.*)"$/,
    (w, [, code], _t, text) => {
      w.check(text, w.details, () =>
        expect({ reason: w.details?.reason, errorCode: w.details?.errorCode }).toEqual({
          reason: 'ERROR',
          errorCode: code,
        }),
      );
    },
  ],

  // evaluation_v2.feature, hooks.feature, metadata.feature
  [
    /^an? (boolean|string|integer|float|object)-flag with key "(.*)" and a fallback value "(.*)"$/i,
    (w, [, type, key, value]) => {
      const flagType = typeNamed(type!);
      w.flag = { type: flagType, key: key!, defaultValue: typedValue(flagType, value!) };
    },
  ],
  [
    /^a context containing a key "(.*)", with type "(.*)" and with value "(.*)"$/,
    (w, [, key, type, value]) => {
      w.context = { ...w.context, [key!]: contextValue(type!, value!) };
    },
  ],
  [
    /^a context containing a key "(.*)" with null value$/,
    (w, [, key]) => {
      w.context = { ...w.context, [key!]: null };
    },
  ],
  [
    /^the flag was evaluated with details$/,
    async (w) => {
      await w.evaluate({ ...w.flag!, context: w.context });
    },
  ],
  [
    /^the flag was evaluated with details asynchronously$/,
    async (w) => {
      await w.evaluate({ ...w.flag!, context: w.context });
    },
  ],
  [
    /^the evaluation should complete without blocking$/,
    (w, _m, _t, text) => {
      // server: the client hands back a promise; web: the static-context SDK answers from memory, synchronously
      const kind = typeof (w.returned as { then?: unknown } | undefined)?.then === 'function' ? 'promise' : 'value';
      w.check(text, kind, () => expect(kind).toBe(w.sdk.platform === 'server' ? 'promise' : 'value'));
    },
  ],
  [
    /^the resolved details value should be "(.*)"$/,
    (w, [, value], _t, text) => {
      const expected = typedValue(w.flag!.type, value!);
      w.check(text, w.details?.value, () => expect(w.details?.value).toEqual(expected));
    },
  ],
  [
    /^the reason should be "(.*)"$/,
    (w, [, reason], _t, text) => {
      w.check(text, w.details?.reason, () => expect(w.details?.reason).toBe(reason));
    },
  ],
  [
    /^the error-code should be "(.*)"$/,
    (w, [, code], _t, text) => {
      w.check(text, w.details?.errorCode, () => expect(w.details?.errorCode).toBe(code));
    },
  ],
  [
    /^the flag key should be "(.*)"$/,
    (w, [, key], _t, text) => {
      w.check(text, w.details?.flagKey, () => expect(w.details?.flagKey).toBe(key));
    },
  ],
  [
    /^the variant should be "(.*)"$/,
    (w, [, variant], _t, text) => {
      w.check(text, w.details?.variant, () => expect(w.details?.variant).toBe(variant));
    },
  ],
  [
    /^the resolved metadata should contain$/,
    (w, _m, table, text) => {
      const expected = Object.fromEntries(
        table!.slice(1).map(([key, type, value]) => [key!, contextValue(type!, value!)]),
      );
      w.check(text, w.details?.flagMetadata, () => expect(w.details?.flagMetadata).toMatchObject(expected));
    },
  ],
  [
    /^the resolved metadata is empty$/,
    (w, _m, _t, text) => {
      w.check(text, w.details?.flagMetadata, () => expect(w.details?.flagMetadata).toEqual({}));
    },
  ],
  [
    /^evaluation options containing specific hooks$/,
    (w) => {
      w.optionHooks = [w.recordingHook('first'), w.recordingHook('second')];
    },
  ],
  [
    /^the flag was evaluated with details using the evaluation options$/,
    async (w) => {
      await w.evaluate({ ...w.flag!, context: w.context, hooks: w.optionHooks });
    },
  ],
  [
    /^the specified hooks should execute during evaluation$/,
    (w, _m, _t, text) => {
      const stages = w.hookCalls.map(({ hook, stage }) => `${hook}:${stage}`);
      w.check(text, stages, () =>
        expect(stages).toEqual(
          expect.arrayContaining(['first:before', 'second:before', 'first:after', 'second:after']),
        ),
      );
    },
  ],
  [
    /^the hook order should be maintained$/,
    (w, _m, _t, text) => {
      const stages = w.hookCalls.map(({ hook, stage }) => `${hook}:${stage}`);
      // spec 4.4.2: before hooks in order, after and finally hooks in reverse order
      w.check(text, stages, () =>
        expect(stages).toEqual([
          'first:before',
          'second:before',
          'second:after',
          'first:after',
          'second:finally',
          'first:finally',
        ]),
      );
    },
  ],
  [
    /^an evaluation context with modifiable data$/,
    (w) => {
      w.context = {
        targetingKey: 'user-immutable',
        email: 'someone@example.com',
        tags: ['a', 'b'],
        nested: { level: 1 },
      };
      w.originalContext = structuredClone(w.context);
    },
  ],
  [
    /^the original evaluation context should remain unmodified$/,
    (w, _m, _t, text) => {
      w.check(text, w.context, () => expect(w.context).toEqual(w.originalContext));
    },
  ],
  [
    /^the evaluation details should be immutable$/,
    (w, _m, _t, text) => {
      const frozen = Object.isFrozen(w.details?.flagMetadata);
      w.check(text, frozen, () => expect(frozen).toBe(true));
    },
  ],
  [
    /^a client with added hook$/,
    (w) => {
      w.sdk.addClientHook(w.domain, w.recordingHook('client'));
    },
  ],
  [
    /^the "(.*)" hook should have been executed$/,
    (w, [, stage], _t, text) => {
      const stages = w.hookCalls.map((call) => call.stage);
      w.check(text, stages, () => expect(stages).toContain(stage));
    },
  ],
  [
    /^the "(.*)" hooks should be called with evaluation details$/,
    (w, [, stages], table, text) => {
      const seen = stages!.split(',').map((stage) => {
        const call = w.hookCalls.find((candidate) => candidate.stage === stage.trim());
        return (
          call?.details && {
            flagKey: call.details.flagKey,
            value: call.details.value,
            variant: call.details.variant ?? null,
            reason: call.details.reason ?? null,
            errorCode: call.details.errorCode ?? null,
          }
        );
      });
      const fields: Record<string, string> = {
        flag_key: 'flagKey',
        value: 'value',
        variant: 'variant',
        reason: 'reason',
        error_code: 'errorCode',
      };
      const expected = Object.fromEntries(
        table!
          .slice(1)
          .map(([type, key, value]) => [
            fields[key!]!,
            value === 'null' ? null : type === 'boolean' ? value === 'true' : value!,
          ]),
      );
      w.check(text, seen, () => {
        for (const details of seen) expect(details).toEqual(expected);
      });
    },
  ],

  // contextMerging.feature
  [
    /^A context entry with key "(.*)" and value "(.*)" is added to the "(.*)" level$/,
    (w, [, key, value, level]) => {
      const named = level as ContextLevel;
      w.levels.set(named, { ...w.levels.get(named), [key!]: value! });
    },
  ],
  [
    /^A table with levels of increasing precedence$/,
    (w, _m, table) => {
      w.levelOrder = table!.map(([level]) => level as ContextLevel);
    },
  ],
  [
    /^Context entries for each level from API level down to the "(.*)" level, with key "(.*)" and value "(.*)"$/,
    (w, [, until, key, value]) => {
      for (const level of w.levelOrder) {
        w.levels.set(level, { ...w.levels.get(level), [key!]: level === until ? value! : level });
        if (level === until) break;
      }
    },
  ],
  [
    /^Some flag was evaluated$/,
    async (w) => {
      if (!w.sdk.evaluateWithLevels) throw new Error(`${w.sdk.name} has no context levels`);
      const before = w.provider!.contexts.length;
      await w.sdk.evaluateWithLevels(w.domain, w.levels);
      w.observations.push({ merged: comparableValue(w.provider!.contexts.slice(before)) });
    },
  ],
  [
    /^The merged context contains an entry with key "(.*)" and value "(.*)"$/,
    (w, [, key, value], _t, text) => {
      const merged = w.provider!.contexts.at(-1);
      w.check(text, merged, () => expect(merged?.[key!]).toBe(value));
    },
  ],
];

/** Runs one step's text against the definitions; a step no definition matches is an error. */
export async function runStep(world: SpecWorld, text: string, table: StepTable | undefined): Promise<void> {
  for (const [pattern, handler] of STEPS) {
    const match = text.match(pattern);
    if (match) {
      await handler(world, match, table, text);
      return;
    }
  }
  throw new Error(`no step definition for: ${text}`);
}
