import { describe, expect, it } from 'vitest';
import { canonicalJson, sha256Hex, type JsonValue } from '../../../src/canonical/index.js';
import { ActorKind, buildEntry, GENESIS_HASH, hashEntry } from '../../../src/ledger/index.js';
import { isAlwaysSecretKey, redactionKeyFromText, redactSecrets } from '../../../src/redaction/index.js';

const actor = { id: 'featgate', kind: ActorKind.System };

describe('buildEntry', () => {
  it('starts the chain at seq 1 on the genesis hash', () => {
    const entry = buildEntry({ type: 'flag.adopted', actor, subject: 'flag:env/f', data: {} }, undefined, new Date(0));
    expect(entry).toMatchObject({ seq: 1, prevHash: GENESIS_HASH, at: '1970-01-01T00:00:00.000Z' });
  });

  it('hashes the RFC 8785 canonical JSON of the entry without its hash', () => {
    const entry = buildEntry(
      { type: 'flag.adopted', actor, subject: 'flag:env/f', data: { b: 1, a: [2, 'x'] } },
      { seq: 4, hash: 'a'.repeat(64) },
    );
    const { hash, ...rest } = entry;
    expect(hash).toBe(sha256Hex(canonicalJson(rest)));
    expect(entry).toMatchObject({ seq: 5, prevHash: 'a'.repeat(64) });
  });

  it('gives the same hash whatever order the data keys came in', () => {
    const at = '2025-01-01T00:00:00.000Z';
    const one = buildEntry({ type: 't', actor, subject: 's', data: { x: 1, y: { p: 1, q: 2 } }, at }, undefined);
    const two = buildEntry({ type: 't', actor, subject: 's', data: { y: { q: 2, p: 1 }, x: 1 }, at }, undefined);
    expect(one.hash).toBe(two.hash);
    expect(hashEntry(JSON.parse(JSON.stringify(one)) as object)).toBe(one.hash);
  });
});

describe('secret redaction at the ledger boundary', () => {
  const redacted = { $redacted: true };

  it('replaces secret-named fields at any depth, in any case, and keeps everything else', () => {
    const data = { accessToken: 'a', list: [{ Password: 'p', keep: 1 }], nested: { privatekey: 'k', tokenName: 'ci' } };
    const entry = buildEntry({ type: 'flag.adopted', actor, subject: 'flag:env/f', data }, undefined);
    expect(entry.data).toEqual({
      accessToken: redacted,
      list: [{ Password: redacted, keep: 1 }],
      nested: { privatekey: redacted, tokenName: 'ci' },
    });
  });

  it('keeps a keyed marker the change record already holds, so a changed secret still shows', () => {
    const key = redactionKeyFromText('ledger-test-redaction-key-0123456789abcdef', 'test');
    const marker = (redactSecrets({ token: 'fgt_1' }, isAlwaysSecretKey, key) as { token: JsonValue }).token;
    const entry = buildEntry(
      { type: 'change.created', actor, subject: 'change:c', data: { record: { token: marker } } },
      undefined,
    );
    expect(entry.data).toEqual({ record: { token: marker } });
    expect(marker).toMatchObject({ $redacted: true, hmacSha256: expect.stringMatching(/^[0-9a-f]{64}$/) });
  });
});
