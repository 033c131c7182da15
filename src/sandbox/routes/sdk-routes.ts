import { Router } from 'express';
import type { SandboxEnvironment } from '../sandbox-identity.js';
import type { SandboxStore } from '../sandbox-store.js';
import { ModelBindingProblem, sendModelBindingProblem } from './model-binding.js';

/** Counts what SDKs send to the insight endpoint, so tests can see exposure events arrive. */
export interface InsightCounter {
  requests: number;
}

/**
 * The evaluation server's public SDK endpoints: `GET /api/public/sdk/server/latest-all?timestamp=N`
 * (`SdkController`; env secret as the raw `Authorization`; full for 0, patch otherwise, empty 200 body
 * when nothing changed, 400 for a timestamp that is not a long) and `POST /api/public/insight/track`, which the Node SDK posts events to.
 */
export function sdkRoutes(
  store: SandboxStore,
  environments: readonly SandboxEnvironment[],
  insights: InsightCounter,
): Router {
  const router = Router();
  router.get('/api/public/sdk/server/latest-all', (req, res) => {
    const env = environments.find((candidate) => candidate.sdkSecret === req.header('authorization'));
    if (!env) {
      res.status(401).end();
      return;
    }
    // `[FromQuery] long timestamp = 0`: a value that is not a long fails model binding (400 problem details).
    const raw = req.query['timestamp'];
    const text = raw === undefined ? '0' : String(Array.isArray(raw) ? raw[0] : raw).trim();
    if (!/^[-+]?\d{1,19}$/.test(text) || !Number.isSafeInteger(Number(text))) {
      sendModelBindingProblem(
        res,
        new ModelBindingProblem({ timestamp: [`The value '${String(raw)}' is not valid for timestamp.`] }),
      );
      return;
    }
    const payload = store.sdkPayload(env.id, Number(text));
    if (!payload) {
      res.status(200).end();
      return;
    }
    res.status(200).json({ messageType: 'data-sync', data: payload });
  });
  router.post('/api/public/insight/track', (req, res) => {
    if (!environments.some((candidate) => candidate.sdkSecret === req.header('authorization'))) {
      res.status(401).end();
      return;
    }
    insights.requests += 1;
    res.status(200).end();
  });
  return router;
}
