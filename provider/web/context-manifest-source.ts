import type { EvaluationContext } from '@openfeature/core';
import type { ManifestListener, ManifestSource } from '../core/manifest-source.js';

/** Where a web gate fetches its per-context manifests. */
export interface ContextManifestSourceOptions {
  /** The featgate service, e.g. `https://featgate.example.com`. */
  readonly baseUrl: string;
  readonly envId: string;
  /** Re-fetch interval, so renewals arrive before the (short) lifetime ends. Default 60 s. */
  readonly refreshMs?: number;
  /** `fetch`, replaceable in tests. */
  readonly fetch?: typeof globalThis.fetch;
}

/**
 * Fetches the manifest evaluated for the browser's own context (`POST /v1/envs/:env/web-manifest`): only the values
 * this context may be served, no targeting data of anyone else and no secret-bearing flags. Refetches on every
 * context change and periodically. Browser-safe.
 */
export class ContextManifestSource implements ManifestSource {
  private listener: ManifestListener | undefined;
  private context: EvaluationContext = {};
  private timer: ReturnType<typeof setInterval> | undefined;
  private readonly url: string;
  private readonly fetchFn: typeof globalThis.fetch;

  constructor(private readonly options: ContextManifestSourceOptions) {
    this.url = `${options.baseUrl.replace(/\/+$/, '')}/v1/envs/${encodeURIComponent(options.envId)}/web-manifest`;
    this.fetchFn = options.fetch ?? ((input, init) => globalThis.fetch(input, init));
  }

  async start(listener: ManifestListener): Promise<void> {
    this.listener = listener;
    await this.fetchNow();
    this.timer ??= setInterval(() => void this.fetchNow(), this.options.refreshMs ?? 60_000);
    (this.timer as { unref?: () => void }).unref?.();
  }

  stop(): void {
    this.listener = undefined;
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
  }

  async useContext(context: EvaluationContext): Promise<void> {
    this.context = context;
    if (this.listener) await this.fetchNow();
  }

  private async fetchNow(): Promise<void> {
    const listener = this.listener;
    if (!listener) return;
    try {
      const response = await this.fetchFn(this.url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', accept: 'application/jose' },
        body: JSON.stringify({ context: this.context }),
        cache: 'no-store',
      });
      if (!response.ok) throw new Error(`web manifest request answered ${response.status}`);
      await listener.manifest(await response.text());
    } catch (error) {
      listener.error(error);
    }
  }
}
