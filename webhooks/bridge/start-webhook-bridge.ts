import type { Router } from 'express';
import type { Redis } from 'ioredis';
import type { Registry } from 'prom-client';
import type { Policy } from '../../policies/index.js';
import type { FeatBitRestClient } from '../../src/featbit/rest-client/index.js';
import type { LedgerStore } from '../../src/ledger/index.js';
import type { Logger } from '../../src/logging/index.js';
import { silentLogger } from '../../src/logging/index.js';
import { ProposalService } from '../../src/proposals/index.js';
import type { KeyedLock } from '../../src/locks/index.js';
import type { LedgerProjections } from '../../src/projections/index.js';
import type { Notifier } from '../../src/notify/index.js';
import type { JobRetryPolicy } from '../../src/jobs/index.js';
import {
  createBullmqReconcileQueue,
  createMemoryReconcileQueue,
  type ReconcileQueue,
} from '../queue/reconcile-queue.js';
import { registerQueueMetrics } from '../queue/queue-metrics.js';
import { startRetryPromoter } from '../queue/retry-promoter.js';
import { startReconciler, type Reconciler } from '../reconciler/reconciler.js';
import { startClusterReconciler } from '../reconciler/cluster-reconciler.js';
import { createMemoryDeliveryDeduper, type DeliveryDeduper } from '../receiver/delivery-deduper.js';
import { createRedisDeliveryDeduper } from '../receiver/redis-delivery-deduper.js';
import { createWebhookRouter } from '../receiver/webhook-router.js';
import type { ProposalOpener } from '../worker/bridge-ports.js';
import { createReconcileHandler } from '../worker/reconcile-worker.js';
import { startStreamTrigger, type StreamedEnvironment, type StreamTrigger } from '../stream/stream-trigger.js';
import { approvedStateReader } from './approved-state-reader.js';
import { probeFeatBitRelease } from './featbit-version-probe.js';
import { ConfigError } from '../../src/errors/index.js';
import { governedTargetLister } from './governed-targets.js';
import { BridgeHealth, FlagProblemKind, type BridgeReadinessCheck } from '../worker/bridge-health.js';
import { TokenPermissions, type FlagPermissions } from '../worker/token-permissions.js';
import { PermissionState } from '../../src/featbit/rest-client/index.js';

/** BullMQ tuning (tests shorten the take-over of a killed worker's job). */
export interface BridgeQueueTuning {
  readonly concurrency?: number;
  readonly lockDurationMs?: number;
  readonly stalledIntervalMs?: number;
}

/** Everything the webhook bridge is assembled from; the service passes its own ledger, projections and lock. */
export interface WebhookBridgeOptions {
  readonly featbit: FeatBitRestClient;
  readonly ledger: LedgerStore;
  readonly projections: LedgerProjections;
  /** The workflow's lock: the worker takes the same per-flag lock as releases and adoption. */
  readonly lock: KeyedLock;
  readonly proposals: ProposalService;
  readonly policy: () => Policy;
  /** Accepted FeatBit webhook secrets; with none, no receiver is mounted and only the reconciler runs. */
  readonly secrets: readonly string[];
  /** Redis mode: BullMQ queue, shared delivery dedupe and notification claims; absent = in-process queue. */
  readonly redis?: { readonly client: Redis; readonly url: string };
  /** Prefix of every Redis key the bridge writes. */
  readonly prefix: string;
  readonly reconcileIntervalMs: number;
  /** Where reverts and proposals are announced (built by the composition root from the notification config). */
  readonly notifier?: Notifier;
  readonly bodyLimitBytes: number;
  readonly retry?: JobRetryPolicy;
  readonly queueTuning?: BridgeQueueTuning;
  /** Where the queue gauges are registered (the service's `/metrics` registry). */
  readonly metrics?: Registry;
  /** Name of featgate's FeatBit access token, when known. */
  readonly serviceOperatorName?: string;
  /**
   * FeatBit's evaluation server and the server secrets of the governed environments to follow through the SDK
   * data-sync stream (a second trigger that sees edits FeatBit sends no webhook for); absent: webhooks and reconciler only.
   */
  readonly stream?: { readonly evaluationUrl: string; readonly environments: readonly StreamedEnvironment[] };
  /** Called with the scheduled time of each cluster round this process ran (Redis mode; tests count rounds). */
  readonly onScheduledRound?: (scheduledAt: number) => void;
  readonly logger?: Logger;
}

/** A running bridge. */
export interface WebhookBridge {
  /** `POST /webhooks/featbit`, when secrets are configured. */
  readonly router?: Router;
  readonly queue: ReconcileQueue;
  readonly reconciler: Reconciler;
  /** The data-sync stream trigger, when server secrets are configured. */
  readonly stream?: StreamTrigger;
  /** What featgate's FeatBit token may do per governed flag. */
  readonly permissions: TokenPermissions;
  /** Open problems (missing permissions, blocked or failed reverts), raised in readiness, metrics and notifications. */
  readonly health: BridgeHealth;
  /** The checks `/readyz` adds for the bridge. */
  readonly readiness: readonly BridgeReadinessCheck[];
  /** Stops the reconciler, waits for running jobs and releases the queue's connections. */
  close(): Promise<void>;
}

/**
 * Starts the webhook bridge of `featgate serve`: the signed receiver, the reconcile queue (BullMQ on Redis, or in
 * process), the worker that judges and reverts edits against the approved state and opens proposals through the
 * workflow, the reconciler (at start and on its interval), and notifications for reverts, proposals and approvals.
 */
