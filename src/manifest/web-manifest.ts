import type { EvaluationContext } from '@openfeature/core';
import { z } from 'zod';
import {
  ApprovedFlag,
  convertFeatBitValue,
  requestedTypeOf,
  type ApprovalManifest,
  type ManifestFlag,
} from '@featgate/openfeature/manifest';

/** How a per-context web manifest is cut from the server manifest. */
export interface WebManifestOptions {
  readonly issuedAt: Date;
  /** Lifetime; short, since the browser fetches a new one for every context change. */
  readonly ttlMs: number;
  /** Member names that hold secrets (the policy's `secrets.keyPatterns`); flags whose values hold one stay server-side. */
  readonly isSecretKey: (key: string) => boolean;
}

const attribute = z.union([z.string().max(1_024), z.number(), z.boolean(), z.null()]);

/**
 * The evaluation context a browser sends: a targeting key and flat attributes (strings, numbers, booleans, or lists
 * of them), bounded in size, so no request can make the service evaluate unbounded input.
 */
export const webContextSchema = z
  .object({
    targetingKey: z.string().min(1).max(512),
  })
  .catchall(z.union([attribute, z.array(attribute).max(100)]))
  .refine((context) => Object.keys(context).length <= 64, 'at most 64 attributes');

/**
 * The manifest a browser's web gate receives, evaluated for its own context on the service, the way FeatBit
 * evaluates for its client SDK: per flag only the baseline and the variation the approved configuration gives this
 * context, granted to this context alone (`audience`). No targeting lists, segments, rules or other users' keys
 * leave the service, and a flag whose approved values hold a secret-named member is not sent at all but denied (a
 * browser never needs a server-side secret). Governed selectors, the denied list and the ledger head are kept.
 */
export function webManifestFor(
  server: ApprovalManifest,
  context: z.infer<typeof webContextSchema>,
  options: WebManifestOptions,
): ApprovalManifest {
  // Without a prototype, so a flag keyed `__proto__` or `constructor` is an entry like any other.
  const flags: Record<string, ManifestFlag> = Object.create(null);
  const denied = new Set(server.denied);
  for (const [flagKey, entry] of Object.entries(server.flags)) {
    const approved = new ApprovedFlag(flagKey, entry);
    const servedId = approved.approvedVariationForContext(context as EvaluationContext) ?? entry.baseline.variationId;
    const kept = entry.variations.filter(
      (variation) => variation.id === servedId || variation.id === entry.baseline.variationId,
    );
    const type = requestedTypeOf(entry.variationType);
    if (kept.some((variation) => holdsSecret(convertFeatBitValue(variation.value, type), options.isSecretKey))) {
      denied.add(flagKey);
      continue;
    }
    flags[flagKey] = {
      variationType: entry.variationType,
      version: entry.version,
      baseline: entry.baseline,
      variations: kept,
      grants: {
        isEnabled: true,
        disabledVariationId: entry.baseline.variationId,
        targetUsers: [],
        rules: [],
        fallthrough: { dispatchKey: null, variations: [{ id: servedId, rollout: [0, 1] }] },
        segments: [],
      },
    };
  }
  return {
    format: server.format,
    envId: server.envId,
    version: server.version,
    issuedAt: options.issuedAt.toISOString(),
    expiresAt: new Date(
      Math.min(options.issuedAt.getTime() + options.ttlMs, Date.parse(server.expiresAt)),
    ).toISOString(),
    ledgerHead: server.ledgerHead,
    governed: server.governed,
    audience: { targetingKey: context.targetingKey },
    denied: [...denied].sort(),
    flags,
  };
}

function holdsSecret(
  converted: ReturnType<typeof convertFeatBitValue>,
  isSecretKey: (key: string) => boolean,
): boolean {
  if (!converted.convertible) return false;
  const visit = (value: unknown, depth: number): boolean => {
    if (depth > 64 || typeof value !== 'object' || value === null) return false;
    if (Array.isArray(value)) return value.some((item) => visit(item, depth + 1));
    return Object.entries(value).some(([key, inner]) => isSecretKey(key) || visit(inner, depth + 1));
  };
  const value = converted.value;
  if (typeof value === 'string' && value.trim().startsWith('{')) {
    try {
      return visit(JSON.parse(value), 0);
    } catch {
      return false;
    }
  }
  return visit(value, 0);
}
