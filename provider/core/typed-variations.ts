import { convertFeatBitValue, RequestedType, type ConvertedValue } from '../manifest/featbit-value.js';
import { BoundedMemo } from './bounded-memo.js';
import { jsonEqual } from './json-equal.js';
import { NO_KEY, valueKey, type ValueKey } from './value-key.js';

/** Stored JSON strings of approved content (the inner provider's, in any spelling) that one view remembers. */
export const MAX_SEEN_RAW = 4;

/**
 * The approved variations of a flag as one OpenFeature type reads them, with a by-value lookup decided by content,
 * never by object identity: an object seen before is only a hint of which approved value to compare it with (an
 * inner provider may hand out the same object after it was changed in place), and the comparison walks the content.
 * A value freshly parsed from a stored string (`idOfRawJson`) is decided by that string, which fixes its content.
 */
export class TypedVariations {
  /** Each variation's value converted as FeatBit's SDK would for this type. */
  readonly values = new Map<string, ConvertedValue>();
  /** Per variation id, the first variation id with the same value (variations may share a value). */
  readonly representative = new Map<string, string>();
  /** The representative id of the baseline, so the fast path is one comparison. */
  readonly baselineId: string;
  private readonly byKey = new Map<ValueKey, string>();
  /** Per object last matched, the id it matched: a hint, confirmed by content on every use. */
  private readonly seenObjects = new WeakMap<object, string>();
  /** The distinct approved object values with their representative ids, compared by content. */
  private readonly objectCandidates: Array<readonly [id: string, value: unknown]> = [];
  /** Object views: each approved variation's stored JSON string → its representative id (bound to its content). */
  private readonly byRawJson = new Map<string, string>();
  /** Stored strings of approved content the inner provider handed out (its own string objects, any spelling). */
  private readonly seenRaw = new BoundedMemo<string, string>(MAX_SEEN_RAW);
  private lastPrimitive: unknown = NO_KEY;
  private lastPrimitiveId: string | undefined;

  constructor(
    readonly type: RequestedType,
    variations: ReadonlyArray<{ id: string; value: string }>,
    baselineVariationId: string,
  ) {
    for (const variation of variations) {
      const converted = convertFeatBitValue(variation.value, type);
      this.values.set(variation.id, converted);
      const key = converted.convertible ? valueKey(type, converted.value) : NO_KEY;
      if (key !== NO_KEY && !this.byKey.has(key)) this.byKey.set(key, variation.id);
      this.representative.set(variation.id, key === NO_KEY ? variation.id : this.byKey.get(key)!);
      if (type === RequestedType.Object && key !== NO_KEY && !this.byRawJson.has(variation.value))
        this.byRawJson.set(variation.value, this.byKey.get(key)!);
    }
    this.baselineId = this.representative.get(baselineVariationId) ?? baselineVariationId;
    // the baseline first: the value most evaluations carry
    const distinct = [...new Set(this.representative.values())].sort(
      (a, b) => Number(b === this.baselineId) - Number(a === this.baselineId),
    );
    for (const id of distinct) {
      const value = this.approvedValue(id);
      if (typeof value === 'object' && value !== null) this.objectCandidates.push([id, value]);
    }
  }

  /**
   * The (representative) id of the approved variation whose value equals `value` by content, if any. `variantHint`
   * (the inner provider's `variant`, FeatBit's variation id) only says which approved value to compare first: a
   * fresh object named by its variant is confirmed without being remembered by identity, so a provider that parses
   * a new object per evaluation (FeatBit's SDK) adds no weak-map entry per evaluation.
   */
  idOf(value: unknown, variantHint?: string): string | undefined {
    if (typeof value === 'object' && value !== null) {
      const named = variantHint === undefined ? undefined : this.representative.get(variantHint);
      if (named !== undefined && jsonEqual(value, this.approvedValue(named))) return named;
      const hinted = this.seenObjects.get(value);
      if (hinted !== undefined && jsonEqual(value, this.approvedValue(hinted))) return hinted;
      for (const [id, approved] of this.objectCandidates) {
        if (id !== hinted && jsonEqual(value, approved)) {
          this.seenObjects.set(value, id);
          return id;
        }
      }
      this.seenObjects.delete(value);
      return undefined;
    }
    if (value === this.lastPrimitive) return this.lastPrimitiveId;
    const key = valueKey(this.type, value);
    const id = key === NO_KEY ? undefined : this.byKey.get(key);
    this.lastPrimitive = value;
    this.lastPrimitiveId = id;
    return id;
  }

  /**
   * `idOf` for a value the inner provider parsed from `raw` for this evaluation alone (`RawJsonResolution`): the
   * stored string of an approved variation is that variation, found by a Map lookup with no walk of the parsed
   * content. Since `JSON.parse` is a function of the string, a string decides its content: a variation edited in
   * FeatBit under the same id has another string, misses, and is compared by content like any value. Strings that
   * matched are remembered as the inner provider's own string objects (the SDK hands out the one it stores until the
   * flag changes), so the next lookup is an identity check rather than a 10 KB comparison with the manifest's copy;
   * at most `MAX_SEEN_RAW` of them, the oldest forgotten, so edits in FeatBit never grow the memo.
   */
  idOfRawJson(raw: string, value: unknown, variantHint?: string): string | undefined {
    if (this.type !== RequestedType.Object) return this.idOf(value, variantHint);
    const seen = this.seenRaw.get(raw);
    if (seen !== undefined) return seen;
    const id = this.byRawJson.get(raw) ?? this.idOf(value, variantHint);
    if (id !== undefined) this.seenRaw.set(raw, id);
    return id;
  }

  /** How many stored strings of approved content are remembered (never more than `MAX_SEEN_RAW`). */
  get rawStringsRemembered(): number {
    return this.seenRaw.size;
  }

  private approvedValue(id: string): unknown {
    const converted = this.values.get(id);
    return converted?.convertible ? converted.value : undefined;
  }
}
