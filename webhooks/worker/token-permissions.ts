import { canonicalJson } from '../../src/canonical/index.js';
import {
  FeatBitAction,
  PermissionState,
  PROBED_ACTIONS,
  type FeatBitRestClient,
} from '../../src/featbit/rest-client/index.js';

/** The flag actions featgate's writes may need: what readiness reports as missing. */
export const FLAG_ACTIONS: readonly FeatBitAction[] = [
  FeatBitAction.UpdateFlagVariations,
  FeatBitAction.UpdateFlagDefaultRule,
  FeatBitAction.UpdateFlagIndividualTargeting,
  FeatBitAction.UpdateFlagTargetingRules,
  FeatBitAction.UpdateFlagOffVariation,
  FeatBitAction.ToggleFlag,
  FeatBitAction.PatchFlag,
];

/** Flags probed at once in the background (each one probe request at a time): one slot of the client, never more. */
const MAX_BACKGROUND = 1;

/** How long a probe's answer is trusted before the flag is probed again (a token's statements may be edited). */
export const DEFAULT_PERMISSION_TTL_MS = 30 * 60_000;

/** featgate's token's actions on one flag, as last probed or seen answered. */
export interface FlagPermissions {
  readonly envId: string;
  readonly flagKey: string;
  /** Every action of `FLAG_ACTIONS` and the segment actions seen answered; absent means unknown. */
  readonly states: ReadonlyMap<FeatBitAction, PermissionState>;
}

/** A flag whose permissions changed (for readiness and notifications). */
export type PermissionsListener = (permissions: FlagPermissions) => void;

interface Entry {
  /** FeatBit's resource name depends on key and tags: a new key or tag set is a new resource, probed again. */
  readonly resource: string;
  readonly probedAt: number;
  readonly states: Map<FeatBitAction, PermissionState>;
}

/**
 * What featgate's own FeatBit token may do, per governed flag (ARCHITECTURE.md, "FeatBit permissions"). FeatBit has no
 * API an access token can ask for its own statements (`AccessTokenController` is not `[OpenApi]`), so permissions are
 * derived from FeatBit's answers: the actions FeatBit checks before binding are probed with requests that write
 * nothing (`FeatBitRestClient.probePermission`); the targeting actions, checked inside the write, are learned from
 * the answers to featgate's own writes (`learn`). A probe is trusted for `ttlMs`, and redone at once when the flag's
 * key or tags (its resource name) change.
 */
export class TokenPermissions {
  private readonly entries = new Map<string, Entry>();
  private readonly inFlight = new Map<string, Promise<FlagPermissions>>();
  private readonly listeners: PermissionsListener[] = [];
  private readonly waiting = new Map<
    string,
    { envId: string; flag: { key: string; tags?: readonly string[] | null } }
  >();
  private background = 0;
  private readonly ttlMs: number;
  private readonly now: () => number;

  constructor(
    private readonly featbit: Pick<FeatBitRestClient, 'probePermission'>,
    options: { readonly ttlMs?: number; readonly now?: () => number } = {},
  ) {
    this.ttlMs = options.ttlMs ?? DEFAULT_PERMISSION_TTL_MS;
    this.now = options.now ?? Date.now;
  }

  /** Calls `listener` whenever a flag's known permissions change. */
  onChange(listener: PermissionsListener): void {
    this.listeners.push(listener);
  }

  /** The flag's permissions, probing the probe-able actions when the last probe is stale or the resource moved. */
  async forFlag(
    envId: string,
    flag: { readonly key: string; readonly tags?: readonly string[] | null },
  ): Promise<FlagPermissions> {
    const id = entryId(envId, flag.key);
    const resource = resourceOf(flag);
    const entry = this.entries.get(id);
    // A flag with a probe-able action missing is probed again on every ask, so a fixed token clears its problem at once.
    const probedMissing =
      entry !== undefined && PROBED_ACTIONS.some((action) => entry.states.get(action) === PermissionState.Missing);
    if (entry && entry.resource === resource && !probedMissing && this.now() - entry.probedAt < this.ttlMs)
      return this.view(envId, flag.key, entry);
    const running = this.inFlight.get(id);
    if (running) return running;
    const probe = this.probe(envId, flag.key, resource, entry).finally(() => this.inFlight.delete(id));
    this.inFlight.set(id, probe);
    return probe;
  }

  /**
   * Probes the flag later, off the caller's path, when its probe is stale (what a reconcile round does for every
   * governed flag, so readiness knows each flag's permissions without slowing the round); at most `MAX_BACKGROUND`
   * flags are probed at once, and a flag already waiting is not queued twice.
   */
  refreshSoon(envId: string, flag: { readonly key: string; readonly tags?: readonly string[] | null }): void {
    const id = entryId(envId, flag.key);
    const entry = this.entries.get(id);
    const probedMissing =
      entry !== undefined && PROBED_ACTIONS.some((action) => entry.states.get(action) === PermissionState.Missing);
    if (entry && entry.resource === resourceOf(flag) && !probedMissing && this.now() - entry.probedAt < this.ttlMs)
      return;
    if (this.inFlight.has(id) || this.waiting.has(id)) return;
    this.waiting.set(id, { envId, flag });
    this.drain();
  }

