import type { IDataKind, IKeyedStoreItem, IStore, IStoreDataStorage, IStoreItem, IStoreKindData } from '@featbit/node-server-sdk';
import { convertFeatBitValue, type RequestedType } from '../manifest/featbit-value.js';
import { NO_KEY, valueKey, type ValueKey } from '../core/value-key.js';

/** Namespace under which the Node SDK keeps flags (`DataKinds.Flags`). */
const FLAGS_NAMESPACE = 'flags';

const AMBIGUOUS = Symbol('ambiguous');

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
  private readonly indexes = new Map<string, { item: IStoreItem; byType: Map<RequestedType, Map<ValueKey, string | typeof AMBIGUOUS>> }>();

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
    const flag = this.flag(flagKey);
    if (!flag?.variations) return undefined;
    let entry = this.indexes.get(flagKey);
    if (!entry || entry.item !== flag) {
      entry = { item: flag, byType: new Map() };
      this.indexes.set(flagKey, entry);
    }
    let index = entry.byType.get(type);
    if (!index) {
      index = new Map();
      for (const variation of flag.variations) {
        const converted = convertFeatBitValue(variation.value, type);
        if (!converted.convertible) continue;
        const key = valueKey(type, converted.value);
        if (key === NO_KEY) continue;
        index.set(key, index.has(key) ? AMBIGUOUS : variation.id);
      }
      entry.byType.set(type, index);
    }
    const key = valueKey(type, value);
    const id = key === NO_KEY ? undefined : index.get(key);
    return id === AMBIGUOUS ? undefined : id;
  }

  /** Whether the flag's default rule splits contexts across more than one variation by percentage. */
  isSplitFallthrough(flagKey: string): boolean {
    const rollouts = this.flag(flagKey)?.fallthrough?.variations ?? [];
    return rollouts.filter(({ rollout }) => rollout[1] - rollout[0] > 0).length > 1;
  }

  private flag(flagKey: string): StoredFlag | undefined {
    return (this.get({ namespace: FLAGS_NAMESPACE }, flagKey) as StoredFlag | null) ?? undefined;
  }
}
