import { OpenFeature, ProviderEvents, InMemoryProvider, type EventDetails } from '@openfeature/server-sdk';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import express from 'express';
import { afterEach, describe, expect, it } from 'vitest';
import { createManifestRouter, ManifestPublisher } from '../../../src/manifest/index.js';
import { FeatgateServerProvider, HttpManifestSource } from '../../../provider/index.js';
import { approvedState, featBitFlag, testSigningKey } from '../../unit/provider/gate-fixtures.js';
import { startManifestService, type ManifestService } from './manifest-service.js';

const ENV = 'env-stream';
const key = await testSigningKey();
const services: ManifestService[] = [];

function toneFlag(candidateShare: number) {
  return featBitFlag({
    key: 'tone',
    variationType: 'string',
    variations: [
      { id: 'calm', name: 'calm', value: 'calm' },
      { id: 'bold', name: 'bold', value: 'bold' },
    ],
    disabledVariationId: 'calm',
    fallthrough: {
      variations: [
        { id: 'bold', rollout: [0, candidateShare] },
        { id: 'calm', rollout: [candidateShare, 1] },
      ],
    },
  });
}

afterEach(async () => {
  await OpenFeature.clearProviders();
  await Promise.all(services.splice(0).map((service) => service.close()));
});

describe('manifest router', () => {
  it('serves the JWS with a strong ETag, answers 304 to If-None-Match, 404 before any approval, 400 on a bad env id', async () => {
    const service = await startManifestService(key);
    services.push(service);
    expect((await fetch(`${service.url}/v1/envs/${ENV}/manifest`)).status).toBe(404);
    const bad = await fetch(`${service.url}/v1/envs/${encodeURIComponent('bad env!')}/manifest`);
    expect(bad.status).toBe(400);
    expect(bad.headers.get('content-type')).toContain('application/problem+json');
    expect((await bad.json()).errors[0].path).toBe('params.env');
    const signed = await service.publisher.publish(ENV, [approvedState(ENV, toneFlag(0), 'calm')]);
    const first = await fetch(`${service.url}/v1/envs/${ENV}/manifest`);
    expect(first.status).toBe(200);
    expect(first.headers.get('content-type')).toContain('application/jose');
    expect(first.headers.get('etag')).toBe(signed.etag);
    expect(await first.text()).toBe(signed.jws);
    const again = await fetch(`${service.url}/v1/envs/${ENV}/manifest`, { headers: { 'if-none-match': signed.etag } });
    expect(again.status).toBe(304);
    await service.publisher.publish(ENV, [approvedState(ENV, toneFlag(0.5), 'calm', 2)]);
    expect(
      (await fetch(`${service.url}/v1/envs/${ENV}/manifest`, { headers: { 'if-none-match': signed.etag } })).status,
    ).toBe(200);
  });

  it('lets an allowed origin read the manifest and its ETag (CORS, preflight included)', async () => {
    const service = await startManifestService(key, undefined, 15_000, { allowedOrigins: ['https://app.example.com'] });
    services.push(service);
    await service.publisher.publish(ENV, [approvedState(ENV, toneFlag(0), 'calm')]);
    const origin = 'https://app.example.com';
    const preflight = await fetch(`${service.url}/v1/envs/${ENV}/manifest`, {
      method: 'OPTIONS',
      headers: { origin, 'access-control-request-method': 'GET', 'access-control-request-headers': 'if-none-match' },
    });
    expect(preflight.status).toBe(204);
    expect(preflight.headers.get('access-control-allow-origin')).toBe(origin);
    expect(preflight.headers.get('access-control-allow-headers')).toMatch(/If-None-Match/);
    const answer = await fetch(`${service.url}/v1/envs/${ENV}/manifest`, { headers: { origin } });
    expect(answer.headers.get('access-control-allow-origin')).toBe(origin);
    expect(answer.headers.get('access-control-expose-headers')).toBe('ETag');
    const controller = new AbortController();
    const stream = await fetch(`${service.url}/v1/envs/${ENV}/manifest/stream`, {
      headers: { origin },
      signal: controller.signal,
    });
    expect(stream.headers.get('access-control-allow-origin')).toBe(origin);
    expect(stream.headers.get('content-type')).toBe('text/event-stream');
    controller.abort();
  });

  it('answers CORS only for the allowed origins when a list is configured', async () => {
    const app = express();
    const publisher = new ManifestPublisher({ key });
    app.use(createManifestRouter({ source: publisher, allowedOrigins: ['https://app.example.com'] }));
    const server = await new Promise<Server>((resolve) => {
      const listening = app.listen(0, '127.0.0.1', () => resolve(listening));
    });
    try {
      await publisher.publish(ENV, [approvedState(ENV, toneFlag(0), 'calm')]);
      const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1/envs/${ENV}/manifest`;
      const allowed = await fetch(url, { headers: { origin: 'https://app.example.com' } });
      expect(allowed.headers.get('access-control-allow-origin')).toBe('https://app.example.com');
      expect(allowed.headers.get('vary')).toMatch(/Origin/);
      const other = await fetch(url, { headers: { origin: 'https://evil.example.com' } });
      expect(other.headers.get('access-control-allow-origin')).toBeNull();
      expect(other.status).toBe(200);
    } finally {
      publisher.close();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
  });
});

describe('manifest routes under attack', () => {
  it('answer no CORS by default: a browser on any origin cannot read the server manifest', async () => {
    const service = await startManifestService(key);
    services.push(service);
    await service.publisher.publish(ENV, [approvedState(ENV, toneFlag(0), 'calm')]);
    const answer = await fetch(`${service.url}/v1/envs/${ENV}/manifest`, {
      headers: { origin: 'https://app.example.com' },
    });
    expect(answer.headers.get('access-control-allow-origin')).toBeNull();
  });

  it('need an environment read token when tokens are configured, and a gate presenting one follows the stream', async () => {
    const service = await startManifestService(key, undefined, 15_000, {
      readTokens: (env) => (env === ENV ? ['read-token-prod'] : undefined),
    });
    services.push(service);
    await service.publisher.publish(ENV, [approvedState(ENV, toneFlag(0), 'calm')]);
    await service.publisher.publish('env-other', [approvedState('env-other', toneFlag(0), 'calm')]);
    const url = `${service.url}/v1/envs/${ENV}/manifest`;
    const attempts: Array<Record<string, string>> = [
      {},
      { authorization: 'Bearer wrong' },
      { authorization: 'read-token-prod' },
    ];
    for (const headers of attempts) {
      const refused = await fetch(url, { headers });
      expect(refused.status).toBe(401);
      expect(refused.headers.get('www-authenticate')).toMatch(/^Bearer/);
      expect(await refused.text()).not.toContain('eyJ');
    }
    expect((await fetch(`${url}/stream`)).status).toBe(401);
    expect(
      (
        await fetch(`${service.url}/v1/envs/env-other/manifest`, {
          headers: { authorization: 'Bearer read-token-prod' },
        })
      ).status,
    ).toBe(401);
    expect((await fetch(url, { headers: { authorization: 'Bearer read-token-prod' } })).status).toBe(200);

    const inner = new InMemoryProvider({
      tone: { variants: { calm: 'calm' }, defaultVariant: 'calm', disabled: false },
    });
    const source = new HttpManifestSource({
      baseUrl: service.url,
      envId: ENV,
      headers: { authorization: 'Bearer read-token-prod' },
    });
    await OpenFeature.setProviderAndWait(
      'token-gate',
      new FeatgateServerProvider(inner, { source, publicKeys: [key.publicJwk], envId: ENV }),
    );
    expect(await OpenFeature.getClient('token-gate').getStringDetails('tone', 'x')).toMatchObject({
      value: 'calm',
      reason: 'STATIC',
    });
  });

  it('open no stream for an unknown environment and cap the streams held at once', async () => {
    const service = await startManifestService(key, undefined, 15_000, { maxStreams: 2 });
    services.push(service);
    await service.publisher.publish(ENV, [approvedState(ENV, toneFlag(0), 'calm')]);
    expect((await fetch(`${service.url}/v1/envs/env-never-heard-of/manifest/stream`)).status).toBe(404);
    const controllers = [new AbortController(), new AbortController()];
    const open = await Promise.all(
      controllers.map((controller) =>
        fetch(`${service.url}/v1/envs/${ENV}/manifest/stream`, { signal: controller.signal }),
      ),
    );
    expect(open.map((answer) => answer.status)).toEqual([200, 200]);
    const third = await fetch(`${service.url}/v1/envs/${ENV}/manifest/stream`);
    expect(third.status).toBe(503);
    expect(third.headers.get('retry-after')).toBe('5');
    controllers[0]!.abort();
    await expect
      .poll(async () => {
        const controller = new AbortController();
        const answer = await fetch(`${service.url}/v1/envs/${ENV}/manifest/stream`, { signal: controller.signal });
        controller.abort();
        return answer.status;
      })
      .toBe(200);
    controllers[1]!.abort();
  });
});

describe('HTTP manifest source', () => {
  async function gateOver(service: ManifestService, stream: boolean) {
    const inner = new InMemoryProvider({
      tone: { variants: { bold: 'bold', calm: 'calm' }, defaultVariant: 'bold', disabled: false },
    });
    const source = new HttpManifestSource({
      baseUrl: service.url,
      envId: ENV,
      stream,
      pollIntervalMs: 150,
      reconnectDelayMs: 50,
    });
    const gate = new FeatgateServerProvider(inner, { source, publicKeys: [key.publicJwk], envId: ENV });
    const domain = `http-source-${stream}`;
    await OpenFeature.setProviderAndWait(domain, gate);
    const changes: EventDetails[] = [];
    OpenFeature.getClient(domain).addHandler(
      ProviderEvents.ConfigurationChanged,
      (details) => void changes.push(details!),
    );
    return { client: OpenFeature.getClient(domain), changes, gate };
  }

  it.each([
    ['over SSE', true],
    ['by polling with ETags', false],
  ])('follows approvals %s and emits ConfigurationChanged', async (_how, stream) => {
    const service = await startManifestService(key);
    services.push(service);
    await service.publisher.publish(ENV, [approvedState(ENV, toneFlag(0), 'calm')]);
    const { client, changes } = await gateOver(service, stream);
    expect(await client.getStringDetails('tone', 'x', { targetingKey: 'u-1' })).toMatchObject({
      value: 'calm',
      reason: 'UNAPPROVED',
    });
    await service.publisher.publish(ENV, [approvedState(ENV, toneFlag(1), 'calm', 2)]);
    await expect.poll(() => changes.length, { timeout: 5_000 }).toBeGreaterThan(0);
    expect(changes[0]!.flagsChanged).toEqual(['tone']);
    expect(await client.getStringDetails('tone', 'x', { targetingKey: 'u-1' })).toMatchObject({
      value: 'bold',
      reason: 'STATIC',
    });
  });

  it('recovers from a dropped stream by polling and reconnecting', async () => {
    const service = await startManifestService(key);
    services.push(service);
    await service.publisher.publish(ENV, [approvedState(ENV, toneFlag(0), 'calm')]);
    const { client, gate } = await gateOver(service, true);
    service.dropConnections();
    await service.publisher.publish(ENV, [approvedState(ENV, toneFlag(1), 'calm', 2)]);
    await expect
      .poll(async () => await client.getStringValue('tone', 'x', { targetingKey: 'u-1' }), { timeout: 5_000 })
      .toBe('bold');
    expect(gate.stats().manifestsAccepted).toBe(2);
  });
});
