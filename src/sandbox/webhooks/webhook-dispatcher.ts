import { randomUUID } from 'node:crypto';
import type { Logger } from '../../logging/index.js';
import { compilePayloadTemplate } from './payload-renderer.js';
import { scopeMatches, type WebhookConfig } from './webhook-config.js';
import { signWebhookPayload } from './webhook-signature.js';

/** One delivery attempt, or a delivery that never produced an HTTP request, as the sandbox logged it. */
export interface WebhookDeliveryRecord {
  readonly deliveryId: string;
  readonly hookId: string;
  readonly attempt: number;
  readonly events: string;
  readonly url: string;
  readonly payload: string;
  readonly headers: Readonly<Record<string, string>>;
  /** HTTP status of the answer; absent when none arrived. */
  readonly status?: number;
  readonly success: boolean;
  /** Network error, timeout, render failure, or why it was not sent. */
  readonly error?: string;
  /** Dropped by fault injection: never sent, never retried. */
  readonly dropped: boolean;
  /** `preventEmptyPayloads` skipped an empty `{}` payload. */
  readonly ignored: boolean;
  readonly startedAt: string;
  readonly endedAt: string;
}

/** A change that may fire webhooks: where it happened, its events, and how to build its data object. */
export interface WebhookTrigger {
  readonly projectId: string;
  readonly envId: string;
  readonly events: readonly string[];
  readonly dataObject: Record<string, unknown>;
}

/**
 * Sends webhooks like FeatBit's `WebhookHandler` + `WebhookSender`: hooks that are active, subscribe to any of
 * the events and whose scope covers the environment; one delivery id per hook and change, reused by every
 * attempt; signed over the exact body; retried on non-2xx or network failure. Each change is its own task
 * started after the write is committed (fire-and-forget); hooks of one change are served one after another.
 */
export class WebhookDispatcher {
  private readonly hooks = new Map<string, WebhookConfig>();
  private readonly records: WebhookDeliveryRecord[] = [];
  private readonly pending = new Set<Promise<void>>();
  private readonly aborts = new Set<AbortController>();
  private dropRemaining = 0;
  private closed = false;

  constructor(private readonly logger?: Logger) {}

  /** Adds or replaces a webhook. */
  configure(config: WebhookConfig): void {
    this.hooks.set(config.id, config);
  }

  /** Removes a webhook; true when it existed. */
  remove(id: string): boolean {
    return this.hooks.delete(id);
  }

  /** The configured webhooks. */
  list(): WebhookConfig[] {
    return [...this.hooks.values()];
  }

  /** Every attempt logged so far, oldest first. */
  deliveries(): WebhookDeliveryRecord[] {
    return [...this.records];
  }

  /** Forgets logged deliveries. */
  clearDeliveries(): void {
    this.records.length = 0;
  }

  /** Drops the next `count` deliveries (all their attempts) as if lost on the network. */
  dropNext(count: number): void {
    this.dropRemaining = count;
  }

  /** Resolves once every started delivery (including retries) has finished. */
  async idle(): Promise<void> {
    while (this.pending.size > 0) await Promise.allSettled([...this.pending]);
  }

  /** Starts delivering `trigger` in the background; returns at once. */
  dispatch(trigger: WebhookTrigger): void {
    if (this.closed || trigger.events.length === 0) return;
    const hooks = this.list().filter(
      (hook) =>
        hook.isActive &&
        hook.events.some((event) => trigger.events.includes(event)) &&
        hook.scopes.some((scope) => scopeMatches(scope, trigger.projectId, trigger.envId)),
    );
    if (hooks.length === 0) return;
    const task = (async () => {
      for (const hook of hooks) await this.deliver(hook, trigger);
    })().catch((error: unknown) => this.logger?.error({ err: error }, 'webhook task failed'));
    this.pending.add(task);
    void task.finally(() => this.pending.delete(task));
  }

  /** Stops retries and in-flight requests. */
  async close(): Promise<void> {
    this.closed = true;
    for (const abort of this.aborts) abort.abort();
    await this.idle();
  }

