/**
 * Emulates Handlebars.Net 2.1.6 `HtmlEncoderLegacy`, the default encoder of `{{x}}` in FeatBit's webhook
 * templates: `"` `&` `<` `>` become entities, every UTF-16 unit above 159 becomes `&#N;`, `'` `=` `` ` `` stay.
 */
export function htmlEncodeLegacy(value: string): string {
  let out = '';
  for (let index = 0; index < value.length; index += 1) {
    const char = value[index]!;
    const code = value.charCodeAt(index);
    if (char === '"') out += '&quot;';
    else if (char === '&') out += '&amp;';
    else if (char === '<') out += '&lt;';
    else if (char === '>') out += '&gt;';
    else if (code > 159) out += `&#${code};`;
    else out += char;
  }
  return out;
}
