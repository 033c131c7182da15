/**
 * Parses JSON the way a FeatBit delivery needs: strictly first, and if that fails, once more after escaping raw
 * control characters inside string literals. FeatBit's template encoder leaves newlines and tabs of plain fields
 * (a multi-line description) unescaped, which strict JSON forbids; nothing else is repaired.
 */
export function parseLenientJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch (strictError) {
    const repaired = escapeControlCharactersInStrings(text);
    if (repaired === text) throw strictError;
    return JSON.parse(repaired);
  }
}

function escapeControlCharactersInStrings(text: string): string {
  let out = '';
  let inString = false;
  let escaped = false;
  for (const char of text) {
    if (inString) {
      if (escaped) escaped = false;
      else if (char === '\\') escaped = true;
      else if (char === '"') inString = false;
      else if (char < ' ') {
        out += `\\u${char.charCodeAt(0).toString(16).padStart(4, '0')}`;
        continue;
      }
    } else if (char === '"') {
      inString = true;
    }
    out += char;
  }
  return out;
}
