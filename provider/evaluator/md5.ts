const K = new Int32Array(64).map((_, i) => Math.floor(Math.abs(Math.sin(i + 1)) * 2 ** 32) | 0);
const REPLACEMENT = 0xfffd;

let words = new Int32Array(64);
const state = new Int32Array(4);

/**
 * MD5 (RFC 1321) of a string's UTF-8 bytes, in plain JavaScript: FeatBit buckets contexts with MD5, and a
 * browser has no synchronous MD5 (WebCrypto has none, and is asynchronous). Lone surrogates are encoded as U+FFFD,
 * exactly as `TextEncoder` and Node's `'utf8'` encoding do. Returns the 16 digest bytes.
 */
export function md5(text: string): Uint8Array {
  digest(text);
  const bytes = new Uint8Array(16);
  for (let i = 0; i < 16; i += 1) bytes[i] = (state[i >> 2]! >>> ((i & 3) << 3)) & 0xff;
  return bytes;
}

/**
 * The first four digest bytes of `md5(text)` read as a signed little-endian int32: all FeatBit's bucketing needs,
 * without allocating a digest.
 */
export function md5FirstInt32LE(text: string): number {
  digest(text);
  return state[0]!;
}

function digest(text: string): void {
  const blocks = encodeBlocks(text);
  let a0 = 0x67452301;
  let b0 = 0xefcdab89 | 0;
  let c0 = 0x98badcfe | 0;
  let d0 = 0x10325476;
  const w = words;
  for (let offset = 0; offset < blocks << 4; offset += 16) {
    let a = a0;
    let b = b0;
    let c = c0;
    let d = d0;
    let t: number;
    for (let i = 0; i < 16; i += 4) {
      t = (a + ((b & c) | (~b & d)) + K[i]! + w[offset + i]!) | 0;
      a = (b + ((t << 7) | (t >>> 25))) | 0;
      t = (d + ((a & b) | (~a & c)) + K[i + 1]! + w[offset + i + 1]!) | 0;
      d = (a + ((t << 12) | (t >>> 20))) | 0;
      t = (c + ((d & a) | (~d & b)) + K[i + 2]! + w[offset + i + 2]!) | 0;
      c = (d + ((t << 17) | (t >>> 15))) | 0;
      t = (b + ((c & d) | (~c & a)) + K[i + 3]! + w[offset + i + 3]!) | 0;
      b = (c + ((t << 22) | (t >>> 10))) | 0;
    }
    for (let i = 16; i < 32; i += 4) {
      t = (a + ((b & d) | (c & ~d)) + K[i]! + w[offset + ((5 * i + 1) & 15)]!) | 0;
      a = (b + ((t << 5) | (t >>> 27))) | 0;
      t = (d + ((a & c) | (b & ~c)) + K[i + 1]! + w[offset + ((5 * i + 6) & 15)]!) | 0;
      d = (a + ((t << 9) | (t >>> 23))) | 0;
      t = (c + ((d & b) | (a & ~b)) + K[i + 2]! + w[offset + ((5 * i + 11) & 15)]!) | 0;
      c = (d + ((t << 14) | (t >>> 18))) | 0;
      t = (b + ((c & a) | (d & ~a)) + K[i + 3]! + w[offset + ((5 * i + 16) & 15)]!) | 0;
      b = (c + ((t << 20) | (t >>> 12))) | 0;
    }
    for (let i = 32; i < 48; i += 4) {
      t = (a + (b ^ c ^ d) + K[i]! + w[offset + ((3 * i + 5) & 15)]!) | 0;
      a = (b + ((t << 4) | (t >>> 28))) | 0;
      t = (d + (a ^ b ^ c) + K[i + 1]! + w[offset + ((3 * i + 8) & 15)]!) | 0;
      d = (a + ((t << 11) | (t >>> 21))) | 0;
      t = (c + (d ^ a ^ b) + K[i + 2]! + w[offset + ((3 * i + 11) & 15)]!) | 0;
      c = (d + ((t << 16) | (t >>> 16))) | 0;
      t = (b + (c ^ d ^ a) + K[i + 3]! + w[offset + ((3 * i + 14) & 15)]!) | 0;
      b = (c + ((t << 23) | (t >>> 9))) | 0;
    }
    for (let i = 48; i < 64; i += 4) {
      t = (a + (c ^ (b | ~d)) + K[i]! + w[offset + ((7 * i) & 15)]!) | 0;
      a = (b + ((t << 6) | (t >>> 26))) | 0;
      t = (d + (b ^ (a | ~c)) + K[i + 1]! + w[offset + ((7 * i + 7) & 15)]!) | 0;
      d = (a + ((t << 10) | (t >>> 22))) | 0;
      t = (c + (a ^ (d | ~b)) + K[i + 2]! + w[offset + ((7 * i + 14) & 15)]!) | 0;
      c = (d + ((t << 15) | (t >>> 17))) | 0;
      t = (b + (d ^ (c | ~a)) + K[i + 3]! + w[offset + ((7 * i + 21) & 15)]!) | 0;
      b = (c + ((t << 21) | (t >>> 11))) | 0;
    }
    a0 = (a0 + a) | 0;
    b0 = (b0 + b) | 0;
    c0 = (c0 + c) | 0;
    d0 = (d0 + d) | 0;
  }
  state[0] = a0;
  state[1] = b0;
  state[2] = c0;
  state[3] = d0;
}

