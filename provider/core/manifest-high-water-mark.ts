/** The newest manifest a gate of an environment has accepted: what a restarted gate must not go below. */
export interface ManifestMark {
  readonly envId: string;
  readonly version: number;
  /** `issuedAt` of that manifest, epoch ms: renewals keep the version and move this forward. */
  readonly issuedAtMs: number;
}

/**
 * Where a gate keeps its high-water mark across restarts (a file on servers, localStorage in browsers), so a
 * restarted gate refuses an older manifest that is still within its lifetime (a replay). Loading may fail or find
 * nothing; the gate then starts from nothing, as before.
 */
export interface ManifestHighWaterMark {
  load(): Promise<ManifestMark | undefined> | ManifestMark | undefined;
  save(mark: ManifestMark): Promise<void> | void;
}

/** Reads a stored mark, accepting only a well-formed one. */
export function parseManifestMark(text: string | null | undefined): ManifestMark | undefined {
  if (!text) return undefined;
  try {
    const value = JSON.parse(text) as Partial<ManifestMark>;
    if (typeof value.envId !== 'string' || !Number.isSafeInteger(value.version) || !Number.isFinite(value.issuedAtMs))
      return undefined;
    return { envId: value.envId, version: value.version!, issuedAtMs: value.issuedAtMs! };
  } catch {
    return undefined;
  }
}

/** A high-water mark in a Web Storage (`localStorage`), for the web gate. */
export class StorageHighWaterMark implements ManifestHighWaterMark {
  constructor(
    private readonly storage: Pick<Storage, 'getItem' | 'setItem'>,
    private readonly key = 'featgate:manifest-mark',
  ) {}

  load(): ManifestMark | undefined {
    return parseManifestMark(this.storage.getItem(this.key));
  }

  save(mark: ManifestMark): void {
    this.storage.setItem(this.key, JSON.stringify(mark));
  }
}
