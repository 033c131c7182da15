import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import type { ApprovedFlagState } from '../../src/approved-state/model/index.js';
import type { JsonObject } from '../../src/canonical/index.js';
import { ConfigSurface } from '../../src/changes/model/index.js';
import { flagSchema, type FeatBitFlag } from '../../src/featbit/model/index.js';

/** The flag sizes every scale curve is measured at; the first is the baseline of its curve. */
export const FLAG_COUNTS = [100, 1_000, 10_000] as const;

/** A scratch folder on tmpfs when there is one (the scale benches measure featgate, not the disk). */
export function scratchDir(label: string): string {
  const root = existsSync('/dev/shm') ? '/dev/shm' : tmpdir();
  return mkdtempSync(join(root, `featgate-bench-${label}-`));
}

/** A governed string flag with two variations and a 50 % rollout of the candidate, as a small real flag looks. */
export function scaleFlag(index: number, candidateShare = 0.5): FeatBitFlag {
  const key = `scale-flag-${index}`;
  return flagSchema.parse({
    id: `id-${key}`,
    name: key,
    key,
    isEnabled: true,
    variationType: 'string',
    variations: [
      { id: 'base', name: 'base', value: `base answer ${index}` },
      { id: 'candidate', name: 'candidate', value: `candidate answer ${index}` },
    ],
    targetUsers: [],
    rules: [],
    disabledVariationId: 'base',
    fallthrough: {
      variations: [
        { id: 'candidate', rollout: [0, candidateShare] },
        { id: 'base', rollout: [candidateShare, 1] },
      ],
    },
  });
}

/** The approved-state payload (everything but `version`) of `flag` in `envId`, as ledger entry data. */
export function statePayload(envId: string, flag: FeatBitFlag): JsonObject {
  const state: Omit<ApprovedFlagState, 'version'> = {
    envId,
    flagKey: flag.key,
    flag,
    segments: [],
    baselineVariationId: 'base',
    surface: ConfigSurface.Prompt,
    owner: 'team-ai',
    approvedAt: new Date(0).toISOString(),
    approvedBy: 'bench-admin',
  };
  return state as unknown as JsonObject;
}

let gcFn: (() => void) | undefined;

/** Heap in use after a full garbage collection (V8's gc exposed at run time, so `npm run bench` needs no flag). */
export function heapAfterGc(): number {
  if (!gcFn) {
    setFlagsFromString('--expose-gc');
    gcFn = runInNewContext('gc') as () => void;
  }
  gcFn();
  gcFn();
  return process.memoryUsage().heapUsed;
}

/** Megabytes, for notes. */
export function mb(bytes: number): string {
  return `${(bytes / 1024 / 1024).toFixed(1)} MB`;
}
