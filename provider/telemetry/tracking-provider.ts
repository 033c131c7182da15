import type { EvaluationContext, TrackingEventDetails } from '@openfeature/core';
import type { TelemetryRecorder } from './telemetry-recorder.js';

/** Anything with OpenFeature's optional provider `track` method (server or web provider). */
interface Trackable {
  track?(trackingEventName: string, context: EvaluationContext, trackingEventDetails: TrackingEventDetails): void;
}

/**
 * Wraps a provider (the featgate gate) so `client.track(name, context, details)` also reports an outcome: when
 * `details.flagKey` names a flag the hook saw served to `context.targetingKey`, every numeric detail (and each
 * boolean as 0/1) is added to that variation's aggregate, `value` under the event's own name. The call is then
 * forwarded to the wrapped provider's own `track`. Nothing else of the provider changes.
 */
export function withTelemetryTracking<P extends object>(provider: P, recorder: TelemetryRecorder): P {
  const inner = provider as P & Trackable;
  const track = (name: string, context: EvaluationContext, details: TrackingEventDetails = {}): void => {
    try {
      const flagKey = details['flagKey'];
      if (typeof flagKey === 'string' && context.targetingKey !== undefined) {
        const values: Array<[string, number]> = [];
        for (const [key, value] of Object.entries(details)) {
          if (key === 'flagKey' || values.length >= 20) continue;
          const number = typeof value === 'boolean' ? (value ? 1 : 0) : value;
          if (typeof number === 'number' && Number.isFinite(number))
            values.push([key === 'value' ? name.slice(0, 200) : key.slice(0, 200), number]);
        }
        recorder.outcomeFor(context.targetingKey, flagKey, values);
      }
    } catch {
      // Telemetry never breaks the caller.
    }
    inner.track?.(name, context, details);
  };
  // Methods are bound to the provider once each, so an evaluation through the wrapper costs a Map lookup more.
  const bound = new Map<PropertyKey, { readonly original: unknown; readonly bound: unknown }>();
  return new Proxy(inner, {
    get(target, property) {
      if (property === 'track') return track;
      const value = Reflect.get(target, property, target) as unknown;
      if (typeof value !== 'function') return value;
      const known = bound.get(property);
      if (known?.original === value) return known.bound;
      const fresh = (value as (...args: unknown[]) => unknown).bind(target);
      bound.set(property, { original: value, bound: fresh });
      return fresh;
    },
  });
}
