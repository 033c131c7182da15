import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import express from 'express';
import { InMemoryProvider as WebInMemoryProvider, OpenFeature as WebOpenFeature } from '@openfeature/web-sdk';
import { decodeJwt } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createManifestRouter, ManifestPublisher } from '../../../src/manifest/index.js';
import { secretKeyMatcher } from '../../../src/redaction/index.js';
import { ContextManifestSource, FeatgateWebProvider } from '../../../provider/index.js';
import { approvedState, featBitFlag, featBitSegment, testSigningKey } from '../../unit/provider/gate-fixtures.js';

const ENV = 'env-web';
const ORIGIN = 'https://app.example.com';
const key = await testSigningKey();
const isSecretKey = secretKeyMatcher(['api[-_]?key', 'token$', 'secret$']);

const beta = featBitSegment({
  id: 'seg-beta',
  name: 'beta',
  included: ['bob@example.com', 'carol@example.com'],
  excluded: [],
  rules: [],
});
const tone = featBitFlag({
  key: 'assistant-tone',
  variationType: 'string',
  variations: [
    { id: 'calm', name: 'calm', value: 'calm' },
    { id: 'bold', name: 'bold', value: 'bold' },
  ],
  disabledVariationId: 'calm',
  targetUsers: [{ keyIds: ['alice@example.com'], variationId: 'bold' }],
  rules: [
    {
      id: 'r-beta',
      name: 'beta',
      dispatchKey: null,
      conditions: [{ property: 'User is in segment', op: null, value: '["seg-beta"]' }],
      variations: [{ id: 'bold', rollout: [0, 1] }],
    },
  ],
  fallthrough: { variations: [{ id: 'calm', rollout: [0, 1] }] },
});
const route = featBitFlag({
  key: 'support-model-route',
  variationType: 'json',
  variations: [
    {
      id: 'v-route',
      name: 'route',
      value: JSON.stringify({ model: 'gpt-large', provider: { apiKey: 'sk-live-0123456789' } }),
    },
  ],
  disabledVariationId: 'v-route',
  fallthrough: { variations: [{ id: 'v-route', rollout: [0, 1] }] },
});

let server: Server;
let baseUrl: string;
const publisher = new ManifestPublisher({ key });

beforeAll(async () => {
  await publisher.publish(ENV, [approvedState(ENV, tone, 'calm', 1, [beta]), approvedState(ENV, route, 'v-route', 2)]);
  const app = express();
  app.use(
    createManifestRouter({
      source: publisher,
      allowedOrigins: [ORIGIN],
      web: { manifests: (env) => publisher.currentManifest(env), key, isSecretKey, allowedOrigins: [ORIGIN] },
    }),
  );
  server = await new Promise((resolve) => {
    const listening = app.listen(0, '127.0.0.1', () => resolve(listening));
  });
  baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  await WebOpenFeature.clearProviders();
  publisher.close();
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
});

const webManifest = (body: unknown, headers: Record<string, string> = {}) =>
  fetch(`${baseUrl}/v1/envs/${ENV}/web-manifest`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });

describe('what a browser receives', () => {
  it('holds no other user keys, no segment members and no secret values, only what its own context is served', async () => {
    const answer = await webManifest(
      { context: { targetingKey: 'dave@example.com', plan: 'pro' } },
      { origin: ORIGIN },
    );
    expect(answer.status).toBe(200);
    expect(answer.headers.get('access-control-allow-origin')).toBe(ORIGIN);
    const jws = await answer.text();
    const payload = Buffer.from(jws.split('.')[1]!, 'base64url').toString('utf8');
    for (const leaked of [
      'alice@example.com',
      'bob@example.com',
      'carol@example.com',
      'seg-beta',
      'sk-live-0123456789',
      'apiKey',
      'gpt-large',
    ]) {
      expect(payload).not.toContain(leaked);
    }
    const manifest = decodeJwt(jws) as unknown as {
      audience: unknown;
      denied: string[];
      flags: Record<string, { variations: Array<{ id: string }> }>;
    };
    expect(manifest.audience).toEqual({ targetingKey: 'dave@example.com' });
    expect(manifest.denied).toContain('support-model-route');
    expect(manifest.flags['assistant-tone']!.variations.map((variation) => variation.id)).toEqual(['calm']);
    // the full server manifest is not readable cross-origin
    const full = await fetch(`${baseUrl}/v1/envs/${ENV}/manifest`, { headers: { origin: 'https://evil.example.com' } });
    expect(full.headers.get('access-control-allow-origin')).toBeNull();
  });

  it('gives a targeted user only its own grant', async () => {
    const jws = await (await webManifest({ context: { targetingKey: 'bob@example.com' } })).text();
    const payload = Buffer.from(jws.split('.')[1]!, 'base64url').toString('utf8');
    expect(payload).not.toContain('alice@example.com');
    expect(payload).not.toContain('carol@example.com');
    expect(
      (decodeJwt(jws) as unknown as { flags: Record<string, { variations: Array<{ id: string }> }> }).flags[
        'assistant-tone'
      ]!.variations.map((variation) => variation.id).sort(),
    ).toEqual(['bold', 'calm']);
  });

  it('answers bad contexts with precise 400s and oversized bodies with 413', async () => {
    const nested = await webManifest({ context: { targetingKey: 'x', profile: { deep: { deeper: 1 } } } });
    expect(nested.status).toBe(400);
    expect((await nested.json()).errors[0].path).toMatch(/^body\.context\.profile/);
    const missing = await webManifest({ context: { plan: 'pro' } });
    expect(missing.status).toBe(400);
    expect((await missing.json()).errors[0].path).toBe('body.context.targetingKey');
    const broken = await webManifest('{"context": {');
    expect(broken.status).toBe(400);
    expect((await broken.json()).detail).toBe('the request body is not valid JSON');
    const huge = await webManifest({ context: { targetingKey: 'x', blob: 'y'.repeat(20_000) } });
    expect(huge.status).toBe(413);
  });

  it('a web gate follows its context: the approved value for it, baselines for others, secret flags denied', async () => {
    const inner = new WebInMemoryProvider({
      'assistant-tone': { variants: { bold: 'bold' }, defaultVariant: 'bold', disabled: false },
      'support-model-route': { variants: { live: { model: 'gpt-large' } }, defaultVariant: 'live', disabled: false },
    });
    const gate = new FeatgateWebProvider(inner, {
      source: new ContextManifestSource({ baseUrl, envId: ENV }),
      publicKeys: [key.publicJwk],
      envId: ENV,
    });
    await WebOpenFeature.setContext('web-context', { targetingKey: 'dave@example.com' });
    await WebOpenFeature.setProviderAndWait('web-context', gate);
    const client = WebOpenFeature.getClient('web-context');
    expect(client.getStringDetails('assistant-tone', 'x')).toMatchObject({ value: 'calm', reason: 'UNAPPROVED' });
    expect(client.getObjectDetails('support-model-route', {})).toMatchObject({ value: {}, errorCode: 'GENERAL' });
    await WebOpenFeature.setContext('web-context', { targetingKey: 'alice@example.com' });
    expect(client.getStringDetails('assistant-tone', 'x')).toMatchObject({ value: 'bold', reason: 'STATIC' });
  });
});
