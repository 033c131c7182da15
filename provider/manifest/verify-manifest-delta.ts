import { describeIssue } from './describe-issue.js';
import { MANIFEST_DELTA_JWS_TYPE } from './manifest-jws.js';
import { manifestDeltaSchema, type ManifestDelta } from './manifest-delta-schema.js';
import { ManifestIntegrityError } from './manifest-integrity-error.js';
import { checkValueHashes, verifiedJwsPayload, type VerifyManifestOptions } from './verify-manifest.js';

/**
 * Verifies a manifest delta JWS and returns its content: EdDSA signature by one of the given keys, the delta `typ`,
 * a valid layout, the expected environment, a flag neither changed and removed at once, and every carried entry's
 * `valueHash` matching its value. Whether it applies to the manifest a gate holds (base and resulting flags root)
 * is checked where it is applied (`ManifestSnapshot.applyDelta`). Throws ManifestIntegrityError saying what failed.
 */
export async function verifyManifestDelta(jws: string, options: VerifyManifestOptions): Promise<ManifestDelta> {
  const payload = await verifiedJwsPayload(jws, options.keys, MANIFEST_DELTA_JWS_TYPE, 'manifest delta');
  let content: unknown;
  try {
    content = JSON.parse(new TextDecoder().decode(payload));
  } catch {
    throw new ManifestIntegrityError('manifest delta payload is not JSON');
  }
  const parsed = manifestDeltaSchema.safeParse(content);
  if (!parsed.success) {
    throw new ManifestIntegrityError(
      `manifest delta layout invalid: ${parsed.error.issues.map(describeIssue).join('; ')}`,
    );
  }
  const delta = parsed.data;
  if (options.envId !== undefined && delta.envId !== options.envId) {
    throw new ManifestIntegrityError(`manifest delta is for environment ${delta.envId}, not ${options.envId}`);
  }
  const both = delta.removed.find((key) => Object.hasOwn(delta.flags, key));
  if (both !== undefined) throw new ManifestIntegrityError(`manifest delta both changes and removes flag ${both}`);
  await checkValueHashes(delta.flags);
  return delta;
}
