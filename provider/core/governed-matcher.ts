import type { ManifestGoverned } from '../manifest/manifest-schema.js';

/**
 * Whether a flag key is governed by the manifest's selectors: one of its keys, or one of its glob patterns with the
 * policy's semantics (`*` any run of characters, `?` one character, everything else literal, whole key).
 * Browser-safe; patterns compile once.
 */
export function governedMatcher(governed: ManifestGoverned): (flagKey: string) => boolean {
  const keys = new Set(governed.keys);
  const patterns = governed.keyPatterns.map(
    (glob) =>
      new RegExp(
        `^${glob
          .replace(/[.+^${}()|[\]\\]/g, '\\$&')
          .replace(/\*/g, '.*')
          .replace(/\?/g, '.')}$`,
        's',
      ),
  );
  return (flagKey) => keys.has(flagKey) || patterns.some((pattern) => pattern.test(flagKey));
}
