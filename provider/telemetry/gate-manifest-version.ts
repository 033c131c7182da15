import { ServerProviderEvents } from '@openfeature/core';

/** What the helper reads from a featgate gate (server or web): its stats and its provider events. */
export interface ManifestVersionSource {
  stats(): { readonly manifestVersion?: number };
  readonly events: { addHandler(event: ServerProviderEvents, handler: () => void): void };
}

/**
 * The gate's manifest version for the telemetry hook, read once and again on each Ready or ConfigurationChanged
 * event (the gate emits one synchronously whenever it switches manifests), so an evaluation pays a closure call,
 * not a `stats()` object.
 */
export function gateManifestVersion(gate: ManifestVersionSource): () => number | undefined {
  let version: number | undefined;
  let known = false;
  const refresh = (): void => {
    version = gate.stats().manifestVersion;
    known = version !== undefined;
  };
  gate.events.addHandler(ServerProviderEvents.ConfigurationChanged, refresh);
  gate.events.addHandler(ServerProviderEvents.Ready, refresh);
  return () => {
    if (!known) refresh();
    return version;
  };
}
