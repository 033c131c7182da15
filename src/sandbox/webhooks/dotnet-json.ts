/**
 * Serializes like .NET `System.Text.Json` with web defaults and the default `JavaScriptEncoder`, which is how
 * FeatBit's `{{json x}}` helper writes values into webhook payloads: compact, property order as given,
 * `"` inside strings as `\u0022`, HTML-sensitive characters (`& ' + < > \``) and every non-ASCII UTF-16
 * unit as `\uXXXX`, doubles in .NET's shortest round-trip form (`1E-05`).
 */
export function dotnetJson(value: unknown): string {
  if (value === null || value === undefined) return 'null';
  if (typeof value === 'string') return `"${escapeDotnetString(value)}"`;
  if (typeof value === 'number') return formatDotnetDouble(value);
  if (typeof value === 'boolean') return value ? 'true' : 'false';
  if (Array.isArray(value)) return `[${value.map(dotnetJson).join(',')}]`;
  if (typeof value === 'object') {
    const members = Object.entries(value as Record<string, unknown>).map(
      ([name, member]) => `"${escapeDotnetString(name)}":${dotnetJson(member)}`,
    );
    return `{${members.join(',')}}`;
  }
  return 'null';
}

const SHORT_ESCAPES: Record<string, string> = {
  '\b': '\\b',
  '\t': '\\t',
  '\n': '\\n',
  '\f': '\\f',
  '\r': '\\r',
  '\\': '\\\\',
};
const HTML_SENSITIVE = new Set(['"', '&', "'", '+', '<', '>', '`']);

/** Escapes a string as `JavaScriptEncoder.Default` does inside a JSON string literal. */
export function escapeDotnetString(value: string): string {
  let out = '';
  for (let index = 0; index < value.length; index += 1) {
    const char = value[index]!;
    const code = value.charCodeAt(index);
    const short = SHORT_ESCAPES[char];
    if (short) out += short;
    else if (code < 0x20 || code >= 0x7f || HTML_SENSITIVE.has(char))
      out += `\\u${code.toString(16).toUpperCase().padStart(4, '0')}`;
    else out += char;
  }
  return out;
}

/** Formats a double as .NET Core 3.0+ does (shortest round-trip; scientific below 1E-05 and from 1E+15). */
export function formatDotnetDouble(value: number): string {
  if (!Number.isFinite(value)) return 'null';
  if (value === 0) return '0';
  const [mantissa, exponentText] = value.toExponential().split('e') as [string, string];
  const exponent = Number(exponentText);
  if (exponent >= -4 && exponent < 15) return String(value);
  const sign = exponent < 0 ? '-' : '+';
  return `${mantissa}E${sign}${String(Math.abs(exponent)).padStart(2, '0')}`;
}
