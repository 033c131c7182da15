import { NotificationKind } from '../notify/notification.js';
import { prometheusTemplatesSchema } from '../exposure/prometheus/prometheus-template-config.js';
import { z } from 'zod';
import { peopleSchema } from '../identity/identity-mapping.js';
import { DEFAULT_RATE_LIMITS, rateLimitConfigSchema } from './rate-limit-config.js';

/** A FeatBit webhook secret list: one string, a comma-separated string (rotation) or a list. */
/**
 * Webhook secrets: one string is one secret taken as its exact bytes (FeatBit signs with the secret verbatim, so a
 * comma or an edge space is part of it); a list holds several while a secret is rotated.
 */
const secretListSchema = z
  .union([z.string().min(1), z.array(z.string().min(1))])
  .transform((value) => (typeof value === 'string' ? [value] : value));

/** One API token the service accepts; only the SHA-256 of the token is kept, never the token itself. */
export const apiTokenConfigSchema = z.strictObject({
  name: z.string().min(1),
  sha256: z.string().regex(/^[0-9a-f]{64}$/, 'expected the lower-case hex SHA-256 of the token'),
  roles: z.array(z.string().min(1)).min(1),
  kind: z.enum(['user', 'service']).default('user'),
});
export type ApiTokenConfig = z.infer<typeof apiTokenConfigSchema>;

/** OIDC bearer JWTs: verified against the issuer's JWKS with issuer and audience checks. */
export const oidcConfigSchema = z.strictObject({
  issuer: z.url(),
  audience: z.union([z.string().min(1), z.array(z.string().min(1)).min(1)]),
  /** Defaults to `<issuer>/.well-known/jwks.json`. */
  jwksUri: z.url().optional(),
  /** Claim holding the caller's roles (a list or a space-separated string); dotted for nested claims. */
  rolesClaim: z.string().min(1).default('roles'),
  /** Claim that names the caller in the ledger. */
  subjectClaim: z.string().min(1).default('sub'),
  /** Accepted clock skew in seconds. */
  clockToleranceSeconds: z.number().int().min(0).max(300).default(30),
});
export type OidcConfig = z.infer<typeof oidcConfigSchema>;

/** The webhook bridge: FeatBit deliveries, the periodic reconciler and outgoing notifications. */
export const webhookBridgeConfigSchema = z.strictObject({
  /** Seconds between reconciler rounds, which also run at start (`FEATGATE_RECONCILE_INTERVAL_SECONDS`). */
  reconcileIntervalSeconds: z.number().positive().max(86_400).default(60),
  /** Slack-compatible incoming-webhook URL for reverts, proposals and approvals (`FEATGATE_NOTIFY_URL`); it holds a secret. */
  notifyUrl: z.url().optional(),
  /** Largest accepted FeatBit delivery in bytes; larger ones get 413. */
  bodyLimitBytes: z
    .number()
    .int()
    .positive()
    .max(50 * 1024 * 1024)
    .default(1024 * 1024),
});
export type WebhookBridgeConfig = z.infer<typeof webhookBridgeConfigSchema>;

/** A place lifecycle notifications go: a Slack-compatible webhook or e-mail recipients, for some roles and kinds. */
export const notificationTargetSchema = z
  .strictObject({
    name: z.string().min(1).max(64),
    /** Slack-compatible incoming-webhook URL; it holds a secret and is never logged. */
    slack: z.url().optional(),
    /** E-mail recipients (needs `notifications.smtp`). */
    email: z.array(z.email()).min(1).max(100).optional(),
    /** Only notifications for these roles (e.g. `security`); absent: every notification. */
    roles: z.array(z.string().min(1).max(64)).max(50).optional(),
    /** Only these kinds (`awaiting-review`, `change-approved`, `stage-applied`, `release-held`, `release-rolled-back`, `break-glass-used`, `edit-reverted`, `revert-failed`, `proposal-opened`, `review-due`, `break-glass-post-review-due`). */
    kinds: z.array(z.enum(NotificationKind)).max(20).optional(),
  })
  .refine((target) => (target.slack ? 1 : 0) + (target.email ? 1 : 0) === 1, {
    message: 'name exactly one of slack or email',
  });
export type NotificationTargetConfig = z.infer<typeof notificationTargetSchema>;

/** Outgoing notifications for every lifecycle event that needs a person, routed by role. */
export const notificationsConfigSchema = z
  .strictObject({
    /** SMTP server for e-mail targets. */
    smtp: z
      .strictObject({
        host: z.string().min(1).max(255),
        port: z.number().int().min(1).max(65_535).default(587),
        secure: z.boolean().default(false),
        from: z.string().min(3).max(320),
        user: z.string().max(320).optional(),
        /** SMTP password (`FEATGATE_SMTP_PASSWORD`); never logged. */
        password: z.string().max(1_000).optional(),
      })
      .optional(),
    targets: z.array(notificationTargetSchema).max(50).default([]),
  })
  .refine((config) => !config.targets.some((target) => target.email) || config.smtp, {
    message: 'e-mail targets need notifications.smtp',
    path: ['smtp'],
  });
export type NotificationsConfig = z.infer<typeof notificationsConfigSchema>;

