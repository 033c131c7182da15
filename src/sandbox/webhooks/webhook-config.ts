import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import { parseOrThrow } from '../../errors/index.js';
import { DEFAULT_WEBHOOK_PAYLOAD_TEMPLATE } from './default-payload-template.js';
import { WebhookEvent } from '../../featbit/model/index.js';

/** FeatBit's delivery timing (`WebhookSender.cs`): 3 attempts, 2 s apart, 10 s timeout each. */
export const FEATBIT_WEBHOOK_TIMING = { maxAttempts: 3, retryDelayMs: 2_000, timeoutMs: 10_000 } as const;

/** What a test or the control API may say when configuring a webhook; FeatBit's fields plus timing. */
export const webhookConfigInputSchema = z.object({
  id: z.uuid().optional(),
  name: z.string().min(1).default('sandbox webhook'),
  url: z.url({ protocol: /^https?$/ }),
  secret: z.string().optional(),
  events: z.array(z.enum(WebhookEvent)).min(1, 'a webhook needs at least one event'),
  /** `"<projectId>/<envId>,<envId>"` strings; default: every sandbox environment. */
  scopes: z
    .array(
      z
        .string()
        .regex(/^[0-9a-fA-F-]{36}\/[0-9a-fA-F-]{36}(,[0-9a-fA-F-]{36})*$/, 'scope is <projectId>/<envId>[,<envId>…]'),
    )
    .optional(),
  headers: z.array(z.object({ key: z.string().min(1), value: z.string() })).default([]),
  isActive: z.boolean().default(true),
  preventEmptyPayloads: z.boolean().default(false),
  payloadTemplate: z.string().default(DEFAULT_WEBHOOK_PAYLOAD_TEMPLATE),
  maxAttempts: z.number().int().min(1).max(10).default(FEATBIT_WEBHOOK_TIMING.maxAttempts),
  retryDelayMs: z.number().int().nonnegative().default(FEATBIT_WEBHOOK_TIMING.retryDelayMs),
  timeoutMs: z.number().int().positive().default(FEATBIT_WEBHOOK_TIMING.timeoutMs),
});
export type WebhookConfigInput = z.input<typeof webhookConfigInputSchema>;

/** A configured webhook with every default applied. */
export type WebhookConfig = Omit<z.output<typeof webhookConfigInputSchema>, 'id' | 'scopes'> & {
  readonly id: string;
  readonly scopes: readonly string[];
};

/** Validates a webhook configuration; `defaultScopes` applies when the input names none. */
export function resolveWebhookConfig(input: unknown, defaultScopes: readonly string[]): WebhookConfig {
  const parsed = parseOrThrow(webhookConfigInputSchema, input);
  return { ...parsed, id: parsed.id ?? randomUUID(), scopes: parsed.scopes ?? defaultScopes };
}

/** `ResourceDescriptor.MatchScope`: the scope's project is the resource's and lists its environment. */
export function scopeMatches(scope: string, projectId: string, envId: string): boolean {
  const [project, envs] = scope.split('/');
  if (!project || envs === undefined) return false;
  return (
    project.toLowerCase() === projectId.toLowerCase() &&
    envs.split(',').some((id) => id.toLowerCase() === envId.toLowerCase())
  );
}
