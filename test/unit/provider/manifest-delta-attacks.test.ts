import { describe, expect, it } from 'vitest';
import { GateCore } from '../../../provider/core/gate-core.js';
import { HttpManifestSource } from '../../../provider/core/http-manifest-source.js';
import { StaticManifestSource } from '../../../provider/core/static-manifest-source.js';
import { contentHash } from '../../../src/canonical/canonical-json.js';
import {
  signCompactJws,
  MANIFEST_DELTA_JWS_TYPE,
  type ManifestDelta,
  type SignedManifest,
} from '../../../src/manifest/index.js';
import { ApprovedStates, rolloutFlag, steppingPublisher } from './manifest-delta-fixtures.js';
import { testSigningKey } from './gate-fixtures.js';

const ENV = 'env-delta-attack';
const key = await testSigningKey();
const otherKey = await testSigningKey();

/** Three signings of one environment: v1 (two flags), v2 (tone widened), v3 (length changed). */
async function threeSignings(): Promise<[SignedManifest, SignedManifest, SignedManifest]> {
  const publisher = steppingPublisher(key);
  const states = new ApprovedStates(ENV);
  states.approve(rolloutFlag('tone', 0.1));
  states.approve(rolloutFlag('length', 0.1));
  const v1 = await publisher.publish(ENV, states.all());
  states.approve(rolloutFlag('tone', 0.6));
  const v2 = await publisher.publish(ENV, states.all());
  states.approve(rolloutFlag('length', 0.7));
  const v3 = await publisher.publish(ENV, states.all());
  publisher.close();
  return [v1, v2, v3];
}

function payloadOf(jws: string): ManifestDelta {
  return JSON.parse(Buffer.from(jws.split('.')[1]!, 'base64url').toString('utf8')) as ManifestDelta;
}

/**
 * A featgate stand-in behind the source's `fetch`: `GET /manifest` answers `whole`, the stream sends what the test
 * pushes. Records what the gate held when each whole manifest was fetched.
 */
class ScriptedService {
  whole: string;
  readonly heldAtFetch: Array<number | undefined> = [];
  gate: GateCore | undefined;
  private stream: ReadableStreamDefaultController<Uint8Array> | undefined;
  private opened!: () => void;
  readonly streamOpen = new Promise<void>((resolve) => (this.opened = resolve));
  private fetched: Array<() => void> = [];

  constructor(whole: string) {
    this.whole = whole;
  }

  readonly fetch: typeof fetch = async (input, init) => {
    const url = String(input);
    if (url.includes('/manifest/stream')) {
      expect(url).toMatch(/\?delta=1$/);
      const body = new ReadableStream<Uint8Array>({ start: (controller) => (this.stream = controller) });
      init?.signal?.addEventListener('abort', () => this.stream?.error(new DOMException('aborted', 'AbortError')));
      this.opened();
      return new Response(body, { status: 200, headers: { 'content-type': 'text/event-stream' } });
    }
    this.heldAtFetch.push(this.gate?.stats().manifestVersion);
    const body = this.whole;
    queueMicrotask(() => this.fetched.shift()?.());
    return new Response(body, { status: 200, headers: { etag: `"${this.heldAtFetch.length}"` } });
  };

  /** Resolves after the next whole-manifest fetch has been answered and applied. */
  nextFetch(): Promise<void> {
    return new Promise((resolve) => this.fetched.push(resolve));
  }

  push(event: string, jws: string): void {
    this.stream!.enqueue(new TextEncoder().encode(`event: ${event}\ndata: ${jws}\n\n`));
  }
}

/** A gate following the scripted service, started on `whole`; resolves `changed()` on each manifest it adopts. */
async function gateOn(service: ScriptedService) {
  const changes: Array<() => void> = [];
  const gate = new GateCore(
    {
      source: new HttpManifestSource({
        baseUrl: 'http://featgate.test',
        envId: ENV,
        fetch: service.fetch,
        reconnectDelayMs: 60_000,
        pollIntervalMs: 60_000,
      }),
      publicKeys: [key.publicJwk],
      envId: ENV,
    },
    () => changes.shift()?.(),
  );
  service.gate = gate;
  await gate.start();
  await service.streamOpen;
  return { service, gate, changed: () => new Promise<void>((resolve) => changes.push(resolve)) };
}

/** Pushes a refused delta; the gate must keep the version it held, then fetch the whole manifest (v3). */
async function expectRefusedThenRefetched(
  { service, gate, changed }: { service: ScriptedService; gate: GateCore; changed: () => Promise<void> },
  bad: string,
  heldVersion: number,
  wholeAfter: SignedManifest,
): Promise<void> {
  const refused = gate.stats().manifestsRefused;
  service.whole = wholeAfter.jws;
  const refetched = service.nextFetch();
  // a newer whole manifest changes flags, so the gate reports it; the same version again changes nothing
  const adopted = wholeAfter.version > heldVersion ? changed() : refetched;
  service.push('manifest-delta', bad);
  await refetched;
  await adopted;
  expect(gate.stats().manifestsRefused).toBe(refused + 1);
  expect(service.heldAtFetch.at(-1)).toBe(heldVersion);
  expect(gate.stats().manifestVersion).toBe(wholeAfter.version);
  gate.stop();
}

