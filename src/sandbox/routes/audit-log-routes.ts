import { Router } from 'express';
import { sendOk } from '../api-envelope.js';
import type { SandboxStore } from '../sandbox-store.js';
import { featBitFeatures, type FeatBitFeatures } from '../featbit-version.js';
import { page } from './request-context.js';

/** `GET /api/v1/envs/:envId/audit-logs` (authentication only): filtered by query, creator, ref and time range; newest first. */
export function auditLogRoutes(store: SandboxStore, features: FeatBitFeatures = featBitFeatures()): Router {
  const router = Router({ mergeParams: true });
  router.get('/', (req, res) => {
    if (!features.auditLogsByAccessToken) {
      res.status(403).end();
      return;
    }
    const q = req.query;
    const text = typeof q['query'] === 'string' ? q['query'].toLowerCase() : '';
    const from = q['from'] === undefined ? Number.NEGATIVE_INFINITY : Number(q['from']);
    const to = q['to'] === undefined ? Number.POSITIVE_INFINITY : Number(q['to']);
    const envId = String((req.params as Record<string, string>)['envId']);
    // FeatBit queries by env id without checking it exists: an unknown environment has no entries.
    const known = store.hasEnvironment(envId);
    const logs = (known ? store.auditLogs(envId) : [])
      .filter(
        (log) =>
          (q['refId'] === undefined || log.refId.toLowerCase() === String(q['refId']).toLowerCase()) &&
          (q['refType'] === undefined || log.refType === q['refType']) &&
          (q['creatorId'] === undefined || log.creatorId === q['creatorId']) &&
          (!text || log.keyword.toLowerCase().includes(text) || log.comment.toLowerCase().includes(text)) &&
          Date.parse(log.createdAt) >= from &&
          Date.parse(log.createdAt) <= to,
      )
      .map(({ envId: _envId, keyword: _keyword, ...item }) => item);
    sendOk(res, page(logs, q));
  });
  return router;
}
