/** The part of a linear-time regex engine (RE2JS) the evaluator uses. */
export interface RegexEngine {
  compile(pattern: string): { test(input: string): boolean };
}

let engine: RegexEngine | undefined;

/**
 * Installs the engine that compiles `MatchRegex` rules. The service's entries (`./evaluator`, `./manifest`) install
 * RE2JS when they load; the gates load it on demand (`loadRegexEngine`), so a browser gate whose manifest has no
 * regex rule never downloads RE2 (about 150 KB minified, five times the rest of the gate).
 */
export function installRegexEngine(installed: RegexEngine): void {
  engine = installed;
}

/** The installed engine; throws when none is (a caller evaluated before `loadRegexEngine` settled). */
export function regexEngine(): RegexEngine {
  if (engine === undefined)
    throw new Error('featgate: no regex engine loaded; await loadRegexEngine() before evaluating MatchRegex rules');
  return engine;
}

/** Loads RE2JS once (a separate chunk for bundlers that split) and installs it. */
export async function loadRegexEngine(): Promise<void> {
  if (engine !== undefined) return;
  const { RE2JS } = await import('re2js');
  engine ??= RE2JS;
}
