import canonicalize from 'canonicalize';
import { compactVerify, decodeProtectedHeader, importJWK, type CryptoKey, type JWK } from 'jose';
import { describeIssue } from './describe-issue.js';
import { convertFeatBitValue, requestedTypeOf } from './featbit-value.js';
import { MANIFEST_JWS_TYPE, MANIFEST_SIGNING_ALG } from './manifest-jws.js';
import { ManifestIntegrityError } from './manifest-integrity-error.js';
import { publicJwkMembers } from './public-jwk.js';
import { approvalManifestSchema, type ApprovalManifest, type ManifestFlag } from './manifest-schema.js';
import { sha256Hex } from './sha256-hex.js';

/** What a manifest must be to be trusted. */
export interface VerifyManifestOptions {
  /** Public keys (JWK) allowed to sign; picked by `kid` when they carry one. */
  readonly keys: readonly JWK[];
  /** The environment the caller asked for; a manifest of another environment is refused. */
  readonly envId?: string;
}

/**
 * Verifies a manifest JWS and returns its content: EdDSA signature by one of the given keys, the manifest `typ`,
 * a valid layout, the expected environment, and every `valueHash` matching its value. Does not check expiry (a
 * verified but expired manifest still tells a gate the baseline). Throws ManifestIntegrityError saying what failed.
 * Browser-safe: uses only WebCrypto.
 */
export async function verifyManifest(jws: string, options: VerifyManifestOptions): Promise<ApprovalManifest> {
  const payload = await verifiedJwsPayload(jws, options.keys, MANIFEST_JWS_TYPE, 'manifest');
  let content: unknown;
  try {
    content = JSON.parse(new TextDecoder().decode(payload));
  } catch {
    throw new ManifestIntegrityError('manifest payload is not JSON');
  }
  const parsed = approvalManifestSchema.safeParse(content);
  if (!parsed.success) {
    throw new ManifestIntegrityError(`manifest layout invalid: ${parsed.error.issues.map(describeIssue).join('; ')}`);
  }
  const manifest = parsed.data;
  if (options.envId !== undefined && manifest.envId !== options.envId) {
    throw new ManifestIntegrityError(`manifest is for environment ${manifest.envId}, not ${options.envId}`);
  }
  await checkValueHashes(manifest.flags);
  return manifest;
}

/** Whether a manifest's lifetime has passed at `now` (epoch ms). */
export function isManifestExpired(manifest: ApprovalManifest, now = Date.now()): boolean {
  return Date.parse(manifest.expiresAt) <= now;
}

/**
 * Checks every variation's `valueHash` against its value and that each baseline is one of its variations; throws
 * ManifestIntegrityError naming the first flag that fails. Deltas check only the entries they carry.
 */
export async function checkValueHashes(flags: Readonly<Record<string, ManifestFlag>>): Promise<void> {
  const checks: Promise<void>[] = [];
  for (const [flagKey, flag] of Object.entries(flags)) {
    const type = requestedTypeOf(flag.variationType);
    for (const variation of flag.variations) {
      const converted = convertFeatBitValue(variation.value, type);
      const hash = converted.convertible ? sha256Hex(canonicalize(converted.value) ?? '') : Promise.resolve('');
      checks.push(
        hash.then((actual) => {
          if (actual !== variation.valueHash) {
            throw new ManifestIntegrityError(
              `manifest flag ${flagKey} variation ${variation.id}: value does not match its hash`,
            );
          }
        }),
      );
    }
    const baseline = flag.variations.find((variation) => variation.id === flag.baseline.variationId);
    if (!baseline || baseline.valueHash !== flag.baseline.valueHash) {
      throw new ManifestIntegrityError(`manifest flag ${flagKey}: baseline is not one of its variations`);
    }
  }
  const results = await Promise.allSettled(checks);
  const failed = results.find((result): result is PromiseRejectedResult => result.status === 'rejected');
  if (failed) throw failed.reason;
}

/**
 * Checks a compact JWS's header (EdDSA, the expected `typ`), picks the candidate keys by `kid` and returns the payload
 * of the first key it verifies with. `what` names the document in errors.
 */
export async function verifiedJwsPayload(
  jws: string,
  keys: readonly JWK[],
  typ: string,
  what: string,
): Promise<Uint8Array> {
  let header: ReturnType<typeof decodeProtectedHeader>;
  try {
    header = decodeProtectedHeader(jws);
  } catch {
    throw new ManifestIntegrityError(`${what} is not a compact JWS`);
  }
  if (header.alg !== MANIFEST_SIGNING_ALG)
    throw new ManifestIntegrityError(`${what} signed with ${String(header.alg)}, expected EdDSA`);
  if (header.typ !== typ) throw new ManifestIntegrityError(`JWS is not a featgate ${what}`);
  const candidates = keys.filter((key) => key.kid === undefined || key.kid === header.kid);
  if (candidates.length === 0) throw new ManifestIntegrityError(`${what} signed by unknown key ${String(header.kid)}`);
  for (const jwk of candidates) {
    try {
      const key = await publicKeyOf(jwk);
      return (await compactVerify(jws, key, { algorithms: [MANIFEST_SIGNING_ALG] })).payload;
    } catch {
      // try the next key; none verifying is reported below
    }
  }
  throw new ManifestIntegrityError(`${what} signature does not verify`);
}

const importedKeys = new Map<string, Promise<CryptoKey | Uint8Array>>();

/** Imports a public Ed25519 JWK once per process (keys are few and never change). */
function publicKeyOf(jwk: JWK): Promise<CryptoKey | Uint8Array> {
  const id = `${jwk.kty ?? ''}:${jwk.crv ?? ''}:${jwk.x ?? ''}`;
  let key = importedKeys.get(id);
  if (!key) {
    key = importJWK(publicJwkMembers(jwk), MANIFEST_SIGNING_ALG);
    importedKeys.set(id, key);
    key.catch(() => importedKeys.delete(id));
  }
  return key;
}
