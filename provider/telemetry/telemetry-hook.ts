import type { BaseHook, EvaluationDetails, FlagValue, HookContext } from '@openfeature/core';
import type { TelemetryRecorder } from './telemetry-recorder.js';

/** Which evaluations the hook tags, and where the manifest version comes from when a result does not carry it. */
export interface TelemetryHookOptions {
  /** The governed flags to tag (all evaluations without an error when absent; featgate ignores ungoverned ones). */
  readonly flags?: ReadonlySet<string> | ((flagKey: string) => boolean);
  /**
   * The manifest version the gate serves under (e.g. `gateManifestVersion(gate)`); an approved value the gate passes
   * through carries no featgate metadata, so this fills it in. The recorder's own option when absent.
   */
  readonly manifestVersion?: () => number | undefined;
}

/**
 * An OpenFeature hook (server and web SDKs alike: a synchronous `after`) that tags each evaluation of a governed
 * flag with the served variation and manifest version and counts it in the recorder. It only records into the
 * recorder's bounded buffer and never throws into the evaluation.
 */
export function createTelemetryHook(
  recorder: TelemetryRecorder,
  options: TelemetryHookOptions = {},
): BaseHook<FlagValue, Record<string, unknown>, void, void> {
  const selected = options.flags;
  const version = options.manifestVersion ?? recorder.manifestVersion;
  const wanted = typeof selected === 'function' ? selected : selected ? (key: string) => selected.has(key) : () => true;
  return {
    after(hookContext: Readonly<HookContext<FlagValue>>, details: EvaluationDetails<FlagValue>): void {
      try {
        if (details.errorCode !== undefined || !wanted(details.flagKey)) return;
        recorder.recordDetails(details, hookContext.context.targetingKey, version);
      } catch {
        // Telemetry never breaks an evaluation.
      }
    },
  };
}
