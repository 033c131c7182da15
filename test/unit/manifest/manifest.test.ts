import { generateKeyPairSync } from 'node:crypto';
import { mkdtemp, readFile, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CompactSign } from 'jose';
import { describe, expect, it } from 'vitest';
import { contentHash, canonicalJson } from '../../../src/canonical/index.js';
import { ConfigError, ValidationError } from '../../../src/errors/index.js';
import {
  compileManifest,
  isManifestExpired,
  loadOrCreateSigningKey,
  ManifestIntegrityError,
  MANIFEST_JWS_TYPE,
  signingKeyFromText,
  verifyManifest,
} from '../../../src/manifest/index.js';
import { main } from '../../../src/cli/main.js';
import {
  approvedState,
  featBitFlag,
  featBitSegment,
  signedManifest,
  testSigningKey,
} from '../provider/gate-fixtures.js';

const ENV = 'env-1';
const segment = featBitSegment({
  id: 'seg-beta',
  name: 'beta',
  included: ['u-1'],
  excluded: ['u-2'],
  rules: [{ conditions: [{ property: 'plan', op: 'Equal', value: 'pro' }] }],
});
const routeFlag = featBitFlag({
  key: 'model-route',
  variationType: 'json',
  variations: [
    { id: 'small', name: 'small', value: '{"model": "small", "temperature": 0.2}' },
    { id: 'large', name: 'large', value: '{"temperature":0.2,"model":"large"}' },
  ],
  disabledVariationId: 'small',
  targetUsers: [{ keyIds: ['vip'], variationId: 'large' }],
  rules: [
    {
      id: 'r-beta',
      name: 'beta users',
      dispatchKey: 'tenant',
      conditions: [{ property: 'User is in segment', op: null, value: '["seg-beta"]' }],
      variations: [
        { id: 'large', rollout: [0, 0.25] },
        { id: 'small', rollout: [0.25, 1] },
      ],
    },
  ],
  fallthrough: { variations: [{ id: 'small', rollout: [0, 1] }] },
});

describe('compileManifest', () => {
  it('hashes each typed value canonically and keeps the approved targeting as grants', () => {
    const manifest = compileManifest(ENV, [approvedState(ENV, routeFlag, 'small', 12, [segment])], {
      issuedAt: new Date('2026-01-01T00:00:00Z'),
      ttlMs: 60_000,
    });
    const entry = manifest.flags['model-route']!;
    expect(manifest).toMatchObject({
      format: 2,
      ledgerHead: null,
      denied: [],
      envId: ENV,
      version: 12,
      issuedAt: '2026-01-01T00:00:00.000Z',
      expiresAt: '2026-01-01T00:01:00.000Z',
    });
    expect(entry.baseline).toEqual({
      variationId: 'small',
      valueHash: contentHash({ model: 'small', temperature: 0.2 }),
    });
    expect(entry.variations[1]!.valueHash).toBe(contentHash({ model: 'large', temperature: 0.2 }));
    expect(entry.grants.targetUsers).toEqual([{ keyIds: ['vip'], variationId: 'large' }]);
    expect(entry.grants.rules[0]).toEqual({
      id: 'r-beta',
      name: 'beta users',
      dispatchKey: 'tenant',
      conditions: [{ property: 'User is in segment', op: null, value: '["seg-beta"]' }],
      variations: [
        { id: 'large', rollout: [0, 0.25] },
        { id: 'small', rollout: [0.25, 1] },
      ],
    });
    expect(entry.grants.segments).toEqual([
      {
        id: 'seg-beta',
        included: ['u-1'],
        excluded: ['u-2'],
        rules: [{ conditions: [{ property: 'plan', op: 'Equal', value: 'pro' }] }],
      },
    ]);
  });

  it('names the flag and field of every approved state it cannot serve', () => {
    const broken = featBitFlag({
      ...routeFlag,
      variations: [{ id: 'small', name: 'small', value: '{not json' }, routeFlag.variations[1]],
    });
    const error = (() => {
      try {
        compileManifest(ENV, [approvedState(ENV, broken, 'missing'), approvedState('env-2', routeFlag, 'small')], {
          issuedAt: new Date(),
          ttlMs: 1,
        });
      } catch (caught) {
        return caught;
      }
    })();
    expect(error).toBeInstanceOf(ValidationError);
    const paths = (error as ValidationError).issues.map((issue) => issue.path);
    expect(paths).toEqual(
      expect.arrayContaining([
        'flags.model-route.variations.0.value',
        'flags.model-route.baselineVariationId',
        'flags.model-route.rules.0.conditions.0',
      ]),
    );
    expect((error as ValidationError).message).toContain('belongs to environment env-2');
  });
});

