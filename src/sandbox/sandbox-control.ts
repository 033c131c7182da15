import type { SandboxStore, SeedOptions } from './sandbox-store.js';
import type { SandboxAccessToken, TokenOptions } from './sandbox-identity.js';
import type { FaultSpan } from './fault-injector.js';
import type { WebhookConfig, WebhookConfigInput, WebhookDeliveryRecord } from './webhooks/index.js';

/** What tests (and `/sandbox/...` HTTP calls) can do to the sandbox besides using FeatBit's API. */
export interface SandboxControl {
  /** Adds or replaces a webhook (url, secret, events, scopes, headers, attempts, retry delay, timeout). */
  configureWebhook(input: WebhookConfigInput): WebhookConfig;
  /** Removes a webhook; true when it existed. */
  removeWebhook(id: string): boolean;
  /** The configured webhooks. */
  webhooks(): WebhookConfig[];
  /** Every delivery attempt so far, oldest first. */
  deliveries(): WebhookDeliveryRecord[];
  /** Forgets the delivery log. */
  clearDeliveries(): void;
  /** Resolves when every started webhook delivery, retries included, has finished. */
  webhooksIdle(): Promise<void>;
  /** Fails the next `count` requests, or all for `forMs`, with `status` (default 500). */
  failRequests(span: FaultSpan & { status?: number; method?: string }): void;
  /** Adds `ms` of latency to the next `count` requests, or all for `forMs`. */
  addLatency(ms: number, span?: FaultSpan): void;
  /** Drops the next `count` webhook deliveries entirely. */
  dropWebhooks(count: number): void;
  /** Closes the listener and destroys open sockets, so connections are refused, then listens again after `forMs`. */
  refuseConnections(forMs: number): Promise<void>;
  /** Removes request failures and latency. */
  clearFaults(): void;
  /** Loads one more seed document (data-sync message, bare flags or bare segments). */
  seed(document: unknown, options?: SeedOptions): void;
  /** Issues an access token acting as operator `name`, with all permissions unless `permissions` or `readOnly` say otherwise. */
  issueToken(name: string, options?: TokenOptions): SandboxAccessToken;
  /** Server-SDK WebSocket connections open on `/streaming`. */
  streamingConnections(): number;
  /** Requests the SDKs made to the insight endpoint. */
  insightRequests(): number;
  /** The in-memory FeatBit state, for assertions (flags, segments, audit logs). */
  readonly store: SandboxStore;
}
