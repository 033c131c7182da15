import type { ApprovedFlagState } from '../../../src/approved-state/model/index.js';
import type { FeatBitFlag } from '../../../src/featbit/model/index.js';
import { ManifestPublisher, type ManifestSigningKey } from '../../../src/manifest/index.js';
import { approvedState, featBitFlag } from './gate-fixtures.js';

/** A governed string flag whose approved candidate reaches `share` of contexts; `label` changes its values. */
export function rolloutFlag(key: string, share: number, label = ''): FeatBitFlag {
  return featBitFlag({
    key,
    variationType: 'string',
    variations: [
      { id: 'base', name: 'base', value: `base ${key}${label}` },
      { id: 'candidate', name: 'candidate', value: `candidate ${key}${label}` },
    ],
    disabledVariationId: 'base',
    fallthrough: {
      variations: [
        { id: 'candidate', rollout: [0, share] },
        { id: 'base', rollout: [share, 1] },
      ],
    },
  });
}

/**
 * The approved states of an environment as a fold hands them to the publisher: a flag's state object is replaced
 * on each approval (never edited), so unchanged flags keep their object and their compiled entry.
 */
export class ApprovedStates {
  private readonly states = new Map<string, ApprovedFlagState>();
  private version = 0;

  constructor(private readonly envId: string) {}

  /** Approves a new state of `flag` (added when it was not governed before). */
  approve(flag: FeatBitFlag): void {
    this.version += 1;
    this.states.set(flag.key, approvedState(this.envId, flag, 'base', this.version));
  }

  /** Stops governing a flag. */
  remove(flagKey: string): void {
    this.states.delete(flagKey);
  }

  /** The states in force. */
  all(): ApprovedFlagState[] {
    return [...this.states.values()];
  }
}

/** A publisher whose clock moves one second per signing, so every signing has its own issue time. */
export function steppingPublisher(key: ManifestSigningKey): ManifestPublisher {
  let now = Date.parse('2026-01-01T00:00:00Z');
  return new ManifestPublisher({ key, now: () => new Date((now += 1_000)) });
}