/** Staged exposure: the scheduler of automatic stage advances, break-glass expiries and review-date notices. */
export const exposureConfigSchema = z.strictObject({
  /** Seconds between sweeps of the ledger for due stage advances, break-glass expiries and review-date notices. */
  sweepIntervalSeconds: z.number().positive().max(3600).default(5),
  /** Prometheus to pull guardrail metrics from (for `holdIf` conditions that name one of its `templates`). */
  prometheus: z
    .strictObject({
      /** Base URL of the Prometheus HTTP API (`FEATGATE_PROMETHEUS_URL`). */
      url: z.url(),
      /** Seconds between pulls. */
      intervalSeconds: z.number().positive().max(86_400).default(60),
      /** Bearer token for a protected Prometheus (`FEATGATE_PROMETHEUS_TOKEN`); a secret, never logged. */
      bearerToken: z.string().min(1).optional(),
      /**
       * The PromQL a release plan may use, by name: a `holdIf` condition names a template and gives values for its
       * declared parameters; requesters never write queries.
       */
      templates: prometheusTemplatesSchema,
    })
    .optional(),
});
export type ExposureConfig = z.infer<typeof exposureConfigSchema>;

/**
 * The governance service's configuration file (YAML). Every key is optional; environment variables override
 * file values (see `ENV_VARIABLES`). Unknown keys are refused so a typo never silently falls back to a default.
 */
export const serviceConfigSchema = z.strictObject({
  /** TCP port (`PORT`, `--port`); 0 picks a free one. */
  port: z.number().int().min(0).max(65535).default(8080),
  /** Interface to listen on. */
  host: z.string().min(1).default('127.0.0.1'),
  /** Redis for the ledger, locks and several processes (`REDIS_URL`); absent = embedded single-process store. */
  redisUrl: z
    .string()
    .regex(/^rediss?:\/\//, 'expected a redis:// or rediss:// URL')
    .optional(),
  /** Prefix of every Redis key the service writes. */
  redisPrefix: z.string().min(1).default('featgate:'),
  /** Folder of the embedded ledger and, without Redis, of the generated signing and redaction keys (`FEATGATE_DATA_DIR`). */
  dataDir: z.string().min(1).default('.featgate'),
  /** Policy pack file (`FEATGATE_POLICY`); the built-in default pack when absent. */
  policy: z.string().min(1).optional(),
  /** Largest accepted request body in bytes; larger ones get 413. */
  bodyLimitBytes: z
    .number()
    .int()
    .positive()
    .max(50 * 1024 * 1024)
    .default(1024 * 1024),
  /**
   * Private signing key of the approval manifest, JWK JSON or PKCS8 PEM (`FEATGATE_SIGNING_KEY`); generated on first
   * start when absent, into the data folder, or into Redis (under the prefix) when `redisUrl` is set, so every process shares it.
   */
  signingKey: z.string().min(1).optional(),
  /**
   * Key of the HMAC kept in place of redacted secret values, at least 32 characters (`FEATGATE_REDACTION_KEY`);
   * generated on first start when absent, into the data folder, or into Redis (under the prefix) when `redisUrl` is set,
   * so every process sharing one Redis hashes alike.
   */
  redactionKey: z.string().trim().min(32, 'use at least 32 characters, e.g. `openssl rand -base64 32`').optional(),
  featbit: z
    .strictObject({
      /** FeatBit API server, e.g. `http://localhost:5000` (`FEATBIT_API_URL`). */
      apiUrl: z.url().optional(),
      /** featgate's own FeatBit access token, `api-…` (`FEATBIT_ACCESS_TOKEN`). */
      accessToken: z.string().min(1).optional(),
      /**
       * Webhook signing secrets, each taken as its exact bytes (`FEATBIT_WEBHOOK_SECRET`); a list while rotating.
       */
      webhookSecret: secretListSchema.default([]),
      /** The secret being rotated out, still accepted (`FEATBIT_WEBHOOK_SECRET_PREVIOUS`, exact bytes); merged into `webhookSecret`. */
      webhookSecretPrevious: z.string().min(1).optional(),
      /** Start the in-process FeatBit sandbox; defaults to true when no `apiUrl` is configured. */
      sandbox: z.boolean().optional(),
      /** FeatBit's evaluation server, where server SDKs stream from (`FEATBIT_EVALUATION_URL`); needed for the stream trigger. */
      evaluationUrl: z.url().optional(),
      /**
       * Server secret per governed environment id (`FEATBIT_SERVER_SECRETS`, a JSON object): the bridge follows each
       * one's SDK data-sync stream as a second trigger. Without one, an environment has webhooks and the reconciler only.
       */
      serverSecrets: z.record(z.string().min(1), z.string().min(1)).default({}),
    })
    .transform(({ webhookSecretPrevious, ...featbit }) => ({
      ...featbit,
      webhookSecret:
        webhookSecretPrevious === undefined ? featbit.webhookSecret : [...featbit.webhookSecret, webhookSecretPrevious],
    }))
    .default({ webhookSecret: [], serverSecrets: {} }),
  webhooks: webhookBridgeConfigSchema.default({ reconcileIntervalSeconds: 60, bodyLimitBytes: 1024 * 1024 }),
  exposure: exposureConfigSchema.default({ sweepIntervalSeconds: 5 }),
  notifications: notificationsConfigSchema.default({ targets: [] }),
  /** Per-principal request budgets (writes per person, service identities higher, reads unlimited by default). */
  rateLimits: rateLimitConfigSchema.default(DEFAULT_RATE_LIMITS),
  identity: z
    .strictObject({
      tokens: z.array(apiTokenConfigSchema).default([]),
      oidc: oidcConfigSchema.optional(),
      /** Role → permissions, merged over the defaults (a role listed here replaces its default). */
      roles: z.record(z.string().min(1), z.array(z.string().min(1))).default({}),
      /**
       * The identity mapping: each person with their e-mails, OIDC subjects, API token names and FeatBit users, so
       * separation of duties compares people (an author's other identities never approve their change).
       */
      people: peopleSchema,
    })
    .default({ tokens: [], roles: {}, people: [] }),
});
export type ServiceConfig = z.infer<typeof serviceConfigSchema>;
/** What a config file may contain, before defaults apply. */
export type ServiceConfigInput = z.input<typeof serviceConfigSchema>;
