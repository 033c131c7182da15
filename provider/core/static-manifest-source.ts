import type { ManifestListener, ManifestSource } from './manifest-source.js';

/** A manifest supplied by the application (e.g. baked into a deployment), optionally replaced later with `update`. */
export class StaticManifestSource implements ManifestSource {
  private listener: ManifestListener | undefined;

  constructor(private jws?: string) {}

  /** Delivers the supplied manifest, if any. */
  async start(listener: ManifestListener): Promise<void> {
    this.listener = listener;
    if (this.jws !== undefined) await listener.manifest(this.jws);
  }

  /** Hands the gate a new manifest JWS; resolves once the gate has verified (or refused) it. */
  async update(jws: string): Promise<void> {
    this.jws = jws;
    await this.listener?.manifest(jws);
  }

  /** Stops delivering updates. */
  stop(): void {
    this.listener = undefined;
  }
}