/**
 * Writes the UTF-8 bytes of `text` plus MD5 padding into the shared word buffer (little-endian words) and returns
 * the number of 64-byte blocks. The buffer is reused between calls, so hashing allocates nothing once it is large
 * enough; ASCII text (user keys, flag keys) is packed four characters to a word.
 */
function encodeBlocks(text: string): number {
  const length = text.length;
  const maxBlocks = ((length * 3 + 8) >> 6) + 1;
  if (words.length < maxBlocks << 4) words = new Int32Array(maxBlocks << 5);
  const asciiBlocks = asciiEncode(text);
  return asciiBlocks > 0 ? asciiBlocks : utf8Encode(text, maxBlocks);
}

/** Packs ASCII text with its padding; returns 0 (having written garbage) when the text is not all ASCII. */
function asciiEncode(text: string): number {
  const w = words;
  const length = text.length;
  let i = 0;
  let word = 0;
  for (; i + 3 < length; i += 4, word += 1) {
    const c0 = text.charCodeAt(i);
    const c1 = text.charCodeAt(i + 1);
    const c2 = text.charCodeAt(i + 2);
    const c3 = text.charCodeAt(i + 3);
    if ((c0 | c1 | c2 | c3) >= 0x80) return 0;
    w[word] = c0 | (c1 << 8) | (c2 << 16) | (c3 << 24);
  }
  let last = 0;
  let shift = 0;
  for (; i < length; i += 1, shift += 8) {
    const code = text.charCodeAt(i);
    if (code >= 0x80) return 0;
    last |= code << shift;
  }
  w[word] = last | (0x80 << shift);
  return pad(word + 1, length);
}

/** Zeroes the words after `usedWords` up to the length field, writes the bit length, returns the block count. */
function pad(usedWords: number, byteLength: number): number {
  const blocks = ((byteLength + 8) >> 6) + 1;
  const w = words;
  w.fill(0, usedWords, (blocks << 4) - 2);
  w[(blocks << 4) - 2] = (byteLength << 3) | 0;
  w[(blocks << 4) - 1] = Math.floor(byteLength / 0x20000000);
  return blocks;
}

function utf8Encode(text: string, maxBlocks: number): number {
  const length = text.length;
  const w = words;
  w.fill(0, 0, maxBlocks << 4);
  let n = 0;
  for (let i = 0; i < length; i += 1) {
    let code = text.charCodeAt(i);
    if (code < 0x80) {
      w[n >> 2]! |= code << ((n & 3) << 3);
      n += 1;
      continue;
    }
    if (code < 0x800) {
      w[n >> 2]! |= (0xc0 | (code >> 6)) << ((n & 3) << 3);
      n += 1;
      w[n >> 2]! |= (0x80 | (code & 0x3f)) << ((n & 3) << 3);
      n += 1;
      continue;
    }
    if (code >= 0xd800 && code <= 0xdfff) {
      const next = i + 1 < length ? text.charCodeAt(i + 1) : 0;
      if (code <= 0xdbff && next >= 0xdc00 && next <= 0xdfff) {
        code = 0x10000 + ((code - 0xd800) << 10) + (next - 0xdc00);
        i += 1;
        w[n >> 2]! |= (0xf0 | (code >> 18)) << ((n & 3) << 3);
        n += 1;
        w[n >> 2]! |= (0x80 | ((code >> 12) & 0x3f)) << ((n & 3) << 3);
        n += 1;
        w[n >> 2]! |= (0x80 | ((code >> 6) & 0x3f)) << ((n & 3) << 3);
        n += 1;
        w[n >> 2]! |= (0x80 | (code & 0x3f)) << ((n & 3) << 3);
        n += 1;
        continue;
      }
      code = REPLACEMENT;
    }
    w[n >> 2]! |= (0xe0 | (code >> 12)) << ((n & 3) << 3);
    n += 1;
    w[n >> 2]! |= (0x80 | ((code >> 6) & 0x3f)) << ((n & 3) << 3);
    n += 1;
    w[n >> 2]! |= (0x80 | (code & 0x3f)) << ((n & 3) << 3);
    n += 1;
  }
  w[n >> 2]! |= 0x80 << ((n & 3) << 3);
  return pad((n >> 2) + 1, n);
}