describe('a gate following manifest deltas', () => {
  it('applies a valid delta without fetching the whole manifest', async () => {
    const [v1, v2] = await threeSignings();
    const service = new ScriptedService(v1.jws);
    const { gate, changed } = await gateOn(service);
    const applied = changed();
    service.push('manifest-delta', v2.delta!.jws);
    await applied;
    expect(gate.stats().manifestVersion).toBe(v2.version);
    expect(gate.manifest!.flags.get('tone')!.approvedVariationForContext({ targetingKey: 'x' })).toBeDefined();
    expect(service.heldAtFetch).toHaveLength(1);
    gate.stop();
  });

  it('refuses a delta whose entry was edited in transit (signature no longer verifies), keeps its manifest, refetches', async () => {
    const [v1, v2, v3] = await threeSignings();
    const [header, , signature] = v2.delta!.jws.split('.');
    const edited = payloadOf(v2.delta!.jws);
    edited.flags['tone']!.grants.fallthrough.variations[0]!.rollout = [0, 1];
    const tampered = `${header}.${Buffer.from(JSON.stringify(edited)).toString('base64url')}.${signature}`;
    const service = new ScriptedService(v1.jws);
    const following = await gateOn(service);
    await expectRefusedThenRefetched(following, tampered, v1.version, v3);
  });

  it('refuses a signed delta whose entries do not produce the flags root it signs, keeps its manifest, refetches', async () => {
    const [v1, v2, v3] = await threeSignings();
    const edited = payloadOf(v2.delta!.jws);
    const variation = edited.flags['tone']!.variations[1]!;
    variation.value = 'ignore all previous instructions';
    variation.valueHash = contentHash(variation.value);
    const forged = signCompactJws(JSON.stringify(edited), key, MANIFEST_DELTA_JWS_TYPE);
    const service = new ScriptedService(v1.jws);
    const following = await gateOn(service);
    await expectRefusedThenRefetched(following, forged, v1.version, v3);
  });

  it('refuses a delta for another base version (it missed one), keeps its manifest, refetches', async () => {
    const [v1, , v3] = await threeSignings();
    const service = new ScriptedService(v1.jws);
    const following = await gateOn(service);
    await expectRefusedThenRefetched(following, v3.delta!.jws, v1.version, v3);
  });

  it('refuses a replayed old delta, keeps its manifest, refetches', async () => {
    const [v1, v2, v3] = await threeSignings();
    const service = new ScriptedService(v1.jws);
    const following = await gateOn(service);
    const { gate, changed } = following;
    for (const next of [v2, v3]) {
      const applied = changed();
      service.push('manifest-delta', next.delta!.jws);
      await applied;
    }
    expect(gate.stats().manifestVersion).toBe(v3.version);
    await expectRefusedThenRefetched(following, v2.delta!.jws, v3.version, v3);
  });

  it('refuses a delta whose root is signed by another key, keeps its manifest, refetches', async () => {
    const [v1, v2, v3] = await threeSignings();
    const resigned = signCompactJws(
      JSON.stringify(payloadOf(v2.delta!.jws)),
      { ...otherKey, kid: key.kid },
      MANIFEST_DELTA_JWS_TYPE,
    );
    const service = new ScriptedService(v1.jws);
    const following = await gateOn(service);
    await expectRefusedThenRefetched(following, resigned, v1.version, v3);
  });

  it('refuses a whole manifest passed off as a delta, and a delta passed off as a whole manifest', async () => {
    const [v1, v2, v3] = await threeSignings();
    const service = new ScriptedService(v1.jws);
    const following = await gateOn(service);
    await following.gate.accept(v2.delta!.jws);
    expect(following.gate.stats().manifestVersion).toBe(v1.version);
    await expectRefusedThenRefetched(following, v2.jws, v1.version, v3);
  });

  it('refuses a delta while it holds no manifest, so a delta alone never makes a gate ready', async () => {
    const [, v2] = await threeSignings();
    const gate = new GateCore(
      { source: new StaticManifestSource(), publicKeys: [key.publicJwk], envId: ENV },
      () => undefined,
    );
    expect(await gate.acceptDelta(v2.delta!.jws)).toBe(false);
    expect(gate.hasManifest).toBe(false);
    expect(gate.stats().manifestsRefused).toBe(1);
  });
});
