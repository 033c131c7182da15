/**
 * Which FeatBit release the sandbox plays, and what that release lets an access token do (read from FeatBit's
 * history: `FeatureFlagController.cs` gained `[OpenApi]` on PUT targeting in 5.3.3 (#893), revisions with 409 and
 * GUID answers in 5.2.2 (#850), the audit-log API in 5.0.1 (#742)). The version itself is not discoverable through
 * FeatBit's API; only these behaviours are.
 */
export interface FeatBitFeatures {
  /** The release, e.g. `5.4.2`. */
  readonly version: string;
  /** PUT flag and segment targeting accept access tokens (else 403 with an empty body). */
  readonly targetingByAccessToken: boolean;
  /** Flags carry `revision`; targeting, variations and off-variation check it (409) and writes answer the new revision. */
  readonly revisions: boolean;
  /** `GET …/audit-logs` accepts access tokens. */
  readonly auditLogsByAccessToken: boolean;
}

/** The release the sandbox plays unless told otherwise. */
export const DEFAULT_FEATBIT_VERSION = '5.4.2';

function parts(version: string): [number, number, number] {
  const match = /^(\d+)\.(\d+)\.(\d+)$/.exec(version.trim());
  if (!match) throw new RangeError(`a FeatBit version is major.minor.patch, not "${version}"`);
  return [Number(match[1]), Number(match[2]), Number(match[3])];
}

function atLeast(version: string, floor: string): boolean {
  const [a, b] = [parts(version), parts(floor)];
  for (let index = 0; index < 3; index += 1) if (a[index] !== b[index]) return a[index]! > b[index]!;
  return true;
}

/** What `version` allows. */
export function featBitFeatures(version: string = DEFAULT_FEATBIT_VERSION): FeatBitFeatures {
  return {
    version,
    targetingByAccessToken: atLeast(version, '5.3.3'),
    revisions: atLeast(version, '5.2.2'),
    auditLogsByAccessToken: atLeast(version, '5.0.1'),
  };
}
