/**
 * The evaluation server's streaming token (`ES Domain/Shared/Token.cs`, `TokenNumber.cs`; the Node SDK's
 * `generateConnectionToken`): the env secret without `=` padding, with the connection time in ms spliced in at a
 * position, both numbers written in FeatBit's digit alphabet. Header: 3 characters position, 2 characters length
 * of the time code.
 */

const ENCODE: Readonly<Record<string, string>> = {
  0: 'Q',
  1: 'B',
  2: 'W',
  3: 'S',
  4: 'P',
  5: 'H',
  6: 'D',
  7: 'X',
  8: 'Z',
  9: 'U',
};
const DECODE: Readonly<Record<string, string>> = Object.fromEntries(
  Object.entries(ENCODE).map(([digit, letter]) => [letter, digit]),
);

/** A decoded token: the env secret it carries and when it was made. */
export interface ConnectionToken {
  readonly secret: string;
  readonly timestamp: number;
}

function encodeNumber(value: number, length: number): string {
  return String(value)
    .padStart(length, '0')
    .slice(-length)
    .split('')
    .map((digit) => ENCODE[digit]!)
    .join('');
}

/** `TokenNumber.TryDecode…`: empty is 0; any character outside the alphabet fails. */
function decodeNumber(text: string): number | undefined {
  if (text.trim() === '') return 0;
  let digits = '';
  for (const letter of text) {
    const digit = DECODE[letter];
    if (digit === undefined) return undefined;
    digits += digit;
  }
  return Number(digits);
}

/** Makes a token the way FeatBit's SDKs do (for tests and for featgate's own stream subscriber). */
export function encodeConnectionToken(secret: string, now = Date.now(), position = 2): string {
  const text = secret.replace(/=*$/, '');
  const start = Math.max(Math.min(position, text.length), 2);
  const timeCode = encodeNumber(now, String(now).length);
  return `${encodeNumber(start, 3)}${encodeNumber(timeCode.length, 2)}${text.slice(0, start)}${timeCode}${text.slice(start)}`;
}

/** `new Token(span)`: the secret (re-padded to a multiple of 4, 44 characters) and time, or `undefined` when invalid. */
export function decodeConnectionToken(token: string): ConnectionToken | undefined {
  if (token.length < 5) return undefined;
  const position = decodeNumber(token.slice(0, 3));
  const contentLength = decodeNumber(token.slice(3, 5));
  if (position === undefined || contentLength === undefined || position > 255 || contentLength > 255) return undefined;
  const payload = token.slice(5);
  if (payload.length < position + contentLength) return undefined;
  const timestamp = decodeNumber(payload.slice(position, position + contentLength));
  if (timestamp === undefined) return undefined;
  const secretLength = payload.length - contentLength;
  const padding = secretLength % 4 === 0 ? '' : '='.repeat(4 - (secretLength % 4));
  const secret = `${payload.slice(0, position)}${payload.slice(position + contentLength)}${padding}`;
  if (secret.trim() === '' || secret.length !== 44) return undefined;
  return { secret, timestamp };
}
