import type { ManifestListener, ManifestSource } from './manifest-source.js';
import { SseParser } from './sse-parser.js';

/** Where and how to reach the featgate service. */
export interface HttpManifestSourceOptions {
  /** Base URL of featgate, e.g. `https://featgate.internal`. */
  readonly baseUrl: string;
  /** FeatBit environment id whose manifest the gate follows. */
  readonly envId: string;
  /** Extra request headers (e.g. an API token). */
  readonly headers?: Readonly<Record<string, string>>;
  /** Follow the SSE stream (default) or only poll. */
  readonly stream?: boolean;
  /** Polling interval when not streaming, and the longest wait between reconnects. Default 30 s. */
  readonly pollIntervalMs?: number;
  /** First reconnect delay after the stream drops; doubles up to `pollIntervalMs`. Default 500 ms. */
  readonly reconnectDelayMs?: number;
  /**
   * Ask the stream for deltas (default): after the whole manifest on connect, each update carries only the changed
   * flags; a delta the gate refuses makes the source fetch the whole manifest. `false` streams whole manifests.
   */
  readonly deltas?: boolean;
  /** The fetch to use; defaults to the global one (Node 20+ and browsers). */
  readonly fetch?: typeof fetch;
}

/**
 * Follows an environment's manifest on the featgate service: one conditional GET at start, then the SSE stream
 * (`/manifest/stream?delta=1`: the whole manifest on connect, then deltas); a delta the gate refuses (a missed
 * version, a bad signature) is followed by a fetch of the whole manifest. Whenever the stream is down it polls with
 * `If-None-Match` and reconnects with backoff.
 * Browser-safe: uses only `fetch`, streams and timers.
 */
export class HttpManifestSource implements ManifestSource {
  private controller: AbortController | undefined;
  private etag: string | undefined;
  private readonly fetchFn: typeof fetch;
  private readonly manifestUrl: string;

  constructor(private readonly options: HttpManifestSourceOptions) {
    this.fetchFn = options.fetch ?? ((input, init) => globalThis.fetch(input, init));
    const base = options.baseUrl.replace(/\/+$/, '');
    this.manifestUrl = `${base}/v1/envs/${encodeURIComponent(options.envId)}/manifest`;
  }

  /** Fetches the current manifest, then keeps following updates in the background. */
  async start(listener: ManifestListener): Promise<void> {
    this.stop();
    const controller = new AbortController();
    this.controller = controller;
    try {
      await this.poll(listener, controller.signal);
    } catch (error) {
      if (!controller.signal.aborted) listener.error(error);
    }
    void this.follow(listener, controller.signal);
  }

  /** Closes the stream and stops polling. */
  stop(): void {
    this.controller?.abort();
    this.controller = undefined;
  }

  private async follow(listener: ManifestListener, signal: AbortSignal): Promise<void> {
    const maxDelay = this.options.pollIntervalMs ?? 30_000;
    const firstDelay = Math.min(this.options.reconnectDelayMs ?? 500, maxDelay);
    let delay = this.options.stream === false ? maxDelay : firstDelay;
    while (!signal.aborted) {
      if (this.options.stream !== false) {
        try {
          if (await this.stream(listener, signal)) delay = firstDelay;
        } catch (error) {
          if (signal.aborted) return;
          listener.error(error);
        }
      }
      await sleep(delay, signal);
      if (signal.aborted) return;
      try {
        await this.poll(listener, signal);
      } catch (error) {
        if (signal.aborted) return;
        listener.error(error);
      }
      if (this.options.stream !== false) delay = Math.min(delay * 2, maxDelay);
    }
  }

  /** One conditional GET; delivers the manifest when it changed. */
  private async poll(listener: ManifestListener, signal: AbortSignal): Promise<void> {
    const headers: Record<string, string> = { ...this.options.headers, accept: 'application/jose' };
    if (this.etag) headers['if-none-match'] = this.etag;
    const response = await this.fetchFn(this.manifestUrl, { headers, signal, cache: 'no-store' });
    if (response.status === 304) return;
    if (!response.ok) throw new Error(`GET ${this.manifestUrl} answered ${response.status}`);
    const jws = (await response.text()).trim();
    this.etag = response.headers.get('etag') ?? undefined;
    await listener.manifest(jws);
  }

  /** Reads the SSE stream until it ends; returns whether it delivered at least one manifest. */
  private async stream(listener: ManifestListener, signal: AbortSignal): Promise<boolean> {
    const deltas = this.options.deltas !== false && listener.delta !== undefined;
    const response = await this.fetchFn(`${this.manifestUrl}/stream${deltas ? '?delta=1' : ''}`, {
      headers: { ...this.options.headers, accept: 'text/event-stream' },
      signal,
      cache: 'no-store',
    });
    if (!response.ok || !response.body) throw new Error(`GET ${this.manifestUrl}/stream answered ${response.status}`);
    const reader = response.body.getReader();
    const decoder = new TextDecoder();
    const parser = new SseParser();
    let delivered = false;
    try {
      for (;;) {
        const { value, done } = await reader.read();
        if (done) return delivered;
        for (const event of parser.push(decoder.decode(value, { stream: true }))) {
          if (event.event === 'manifest') {
            if (event.id) this.etag = event.id;
            delivered = true;
            await listener.manifest(event.data.trim());
          } else if (event.event === 'manifest-delta' && deltas) {
            // the whole manifest of this version has another ETag: the next poll must fetch it whole
            this.etag = undefined;
            delivered = true;
            if (!(await listener.delta!(event.data.trim()))) await this.poll(listener, signal);
          }
        }
      }
    } finally {
      reader.releaseLock();
    }
  }
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve();
    const timer = setTimeout(done, ms);
    function done(): void {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    }
    signal.addEventListener('abort', done, { once: true });
  });
}
