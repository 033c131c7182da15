import * as z from 'zod/mini';
import { manifestFlagSchema, manifestGovernedSchema, manifestLedgerHeadSchema } from './manifest-schema.js';

/** Version of the manifest delta layout (a document beside the format-2 manifest, with its own JWS `typ`). */
export const MANIFEST_DELTA_FORMAT = 1;

const HEX64 = /^[0-9a-f]{64}$/;
const hash = () => z.string().check(z.regex(HEX64));
const flagKey = () => z.string().check(z.minLength(1), z.maxLength(512));
const MAX_KEYS = 20_000;

/** The manifest a delta applies to: exactly that version, issue time and flags root, nothing else. */
export const manifestDeltaBaseSchema = z.object({
  version: z.int().check(z.gte(0)),
  issuedAt: z.iso.datetime(),
  flagsRoot: hash(),
});

/**
 * A signed change from one manifest to the next. Everything but the flag entries is carried whole (version, times,
 * ledger head, governed selectors, denied list); of the entries only the changed ones (`flags`) and the keys removed.
 * `flagsRoot` is the root of the manifest the delta produces, so a gate that applies it to its base and finds the
 * same root holds exactly the manifest the service signed.
 */
export const manifestDeltaSchema = z.object({
  format: z.literal(MANIFEST_DELTA_FORMAT),
  envId: z.string().check(z.minLength(1)),
  version: z.int().check(z.gte(0)),
  issuedAt: z.iso.datetime(),
  expiresAt: z.iso.datetime(),
  ledgerHead: z.nullable(manifestLedgerHeadSchema),
  governed: manifestGovernedSchema,
  denied: z.array(flagKey()).check(z.maxLength(MAX_KEYS)),
  base: manifestDeltaBaseSchema,
  flagsRoot: hash(),
  flags: z
    .record(flagKey(), manifestFlagSchema)
    .check(z.refine((flags) => Object.keys(flags).length <= MAX_KEYS, `at most ${MAX_KEYS} flags`)),
  removed: z.array(flagKey()).check(z.maxLength(MAX_KEYS)),
});
export type ManifestDelta = z.infer<typeof manifestDeltaSchema>;
