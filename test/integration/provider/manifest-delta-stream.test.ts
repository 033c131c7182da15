import { afterEach, describe, expect, it } from 'vitest';
import { GateCore } from '../../../provider/core/gate-core.js';
import { HttpManifestSource } from '../../../provider/index.js';
import { ApprovedStates, rolloutFlag } from '../../unit/provider/manifest-delta-fixtures.js';
import { testSigningKey } from '../../unit/provider/gate-fixtures.js';
import { startManifestService, type ManifestService } from './manifest-service.js';

const ENV = 'env-delta-stream';
const key = await testSigningKey();
const services: ManifestService[] = [];

afterEach(async () => {
  await Promise.all(services.splice(0).map((service) => service.close()));
});

/** Reads SSE frames of a stream until `count` events arrived; returns their event names and data lengths. */
async function readEvents(
  url: string,
  count: number,
  onOpen: () => Promise<void>,
): Promise<Array<{ event: string; bytes: number }>> {
  const controller = new AbortController();
  const response = await fetch(url, { signal: controller.signal, headers: { accept: 'text/event-stream' } });
  expect(response.status).toBe(200);
  const reader = response.body!.getReader();
  const decoder = new TextDecoder();
  const events: Array<{ event: string; bytes: number }> = [];
  let text = '';
  let opened = false;
  while (events.length < count) {
    const { value, done } = await reader.read();
    if (done) break;
    text += decoder.decode(value, { stream: true });
    let end: number;
    while ((end = text.indexOf('\n\n')) >= 0) {
      const frame = text.slice(0, end);
      text = text.slice(end + 2);
      const event = /^event: (.+)$/m.exec(frame)?.[1];
      const data = /^data: (.+)$/m.exec(frame)?.[1];
      if (event && data) events.push({ event, bytes: data.length });
    }
    if (!opened && events.length > 0) {
      opened = true;
      await onOpen();
    }
  }
  controller.abort();
  return events;
}

describe('manifest stream with deltas', () => {
  it('sends a ?delta=1 client the whole manifest once, then small deltas; a plain client keeps getting whole manifests', async () => {
    const service = await startManifestService(key);
    services.push(service);
    const states = new ApprovedStates(ENV);
    for (let index = 0; index < 40; index += 1) states.approve(rolloutFlag(`flag-${index}`, 0.5));
    await service.publisher.publish(ENV, states.all());
    const approveTwice = async (): Promise<void> => {
      for (const share of [0.2, 0.3]) {
        states.approve(rolloutFlag('flag-3', share));
        await service.publisher.publish(ENV, states.all());
      }
    };
    const withDeltas = await readEvents(`${service.url}/v1/envs/${ENV}/manifest/stream?delta=1`, 3, approveTwice);
    expect(withDeltas.map((event) => event.event)).toEqual(['manifest', 'manifest-delta', 'manifest-delta']);
    expect(withDeltas[1]!.bytes * 10).toBeLessThan(withDeltas[0]!.bytes);
    const plain = await readEvents(`${service.url}/v1/envs/${ENV}/manifest/stream`, 2, async () => {
      states.approve(rolloutFlag('flag-4', 0.9));
      await service.publisher.publish(ENV, states.all());
    });
    expect(plain.map((event) => event.event)).toEqual(['manifest', 'manifest']);
  });

  it('answers a malformed stream query with a precise 400', async () => {
    const service = await startManifestService(key);
    services.push(service);
    await service.publisher.publish(ENV, new ApprovedStates(ENV).all());
    const answer = await fetch(`${service.url}/v1/envs/${ENV}/manifest/stream?delta=yes`);
    expect(answer.status).toBe(400);
    expect((await answer.json()).errors[0].path).toBe('query.delta');
  });

  it('keeps a gate on the newest approval through deltas alone, fetching the whole manifest only at start', async () => {
    const service = await startManifestService(key);
    services.push(service);
    const states = new ApprovedStates(ENV);
    for (let index = 0; index < 10; index += 1) states.approve(rolloutFlag(`flag-${index}`, 0.5));
    await service.publisher.publish(ENV, states.all());
    let wholeFetches = 0;
    const counting: typeof fetch = (input, init) => {
      if (String(input).endsWith('/manifest')) wholeFetches += 1;
      return fetch(input, init);
    };
    const changes: Array<() => void> = [];
    const gate = new GateCore(
      {
        source: new HttpManifestSource({ baseUrl: service.url, envId: ENV, fetch: counting }),
        publicKeys: [key.publicJwk],
        envId: ENV,
      },
      () => changes.shift()?.(),
    );
    await gate.start();
    try {
      for (let round = 1; round <= 3; round += 1) {
        const changed = new Promise<void>((resolve) => changes.push(resolve));
        states.approve(rolloutFlag('flag-2', round / 10));
        const signed = await service.publisher.publish(ENV, states.all());
        await changed;
        expect(gate.stats().manifestVersion).toBe(signed.version);
      }
      expect(wholeFetches).toBe(1);
      expect(gate.stats().manifestsRefused).toBe(0);
    } finally {
      gate.stop();
    }
  });
});
