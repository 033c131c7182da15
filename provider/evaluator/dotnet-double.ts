const NUMBER_SHAPE = /^[\t-\r ]*([+-]?)(?:(\d[\d,]*)?(?:\.(\d*))?)(?:[eE]([+-]?\d+))?[\t-\r ]*\0*$/;
const SPECIAL_SHAPE = /^\s*([+-]?)(infinity|nan)\s*$/i;

/**
 * Parses a number the way the evaluation server's `double.TryParse(s)` does (NumberStyles.Float |
 * AllowThousands, invariant culture): surrounding ASCII white space, one leading sign, thousands separators `,`
 * after the first digit, a decimal point, an exponent, and the words Infinity/NaN (any case). Returns undefined
 * when .NET would fail. Unlike `parseFloat` it rejects trailing garbage (`"12abc"`), hex and empty strings.
 */
export function parseDotNetDouble(text: string): number | undefined {
  const match = NUMBER_SHAPE.exec(text);
  if (match !== null) {
    const [, sign, integer = '', fraction = ''] = match;
    const exponent = match[4] ?? '0';
    const digits = integer.replace(/,/g, '');
    if (digits.length > 0 || fraction.length > 0) {
      return Number(`${sign}${digits || '0'}.${fraction || '0'}e${exponent}`);
    }
  }
  const special = SPECIAL_SHAPE.exec(text);
  if (special === null) return undefined;
  const [, sign, word] = special;
  if (word!.toLowerCase() === 'nan') return Number.NaN;
  return sign === '-' ? Number.NEGATIVE_INFINITY : Number.POSITIVE_INFINITY;
}
