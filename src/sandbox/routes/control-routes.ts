import { Router } from 'express';
import { z } from 'zod';
import { ValidationError } from '../../errors/index.js';
import { FaultTarget } from '../fault-injector.js';
import type { SandboxControl } from '../sandbox-control.js';
import type { SandboxEnvironment, TokenRegistry } from '../sandbox-identity.js';
import { PolicyEffect } from '../sandbox-permissions.js';
import { DEFAULT_FEATBIT_VERSION } from '../featbit-version.js';
import { parseBody } from './request-context.js';

const span = {
  count: z.number().int().positive().optional(),
  forMs: z.number().int().positive().optional(),
  target: z.enum(FaultTarget).optional(),
};
const faultBody = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('fail'), status: z.number().int().min(500).max(599).default(500), ...span }),
  z.object({ kind: z.literal('latency'), ms: z.number().int().positive(), ...span }),
  z.object({ kind: z.literal('refuse-connections'), forMs: z.number().int().positive() }),
  z.object({ kind: z.literal('drop-webhooks'), count: z.number().int().positive() }),
]);

const statement = z.strictObject({
  effect: z.enum(PolicyEffect),
  actions: z.array(z.string().max(100)).max(100),
  resources: z.array(z.string().max(500)).max(100),
  resourceType: z.string().max(50).optional(),
});
/** `POST /sandbox/tokens`: a name, and optionally FeatBit permissions (action names or policy statements). */
const tokenBody = z.strictObject({
  name: z.string().min(1).max(200),
  readOnly: z.boolean().default(false),
  permissions: z
    .array(z.union([z.string().min(1).max(100), statement]))
    .max(200)
    .optional(),
});

/** The sandbox's own control surface under `/sandbox` (a path FeatBit does not use); never faulted. */
export function controlRoutes(
  control: SandboxControl,
  environments: readonly SandboxEnvironment[],
  tokens: TokenRegistry,
  featBitVersion = DEFAULT_FEATBIT_VERSION,
): Router {
  const router = Router();
  router.get('/info', (_req, res) => {
    res.json({
      featBitVersion,
      streamingPath: '/streaming',
      streamingConnections: control.streamingConnections(),
      environments,
      tokens: tokens.list().map(({ name, token, readOnly, statements }) => ({ name, token, readOnly, statements })),
    });
  });
  router.get('/webhooks', (_req, res) => res.json(control.webhooks()));
  router.post('/webhooks', (req, res) => res.status(201).json(control.configureWebhook(req.body)));
  router.delete('/webhooks/:id', (req, res) => res.status(control.removeWebhook(req.params.id) ? 204 : 404).end());
  router.get('/deliveries', (_req, res) => res.json(control.deliveries()));
  router.delete('/deliveries', (_req, res) => {
    control.clearDeliveries();
    res.status(204).end();
  });
  router.post('/faults', async (req, res) => {
    const fault = parseBody(faultBody, req.body);
    if (fault.kind === 'fail') control.failRequests(fault);
    if (fault.kind === 'latency') control.addLatency(fault.ms, fault);
    if (fault.kind === 'drop-webhooks') control.dropWebhooks(fault.count);
    res.status(202).json(fault);
    if (fault.kind === 'refuse-connections') res.on('finish', () => void control.refuseConnections(fault.forMs));
  });
  router.delete('/faults', (_req, res) => {
    control.clearFaults();
    res.status(204).end();
  });
  router.post('/tokens', (req, res) => {
    const body = parseBody(tokenBody, req.body);
    const issued = control.issueToken(body.name, {
      readOnly: body.readOnly,
      ...(body.permissions ? { permissions: body.permissions } : {}),
    });
    res
      .status(201)
      .json({ name: issued.name, token: issued.token, readOnly: issued.readOnly, statements: issued.statements });
  });
  router.post('/seed', (req, res) => {
    control.seed(req.body);
    res.status(204).end();
  });
  router.use((error: unknown, _req: unknown, res: import('express').Response, next: import('express').NextFunction) => {
    if (error instanceof ValidationError) {
      res.status(400).json({ errors: error.issues });
      return;
    }
    next(error);
  });
  return router;
}
