import { MalformedFlagError } from './malformed-flag-error.js';
import { regexEngine } from './regex-engine.js';

/** Longest pattern featgate compiles; longer ones are malformed rule data (FeatBit's UI patterns are short). */
export const MAX_REGEX_PATTERN_LENGTH = 2_048;

/** .NET's Unicode classes (`\d` is any decimal digit, `\w` letters, marks, digits and connectors), in RE2 syntax. */
const DOTNET_CLASSES: Readonly<Record<string, { readonly outside: string; readonly inside?: string }>> = {
  d: { outside: '\\p{Nd}', inside: '\\p{Nd}' },
  D: { outside: '\\P{Nd}' },
  w: { outside: '[\\p{L}\\p{Mn}\\p{Nd}\\p{Pc}]', inside: '\\p{L}\\p{Mn}\\p{Nd}\\p{Pc}' },
  W: { outside: '[^\\p{L}\\p{Mn}\\p{Nd}\\p{Pc}]' },
};

/**
 * Rewrites the parts of a .NET pattern whose meaning RE2 spells differently: `\d`/`\w` (and negations outside
 * classes) become their Unicode forms, and `$` outside a class, when the pattern sets no multiline option, also
 * matches before a final newline as in .NET (`(?:\n?\z)`). Inline options such as `(?i)` mean the same in RE2.
 */
export function translateDotNetPattern(pattern: string): string {
  const multiline = /\(\?[a-zA-Z]*m/.test(pattern);
  let out = '';
  let inClass = false;
  for (let index = 0; index < pattern.length; index += 1) {
    const char = pattern[index]!;
    if (char === '\\' && index + 1 < pattern.length) {
      const next = pattern[index + 1]!;
      const mapped = DOTNET_CLASSES[next];
      const replacement = mapped ? (inClass ? mapped.inside : mapped.outside) : undefined;
      out += replacement ?? `\\${next}`;
      index += 1;
      continue;
    }
    if (inClass) {
      if (char === ']') inClass = false;
      out += char;
      continue;
    }
    if (char === '[') {
      inClass = true;
      out += char;
      if (pattern[index + 1] === '^') out += pattern[++index];
      if (pattern[index + 1] === ']') out += pattern[++index];
      continue;
    }
    out += char === '$' && !multiline ? '(?:\\n?\\z)' : char;
  }
  return out;
}

/** A compiled rule pattern: searches a user value in time linear in its length (no backtracking). */
export interface RuleRegex {
  test(userValue: string): boolean;
}

/**
 * Compiles a FeatBit `MatchRegex` rule value with a linear-time engine (RE2), never JavaScript's backtracking one, so
 * no pattern stored in FeatBit can freeze the process (`^(a+)+$` against `aaa…!` answers at once). .NET constructs
 * RE2 lacks (backreferences, lookaround, atomic groups) and patterns over `MAX_REGEX_PATTERN_LENGTH` throw
 * `MalformedFlagError`: the evaluation fails, and the gate serves the approved baseline instead of guessing.
 */
export function compileRuleRegex(pattern: string): RuleRegex {
  if (pattern.length > MAX_REGEX_PATTERN_LENGTH) {
    throw new MalformedFlagError(
      `rule condition has a regular expression longer than ${MAX_REGEX_PATTERN_LENGTH} characters`,
    );
  }
  const engine = regexEngine();
  try {
    const compiled = engine.compile(translateDotNetPattern(pattern));
    return { test: (userValue) => compiled.test(userValue) };
  } catch (error) {
    throw new MalformedFlagError(
      `rule condition has a regular expression featgate cannot compile: ${pattern.slice(0, 200)}`,
      { cause: error },
    );
  }
}