export async function startWebhookBridge(options: WebhookBridgeOptions): Promise<WebhookBridge> {
  const logger = options.logger ?? silentLogger;
  await refuseUnsupportedFeatBit(options.featbit, options.policy(), logger);
  const queue: ReconcileQueue = options.redis
    ? createBullmqReconcileQueue({
        redisUrl: options.redis.url,
        prefix: options.prefix,
        logger,
        ...(options.retry ? { retry: options.retry } : {}),
        ...options.queueTuning,
      })
    : createMemoryReconcileQueue({
        logger,
        ...(options.retry ? { retry: options.retry } : {}),
        ...(options.queueTuning?.concurrency ? { concurrency: options.queueTuning.concurrency } : {}),
      });
  const claims: DeliveryDeduper = options.redis
    ? createRedisDeliveryDeduper(options.redis.client, { prefix: options.prefix })
    : createMemoryDeliveryDeduper();
  const { notifier } = options;
  const { projections } = options;

  const approvedStates = approvedStateReader(projections, options.ledger);
  const permissions = new TokenPermissions(options.featbit);
  const health = new BridgeHealth({
    ...(notifier ? { notifier } : {}),
    ...(options.metrics ? { metrics: options.metrics } : {}),
    logger,
  });
  permissions.onChange((flag) => void reportPermissions(health, flag));
  const proposals: ProposalOpener = {
    keyFor: (proposal) => ProposalService.keyFor(proposal),
    exists: (changeKey) => options.proposals.exists(changeKey),
    openProposal: (proposal) => options.proposals.openProposal(proposal),
  };
  const handler = createReconcileHandler({
    featbit: options.featbit,
    ledger: options.ledger,
    approvedStates,
    proposals,
    policy: options.policy,
    queue,
    lock: options.lock,
    permissions,
    health,
    ...(notifier ? { notifier } : {}),
    ...(options.serviceOperatorName ? { serviceOperatorName: options.serviceOperatorName } : {}),
    logger,
  });
  await queue.start(handler);
  if (options.metrics) registerQueueMetrics(queue, options.metrics);
  const reconcilerOptions = {
    queue,
    listTargets: governedTargetLister(options.featbit, options.policy, projections, logger),
    intervalMs: options.reconcileIntervalMs,
    logger,
  };
  // Redis mode: one reconciler per cluster through a shared BullMQ job scheduler; in process: a local timer.
  const reconciler = options.redis
    ? await startClusterReconciler({
        ...reconcilerOptions,
        redisUrl: options.redis.url,
        prefix: options.prefix,
        ...(options.onScheduledRound ? { onScheduledRound: options.onScheduledRound } : {}),
      })
    : startReconciler(reconcilerOptions);
  const probeEnv = options.policy().environments[0]?.id;
  const promoter = probeEnv
    ? startRetryPromoter({
        queue,
        probe: async () => void (await options.featbit.listFlags(probeEnv, { pageSize: 1 })),
        logger,
      })
    : undefined;
  const router =
    options.secrets.length > 0
      ? createWebhookRouter({
          secrets: options.secrets,
          queue,
          deduper: claims,
          bodyLimit: options.bodyLimitBytes,
          logger,
        })
      : undefined;
  if (!router)
    logger.warn(
      'no FeatBit webhook secret is configured: POST /webhooks/featbit is off; the reconciler alone catches edits',
    );
  const stream =
    options.stream && options.stream.environments.length > 0
      ? startStreamTrigger({
          queue,
          evaluationUrl: options.stream.evaluationUrl,
          environments: options.stream.environments,
          logger,
        })
      : undefined;
  return {
    ...(router ? { router } : {}),
    queue,
    reconciler,
    ...(stream ? { stream } : {}),
    permissions,
    health,
    readiness: [health.readinessCheck()],
    async close() {
      promoter?.stop();
      await stream?.close();
      await reconciler.stop();
      await queue.close();
    },
  };
}

/**
 * Refuses to enforce against a FeatBit release whose API cannot carry featgate's reverts (before 5.3.3): probed once
 * per governed environment at start. An environment that cannot be probed (unreachable, no flag yet) is logged and
 * left to the first revert to show.
 */
async function refuseUnsupportedFeatBit(featbit: FeatBitRestClient, policy: Policy, logger: Logger): Promise<void> {
  for (const environment of policy.environments) {
    try {
      const probe = await probeFeatBitRelease(featbit, environment.id);
      logger.debug({ envId: environment.id, probe }, 'FeatBit release probed');
    } catch (error) {
      if (error instanceof ConfigError) throw error;
      logger.warn(
        { envId: environment.id, err: (error as Error).message },
        'could not probe the FeatBit release behind a governed environment',
      );
    }
  }
}

/** A flag's missing actions open (or update) its missing-permission problem; none left closes it. */
async function reportPermissions(health: BridgeHealth, flag: FlagPermissions): Promise<void> {
  const missing = [...flag.states.entries()]
    .filter(([, state]) => state === PermissionState.Missing)
    .map(([action]) => action);
  if (missing.length === 0) health.clear(flag.envId, flag.flagKey, [FlagProblemKind.MissingPermission]);
  else await health.raise(FlagProblemKind.MissingPermission, flag.envId, flag.flagKey, missing.sort().join(', '));
}
