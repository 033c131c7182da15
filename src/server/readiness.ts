import { Router } from 'express';

/** One dependency the service needs to do its work (Redis, FeatBit). */
export interface ReadinessCheck {
  readonly name: string;
  /** Resolves when the dependency answers; rejects (or times out) when it does not. */
  check(): Promise<void>;
}

const CHECK_TIMEOUT_MS = 2000;

/**
 * `/healthz` says the process is alive; `/readyz` says every dependency answers (200) or which ones do not
 * (503). Neither needs credentials, and neither shows connection details.
 */
export function createHealthRouter(checks: readonly ReadinessCheck[]): Router {
  const router = Router();
  router.get('/healthz', (_req, res) => {
    res.json({ status: 'ok' });
  });
  router.get('/readyz', async (_req, res) => {
    const results = await Promise.all(checks.map(async (check) => ({ name: check.name, ...(await run(check)) })));
    const ready = results.every((result) => result.ok);
    res.status(ready ? 200 : 503).json({ status: ready ? 'ready' : 'not-ready', checks: results });
  });
  return router;
}

async function run(check: ReadinessCheck): Promise<{ ok: boolean; error?: string }> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${CHECK_TIMEOUT_MS} ms`)), CHECK_TIMEOUT_MS);
  });
  try {
    await Promise.race([check.check(), timeout]);
    return { ok: true };
  } catch (error) {
    // split always yields the first line; `?? ''` only satisfies the index check
    return { ok: false, error: error instanceof Error ? (error.message.split('\n')[0] ?? '') : 'unavailable' };
  } finally {
    clearTimeout(timer);
  }
}
