import { generateKeyPair, exportJWK, calculateJwkThumbprint } from 'jose';
import { publicJwkMembers } from '@featgate/openfeature/manifest';
import type { ApprovedFlagState } from '../../../src/approved-state/model/index.js';
import { ConfigSurface } from '../../../src/changes/model/index.js';
import { flagSchema, segmentSchema, type FeatBitFlag, type FeatBitSegment } from '../../../src/featbit/model/index.js';
import {
  compileManifest,
  signManifest,
  type ApprovalManifest,
  type ManifestSigningKey,
} from '../../../src/manifest/index.js';

/** A fresh Ed25519 manifest signing key. */
export async function testSigningKey(): Promise<ManifestSigningKey> {
  const { privateKey } = await generateKeyPair('EdDSA', { crv: 'Ed25519', extractable: true });
  const publicPart = publicJwkMembers(await exportJWK(privateKey));
  const kid = await calculateJwkThumbprint(publicPart);
  return { kid, privateKey, publicJwk: { ...publicPart, kid, alg: 'EdDSA', use: 'sig' } };
}

/** A FeatBit flag, filled with FeatBit's defaults, from the parts a test cares about. */
export function featBitFlag(input: Record<string, unknown>): FeatBitFlag {
  return flagSchema.parse({
    id: `id-${String(input['key'])}`,
    name: String(input['key']),
    isEnabled: true,
    targetUsers: [],
    rules: [],
    ...input,
  });
}

/** A FeatBit segment from the parts a test cares about. */
export function featBitSegment(input: Record<string, unknown>): FeatBitSegment {
  return segmentSchema.parse(input);
}

/** The approved state of a flag in `envId` with `baseline` as its baseline variation. */
export function approvedState(
  envId: string,
  flag: FeatBitFlag,
  baselineVariationId: string,
  version = 1,
  segments: FeatBitSegment[] = [],
): ApprovedFlagState {
  return {
    envId,
    flagKey: flag.key,
    flag,
    segments,
    baselineVariationId,
    surface: ConfigSurface.Prompt,
    owner: 'team-ai',
    approvedAt: new Date(0).toISOString(),
    approvedBy: 'reviewer',
    version,
  };
}

/** Compiles and signs a manifest of `states` issued now (or at `issuedAt`) that lives `ttlMs`. */
export async function signedManifest(
  key: ManifestSigningKey,
  envId: string,
  states: ApprovedFlagState[],
  options: { issuedAt?: Date; ttlMs?: number } = {},
): Promise<{ jws: string; manifest: ApprovalManifest }> {
  const manifest = compileManifest(envId, states, {
    issuedAt: options.issuedAt ?? new Date(),
    ttlMs: options.ttlMs ?? 3_600_000,
  });
  return { jws: await signManifest(manifest, key), manifest };
}

/** Ten kilobytes of JSON prompt configuration, distinct per `label`. */
export function largePrompt(label: string): { model: string; system: string; examples: string[] } {
  const examples = Array.from(
    { length: 40 },
    (_, index) => `${label} example ${index}: ${'lorem ipsum dolor sit amet '.repeat(8)}`,
  );
  return { model: `model-${label}`, system: `You are the ${label} assistant.`, examples };
}