describe('manifest signatures', () => {
  it('verifies its own EdDSA signature and refuses tampering, other keys, other environments and bad hashes', async () => {
    const key = await testSigningKey();
    const { jws, manifest } = await signedManifest(key, ENV, [approvedState(ENV, routeFlag, 'small', 3, [segment])]);
    expect(await verifyManifest(jws, { keys: [key.publicJwk], envId: ENV })).toEqual(manifest);

    const [header, , signature] = jws.split('.');
    const edited = { ...manifest, version: 99 };
    const tampered = `${header}.${Buffer.from(canonicalJson(edited)).toString('base64url')}.${signature}`;
    await expect(verifyManifest(tampered, { keys: [key.publicJwk] })).rejects.toThrow(/signature does not verify/);
    const other = await testSigningKey();
    await expect(verifyManifest(jws, { keys: [other.publicJwk] })).rejects.toThrow(/unknown key/);
    await expect(verifyManifest(jws, { keys: [{ ...other.publicJwk, kid: key.kid }] })).rejects.toThrow(
      ManifestIntegrityError,
    );
    await expect(verifyManifest(jws, { keys: [key.publicJwk], envId: 'env-2' })).rejects.toThrow(/not env-2/);
    await expect(verifyManifest('garbage', { keys: [key.publicJwk] })).rejects.toThrow(/not a compact JWS/);

    const badHash = structuredClone(manifest);
    badHash.flags['model-route']!.variations[1]!.value = '{"model":"huge"}';
    const signedBadHash = await new CompactSign(new TextEncoder().encode(canonicalJson(badHash)))
      .setProtectedHeader({ alg: 'EdDSA', kid: key.kid, typ: MANIFEST_JWS_TYPE })
      .sign(key.privateKey);
    await expect(verifyManifest(signedBadHash, { keys: [key.publicJwk] })).rejects.toThrow(/does not match its hash/);
    const untyped = await new CompactSign(new TextEncoder().encode(canonicalJson(manifest)))
      .setProtectedHeader({ alg: 'EdDSA', kid: key.kid })
      .sign(key.privateKey);
    await expect(verifyManifest(untyped, { keys: [key.publicJwk] })).rejects.toThrow(/not a featgate manifest/);
  });

  it('reports expiry separately from validity', async () => {
    const key = await testSigningKey();
    const { manifest } = await signedManifest(key, ENV, [], { issuedAt: new Date(Date.now() - 10_000), ttlMs: 5_000 });
    expect(isManifestExpired(manifest)).toBe(true);
    expect(isManifestExpired(manifest, Date.parse(manifest.issuedAt))).toBe(false);
  });
});

describe('manifest signing key', () => {
  it('is generated once into the data folder with mode 0600 and reused', async () => {
    const dataDir = await mkdtemp(join(tmpdir(), 'featgate-key-'));
    const first = await loadOrCreateSigningKey({ dataDir });
    const second = await loadOrCreateSigningKey({ dataDir });
    expect(second.kid).toBe(first.kid);
    expect((await stat(join(dataDir, 'signing-key.json'))).mode & 0o777).toBe(0o600);
    expect(first.publicJwk).toEqual({
      kty: 'OKP',
      crv: 'Ed25519',
      x: expect.any(String),
      kid: first.kid,
      alg: 'EdDSA',
      use: 'sig',
    });
    expect(JSON.parse(await readFile(join(dataDir, 'signing-key.json'), 'utf8'))).toHaveProperty('d');
  });

  it('reads a configured PKCS8 PEM or private JWK and refuses anything else without echoing it', async () => {
    const { privateKey } = generateKeyPairSync('ed25519');
    const pem = privateKey.export({ format: 'pem', type: 'pkcs8' }).toString();
    const jwk = JSON.stringify(privateKey.export({ format: 'jwk' }));
    const fromPem = await signingKeyFromText(pem, 'FEATGATE_SIGNING_KEY');
    const fromJwk = await signingKeyFromText(jwk, 'FEATGATE_SIGNING_KEY');
    expect(fromPem.kid).toBe(fromJwk.kid);
    const { privateKey: rsa } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const rsaPem = rsa.export({ format: 'pem', type: 'pkcs8' }).toString();
    await expect(signingKeyFromText(rsaPem, 'FEATGATE_SIGNING_KEY')).rejects.toThrow(ConfigError);
    const secretish = '{"kty":"OKP","crv":"X25519","d":"c2VjcmV0LXZhbHVl","x":"eA"}';
    const failure = await signingKeyFromText(secretish, 'FEATGATE_SIGNING_KEY').then(
      () => new Error('accepted'),
      (error: Error) => error,
    );
    expect(failure.message).toContain('FEATGATE_SIGNING_KEY');
    expect(failure.message).not.toContain('c2VjcmV0LXZhbHVl');
  });

  it('featgate keys prints the public JWK only', async () => {
    const dataDir = await mkdtemp(join(tmpdir(), 'featgate-key-cli-'));
    const written: string[] = [];
    const original = process.stdout.write.bind(process.stdout);
    process.stdout.write = ((chunk: string) => written.push(String(chunk)) > 0) as typeof process.stdout.write;
    let code: number;
    try {
      code = await main(['node', 'featgate', 'keys', '--data-dir', dataDir]);
    } finally {
      process.stdout.write = original;
    }
    expect(code).toBe(0);
    const printed = JSON.parse(written.join(''));
    const stored = await loadOrCreateSigningKey({ dataDir });
    expect(printed).toEqual(stored.publicJwk);
    expect(printed).not.toHaveProperty('d');
  });
});
