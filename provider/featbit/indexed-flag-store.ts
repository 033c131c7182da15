import type {
  IDataKind,
  IKeyedStoreItem,
  IStore,
  IStoreDataStorage,
  IStoreItem,
  IStoreKindData,
} from '@featbit/node-server-sdk';
import { convertFeatBitValue, RequestedType } from '../manifest/featbit-value.js';
import { NO_KEY, valueKey, type ValueKey } from '../core/value-key.js';

/** Namespace under which the Node SDK keeps flags (`DataKinds.Flags`). */
const FLAGS_NAMESPACE = 'flags';

const AMBIGUOUS = Symbol('ambiguous');

/**
 * Per flag version: value key → variation id for each requested type, stored JSON string → variation id, and
 * whether the default rule splits by percentage.
 */
interface FlagIndex {
  readonly item: IStoreItem;
  readonly byType: Map<RequestedType, Map<ValueKey, string | typeof AMBIGUOUS>>;
  byRawJson?: Map<string, string | typeof AMBIGUOUS>;
  splitFallthrough?: boolean;
}

interface StoredFlag extends IStoreItem {
  variations?: Array<{ id: string; value: string }>;
  fallthrough?: { variations?: Array<{ rollout: [number, number] }> };
}

/**
 * The Node SDK's data store with the SDK's own semantics (`InMemoryStore`: an item replaces another only with a
 * higher `version`), plus what the SDK does not expose: which variation id a served value is, and whether a flag's
 * default rule is a percentage split. Given to `FbClientBuilder` as its `store`, so it sees every flag the SDK sees.
 */
export class IndexedFlagStore implements IStore {
  version = 0;
  private data: IStoreDataStorage = {};
  private initCalled = false;
  private readonly indexes = new Map<string, FlagIndex>();

  get(kind: IDataKind, key: string): IStoreItem | null {
    const items = this.data[kind.namespace];
    return items && Object.prototype.hasOwnProperty.call(items, key) ? (items[key] ?? null) : null;
  }

  all(kind: IDataKind): IStoreKindData {
    return { ...(this.data[kind.namespace] ?? {}) };
  }

  init(allData: IStoreDataStorage, callback: () => void): void {
    this.data = allData;
    this.version = 0;
    for (const items of Object.values(allData)) {
      for (const item of Object.values(items)) this.version = Math.max(this.version, item.version);
    }
    this.initCalled = true;
    callback?.();
  }

  upsert(kind: IDataKind, data: IKeyedStoreItem, callback: () => void): void {
    const items = (this.data[kind.namespace] ??= {});
    const old = Object.prototype.hasOwnProperty.call(items, data.key) ? items[data.key] : undefined;
    if (!old || old.version < data.version) items[data.key] = data;
    this.version = Math.max(this.version, data.version);
    callback?.();
  }

  initialized(): boolean {
    return this.initCalled;
  }

  close(): void {}

  getDescription(): string {
    return 'featgate-indexed-memory';
  }

  /**
   * The id of the flag's variation whose value, read as `type` the way the SDK converts it, equals `value`;
   * undefined when none or several variations have that value.
   */
  variationIdOf(flagKey: string, type: RequestedType, value: unknown): string | undefined {
    const entry = this.indexOf(flagKey);
    if (!entry) return undefined;
    const index = this.typedIndex(entry, type);
    const key = valueKey(type, value);
    const id = key === NO_KEY ? undefined : index.get(key);
    return id === AMBIGUOUS ? undefined : id;
  }

  /**
   * The id of the variation the SDK served as this stored string (JSON flags), found by the string itself: one Map
   * lookup per evaluation, no canonical JSON of the value (a 10 KB prompt costs about 100 µs to canonicalise). A
   * string whose content several variations share is ambiguous (undefined), exactly as `variationIdOf` would say.
   */
  variationIdOfRawJson(flagKey: string, raw: string): string | undefined {
    const entry = this.indexOf(flagKey);
    if (!entry) return undefined;
    if (!entry.byRawJson) {
      const byContent = this.typedIndex(entry, RequestedType.Object);
      const byRaw = new Map<string, string | typeof AMBIGUOUS>();
      for (const variation of (entry.item as StoredFlag).variations ?? []) {
        const converted = convertFeatBitValue(variation.value, RequestedType.Object);
        const key = converted.convertible ? valueKey(RequestedType.Object, converted.value) : NO_KEY;
        if (key !== NO_KEY) byRaw.set(variation.value, byContent.get(key) ?? AMBIGUOUS);
      }
      entry.byRawJson = byRaw;
    }
    const id = entry.byRawJson.get(raw);
    return id === AMBIGUOUS ? undefined : id;
  }

  private indexOf(flagKey: string): FlagIndex | undefined {
    const flag = this.flag(flagKey);
    if (!flag?.variations) return undefined;
    let entry = this.indexes.get(flagKey);
    if (!entry || entry.item !== flag) {
      entry = { item: flag, byType: new Map() };
      this.indexes.set(flagKey, entry);
    }
    return entry;
  }

  private typedIndex(entry: FlagIndex, type: RequestedType): Map<ValueKey, string | typeof AMBIGUOUS> {
    let index = entry.byType.get(type);
    if (!index) {
      index = new Map();
      for (const variation of (entry.item as StoredFlag).variations ?? []) {
        const converted = convertFeatBitValue(variation.value, type);
        if (!converted.convertible) continue;
        const key = valueKey(type, converted.value);
        if (key === NO_KEY) continue;
        index.set(key, index.has(key) ? AMBIGUOUS : variation.id);
      }
      entry.byType.set(type, index);
    }
    return index;
  }

  /** Whether the flag's default rule splits contexts across more than one variation by percentage. */
  isSplitFallthrough(flagKey: string): boolean {
    const entry = this.indexOf(flagKey);
    if (entry) return (entry.splitFallthrough ??= splitsByPercentage(entry.item as StoredFlag));
    const flag = this.flag(flagKey);
    return flag !== undefined && splitsByPercentage(flag);
  }

  private flag(flagKey: string): StoredFlag | undefined {
    return (this.get({ namespace: FLAGS_NAMESPACE }, flagKey) as StoredFlag | null) ?? undefined;
  }
}

function splitsByPercentage(flag: StoredFlag): boolean {
  const rollouts = flag.fallthrough?.variations ?? [];
  return rollouts.filter(({ rollout }) => rollout[1] - rollout[0] > 0).length > 1;
}