  /** Resolves when no background probe runs or waits (tests, shutdown). */
  async idle(): Promise<void> {
    while (this.waiting.size > 0 || this.background > 0) {
      const running = [...this.inFlight.values()];
      if (running.length === 0) await new Promise<void>((resolve) => setImmediate(resolve));
      else await Promise.all(running.map((probe) => probe.catch(() => undefined)));
    }
  }

  private drain(): void {
    while (this.background < MAX_BACKGROUND && this.waiting.size > 0) {
      const [id, next] = this.waiting.entries().next().value as [
        string,
        { envId: string; flag: { key: string; tags?: readonly string[] | null } },
      ];
      this.waiting.delete(id);
      this.background += 1;
      void this.forFlag(next.envId, next.flag)
        .catch(() => undefined)
        .finally(() => {
          this.background -= 1;
          this.drain();
        });
    }
  }

  /** Records what FeatBit answered to one of featgate's own writes (a 403 is `Missing`, a success `Granted`). */
  learn(envId: string, flagKey: string, actions: readonly FeatBitAction[], state: PermissionState): void {
    const id = entryId(envId, flagKey);
    const entry = this.entries.get(id) ?? {
      resource: '',
      probedAt: Number.NEGATIVE_INFINITY,
      states: new Map<FeatBitAction, PermissionState>(),
    };
    const changed = actions.some((action) => entry.states.get(action) !== state);
    for (const action of actions) entry.states.set(action, state);
    this.entries.set(id, entry);
    if (changed) this.emit(this.view(envId, flagKey, entry));
  }

  /** What is known now of `action` on the flag, without probing. */
  stateOf(envId: string, flagKey: string, action: FeatBitAction): PermissionState {
    return this.entries.get(entryId(envId, flagKey))?.states.get(action) ?? PermissionState.Unknown;
  }

  /** Every flag with at least one missing action, for readiness. */
  missing(): { readonly envId: string; readonly flagKey: string; readonly actions: readonly FeatBitAction[] }[] {
    return [...this.entries.entries()].flatMap(([id, entry]) => {
      const actions = [...entry.states.entries()]
        .filter(([, state]) => state === PermissionState.Missing)
        .map(([action]) => action);
      if (actions.length === 0) return [];
      const [envId = '', flagKey = ''] = id.split('\u0000');
      return [{ envId, flagKey, actions }];
    });
  }

  /** Forgets a flag (deleted in FeatBit, or no longer governed). */
  forget(envId: string, flagKey: string): void {
    const entry = this.entries.get(entryId(envId, flagKey));
    if (!entry) return;
    this.entries.delete(entryId(envId, flagKey));
    this.emit({ envId, flagKey, states: new Map() });
  }

  private async probe(
    envId: string,
    flagKey: string,
    resource: string,
    previous: Entry | undefined,
  ): Promise<FlagPermissions> {
    // One probe at a time: probes must never crowd out the jobs' own FeatBit calls.
    const answers: (readonly [FeatBitAction, PermissionState])[] = [];
    for (const action of PROBED_ACTIONS)
      answers.push([action, await this.featbit.probePermission(envId, flagKey, action)]);
    // Learned answers survive a re-probe of the same resource within the TTL; after it (or for a new resource name) only
    // what the probe says is kept, so a targeting permission granted meanwhile is tried again by the next revert.
    const keepLearned =
      previous !== undefined && previous.resource === resource && this.now() - previous.probedAt < this.ttlMs;
    const states = new Map(keepLearned ? previous.states : []);
    for (const [action, state] of answers) {
      if (state === PermissionState.Unknown) continue;
      states.set(action, state);
    }
    const entry: Entry = { resource, probedAt: this.now(), states };
    const before = previous ? canonicalJson(Object.fromEntries(previous.states)) : '';
    this.entries.set(entryId(envId, flagKey), entry);
    const view = this.view(envId, flagKey, entry);
    if (before !== canonicalJson(Object.fromEntries(states))) this.emit(view);
    return view;
  }

  private view(envId: string, flagKey: string, entry: Entry): FlagPermissions {
    return { envId, flagKey, states: new Map(entry.states) };
  }

  private emit(permissions: FlagPermissions): void {
    for (const listener of this.listeners) listener(permissions);
  }
}

/** The state of `action` in `permissions`: unknown unless probed or seen answered. */
export function permissionOf(permissions: FlagPermissions, action: FeatBitAction): PermissionState {
  return permissions.states.get(action) ?? PermissionState.Unknown;
}

function entryId(envId: string, flagKey: string): string {
  return `${envId}\u0000${flagKey}`;
}

function resourceOf(flag: { readonly key: string; readonly tags?: readonly string[] | null }): string {
  return `${flag.key};${(flag.tags ?? []).join(',')}`;
}
