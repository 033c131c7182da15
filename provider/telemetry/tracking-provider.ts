import type { EvaluationContext, TrackingEventDetails } from '@openfeature/core';
import type { TelemetryRecorder } from './telemetry-recorder.js';

/** Anything with OpenFeature's optional provider `track` method (server or web provider). */
interface Trackable {
  track?(trackingEventName: string, context: EvaluationContext, trackingEventDetails: TrackingEventDetails): void;
}

/**
 * Makes a provider (the featgate gate) report outcomes from `client.track(name, context, details)`: when
 * `details.flagKey` names a flag the hook saw served to `context.targetingKey`, every numeric detail (and each
 * boolean as 0/1) is added to that variation's aggregate, `value` under the event's own name; then the provider's
 * own `track` runs as before. Installs `track` on the instance (no proxy in front of every other method, so
 * evaluations cost nothing more) and returns the same provider.
 */
export function withTelemetryTracking<P extends object>(provider: P, recorder: TelemetryRecorder): P {
  const inner = provider as P & Trackable;
  const original = typeof inner.track === 'function' ? inner.track.bind(inner) : undefined;
  const track = (name: string, context: EvaluationContext, details: TrackingEventDetails = {}): void => {
    try {
      const flagKey = details['flagKey'];
      if (typeof flagKey === 'string' && context.targetingKey !== undefined)
        recorder.trackFor(context.targetingKey, flagKey, name, details);
    } catch {
      // Telemetry never breaks the caller.
    }
    original?.(name, context, details);
  };
  Object.defineProperty(inner, 'track', { value: track, configurable: true, writable: true, enumerable: false });
  return inner;
}
