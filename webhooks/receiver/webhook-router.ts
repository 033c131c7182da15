import express, { type NextFunction, type Request, type Response, type Router } from 'express';
import { problem, sendProblem, ValidationError } from '../../src/errors/index.js';
import type { Logger } from '../../src/logging/index.js';
import { silentLogger } from '../../src/logging/index.js';
import { flagJob, segmentJob, TriggerSource, type ReconcileJob } from '../queue/reconcile-job.js';
import type { EnqueueOutcome } from '../../src/jobs/index.js';
import type { DeliveryDeduper } from './delivery-deduper.js';
import { parseWebhookSecrets, SIGNATURE_HEADER, verifyFeatBitSignature } from './signature.js';
import { identifyWebhookTarget, WebhookObjectKind, type WebhookTarget } from './webhook-target.js';

/** Header carrying FeatBit's delivery id, the same on every retry of one delivery. */
export const DELIVERY_HEADER = 'x-featbit-delivery';

/** The default path FeatBit is configured to deliver to. */
export const WEBHOOK_PATH = '/webhooks/featbit';

/** Where accepted triggers go: the job queue (only its producer side is needed). */
export interface TriggerSink {
  enqueue(job: ReconcileJob): Promise<EnqueueOutcome>;
}

/** What the receiver needs. */
export interface WebhookRouterOptions {
  /** Accepted secrets, each its exact bytes: a list while rotating, or one `FEATBIT_WEBHOOK_SECRET` value. */
  readonly secrets: string | readonly string[];
  readonly queue: TriggerSink;
  /** Remembers delivery ids; without one, duplicates are still harmless (coalesced, idempotent). */
  readonly deduper?: DeliveryDeduper;
  /** Largest accepted body (express/bytes syntax); larger ones get 413. Default 1 MB. */
  readonly bodyLimit?: string | number;
  readonly path?: string;
  readonly logger?: Logger;
}

/** Turns an identified delivery into a job. */
function jobFor(target: WebhookTarget, deliveryId: string | undefined): ReconcileJob {
  const extra = { ...(target.operator ? { operator: target.operator } : {}), ...(deliveryId ? { deliveryId } : {}) };
  return target.kind === WebhookObjectKind.FeatureFlag
    ? flagJob(target.envId, target.flagKey, TriggerSource.Webhook, extra)
    : segmentJob(target.envId, target.segmentId, TriggerSource.Webhook, extra);
}

/**
 * `POST /webhooks/featbit`: verifies `X-FeatBit-Signature-256` over the exact body bytes (401 when missing or
 * wrong), limits the body size (413), parses only what identifies the object (400 with the field path), drops
 * repeated delivery ids, queues a job and answers 202 before any FeatBit call (ARCHITECTURE.md invariant 3: the worker
 * re-reads the state). A queue failure answers 503 and forgets the delivery id, so FeatBit's retry is accepted.
 */
export function createWebhookRouter(options: WebhookRouterOptions): Router {
  const secrets = parseWebhookSecrets(options.secrets);
  const logger = options.logger ?? silentLogger;
  const router = express.Router();
  const path = options.path ?? WEBHOOK_PATH;

  router.post(
    path,
    express.raw({ type: () => true, limit: options.bodyLimit ?? '1mb' }),
    async (req: Request, res: Response) => {
      const body = Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0);
      if (!verifyFeatBitSignature(body, req.get(SIGNATURE_HEADER), secrets)) {
        logger.warn({ delivery: req.get(DELIVERY_HEADER) }, 'webhook rejected: missing or wrong signature');
        sendProblem(res, problem(401, 'UNAUTHORIZED', 'missing or invalid X-FeatBit-Signature-256'));
        return;
      }
      let target: WebhookTarget;
      try {
        target = identifyWebhookTarget(body.toString('utf8'));
      } catch (error) {
        if (!(error instanceof ValidationError)) throw error;
        sendProblem(res, problem(400, 'VALIDATION', error.message, error.issues));
        return;
      }
      const deliveryId = req.get(DELIVERY_HEADER)?.trim() || undefined;
      if (deliveryId && options.deduper && !(await options.deduper.claim(deliveryId))) {
        res.status(202).json({ status: 'duplicate', deliveryId });
        return;
      }
      try {
        const outcome = await options.queue.enqueue(jobFor(target, deliveryId));
        if (deliveryId && options.deduper) await options.deduper.confirm(deliveryId).catch(() => undefined);
        res.status(202).json({
          status: outcome.coalesced ? 'coalesced' : 'queued',
          jobId: outcome.jobId,
          ...(deliveryId ? { deliveryId } : {}),
        });
      } catch (error) {
        if (deliveryId && options.deduper) await options.deduper.release(deliveryId).catch(() => undefined);
        logger.error({ delivery: deliveryId, err: (error as Error).message }, 'webhook could not be queued');
        sendProblem(res, problem(503, 'UNAVAILABLE', 'the job queue is unavailable; retry the delivery'));
      }
    },
  );

  router.use(path, (error: unknown, _req: Request, res: Response, next: NextFunction) => {
    const status = (error as { status?: number; type?: string }).status;
    if (status === 413) {
      sendProblem(
        res,
        problem(413, 'PAYLOAD_TOO_LARGE', `webhook bodies are limited to ${String(options.bodyLimit ?? '1mb')}`),
      );
      return;
    }
    if (status === 400) {
      sendProblem(res, problem(400, 'VALIDATION', (error as Error).message));
      return;
    }
    next(error);
  });

  return router;
}
