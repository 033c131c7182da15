import { Router } from 'express';
import type { JWK } from 'jose';

/**
 * `GET /.well-known/jwks.json`: the public key providers verify manifests with, as a JWK Set. Public by nature
 * (it holds no secret), so `featgate keys --url` and deployment scripts read the key the service really signs
 * with instead of a key a local command might generate.
 */
export function createKeysRouter(publicJwk: JWK): Router {
  const router = Router();
  const body = { keys: [publicJwk] };
  router.get('/.well-known/jwks.json', (_req, res) => {
    res.set('cache-control', 'public, max-age=300').json(body);
  });
  return router;
}