  private async deliver(hook: WebhookConfig, trigger: WebhookTrigger): Promise<void> {
    const events = trigger.events.join(',');
    const deliveryId = randomUUID();
    const startedAt = new Date().toISOString();
    const base = {
      deliveryId,
      hookId: hook.id,
      events,
      url: hook.url,
      headers: {},
      dropped: false,
      ignored: false,
      startedAt,
    };
    let payload: string;
    try {
      payload = compilePayloadTemplate(hook.payloadTemplate)(trigger.dataObject);
      const parsed: unknown = JSON.parse(payload);
      if (hook.preventEmptyPayloads && isEmptyObject(parsed)) {
        this.records.push({
          ...base,
          attempt: 0,
          payload,
          success: false,
          ignored: true,
          error: 'Not allowed to send an empty JSON object',
          endedAt: new Date().toISOString(),
        });
        return;
      }
    } catch (error) {
      const message = `Cannot construct a valid JSON payload by using the template and the data object: ${(error as Error).message}`;
      this.records.push({
        ...base,
        attempt: 0,
        payload: '',
        success: false,
        error: message,
        endedAt: new Date().toISOString(),
      });
      return;
    }
    const headers = buildHeaders(hook, deliveryId, events, payload);
    if (this.dropRemaining > 0) {
      this.dropRemaining -= 1;
      this.records.push({
        ...base,
        attempt: 1,
        payload,
        headers,
        success: false,
        dropped: true,
        error: 'dropped by fault injection',
        endedAt: new Date().toISOString(),
      });
      return;
    }
    for (let attempt = 1; attempt <= hook.maxAttempts && !this.closed; attempt += 1) {
      if (attempt > 1) await this.pause(hook.retryDelayMs);
      if (this.closed) return;
      const record = await this.send(hook, payload, headers, { ...base, attempt });
      this.records.push(record);
      if (record.success) return;
    }
  }

  private async send(
    hook: WebhookConfig,
    payload: string,
    headers: Record<string, string>,
    base: Omit<
      WebhookDeliveryRecord,
      'payload' | 'headers' | 'success' | 'endedAt' | 'status' | 'error' | 'startedAt'
    > & { startedAt: string },
  ): Promise<WebhookDeliveryRecord> {
    const abort = new AbortController();
    this.aborts.add(abort);
    const timer = setTimeout(() => abort.abort(new Error(`timed out after ${hook.timeoutMs} ms`)), hook.timeoutMs);
    const startedAt = new Date().toISOString();
    try {
      // .NET's HttpClient follows redirects (a 301/302/303 turns the POST into a GET), as fetch does.
      const response = await fetch(hook.url, {
        method: 'POST',
        headers,
        body: payload,
        signal: abort.signal,
        redirect: 'follow',
      });
      await response.arrayBuffer().catch(() => undefined);
      return {
        ...base,
        startedAt,
        payload,
        headers,
        status: response.status,
        success: response.ok,
        endedAt: new Date().toISOString(),
      };
    } catch (error) {
      const reason =
        abort.signal.aborted && abort.signal.reason instanceof Error
          ? abort.signal.reason.message
          : (error as Error).message;
      return { ...base, startedAt, payload, headers, success: false, error: reason, endedAt: new Date().toISOString() };
    } finally {
      clearTimeout(timer);
      this.aborts.delete(abort);
    }
  }

  private pause(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const abort = new AbortController();
      const finish = () => {
        clearTimeout(timer);
        this.aborts.delete(abort);
        resolve();
      };
      const timer = setTimeout(finish, ms);
      abort.signal.addEventListener('abort', finish, { once: true });
      this.aborts.add(abort);
    });
  }
}

function isEmptyObject(value: unknown): boolean {
  return typeof value === 'object' && value !== null && !Array.isArray(value) && Object.keys(value).length === 0;
}

/**
 * Built-in FeatBit headers, then the hook's own headers replacing any built-in of the same name, except
 * `Content-Type`: `WebhookSender` adds user headers to the request headers, where .NET refuses content headers
 * (medium confidence), so the body keeps `application/json; charset=utf-8`.
 */
function buildHeaders(
  hook: WebhookConfig,
  deliveryId: string,
  events: string,
  payload: string,
): Record<string, string> {
  const headers: Record<string, string> = {
    'Content-Type': 'application/json; charset=utf-8',
    'X-FeatBit-Delivery': deliveryId,
    'X-FeatBit-Event': events,
    'X-FeatBit-Hook-ID': hook.id,
  };
  if (hook.secret && hook.secret.trim() !== '')
    headers['X-FeatBit-Signature-256'] = signWebhookPayload(hook.secret, payload);
  for (const { key, value } of hook.headers) {
    if (key.trim().toLowerCase() === 'content-type') continue;
    for (const existing of Object.keys(headers))
      if (existing.toLowerCase() === key.toLowerCase()) delete headers[existing];
    headers[key] = value;
  }
  return headers;
}
