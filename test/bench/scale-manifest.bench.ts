import { rmSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import { performance } from 'node:perf_hooks';
import express from 'express';
import { InMemoryProvider, OpenFeature, ProviderEvents } from '@openfeature/server-sdk';
import { ActorKind, JsonlLedgerStore, LedgerEventType, type Actor } from '../../src/ledger/index.js';
import { createManifestRouter, ManifestPublisher, type SignedManifest } from '../../src/manifest/index.js';
import { flagSubject } from '../../src/projections/index.js';
import { LedgerProjections } from '../../src/workflow/index.js';
import { FeatgateServerProvider, HttpManifestSource } from '../../provider/index.js';
import { testSigningKey } from '../unit/provider/gate-fixtures.js';
import { percentile, type BenchContext } from './bench-context.js';
import { FLAG_COUNTS, heapAfterGc, mb, scaleFlag, scratchDir, statePayload } from './scale-support.js';
import { openSseSubscriber, type SseSubscriber } from './sse-subscriber.js';

const ENV = 'env-scale';
const SUBSCRIBERS = 50;
const APPROVALS = 5;
/** The largest size may take at most this multiple of the one before it (the issue's target) before it is cut off. */
const GROWTH_CAP = 10;
const ADMIN: Actor = { id: 'bench-admin', kind: ActorKind.User, roles: ['admin'] };

interface Curve {
  adoptMs: number;
  adopted: number;
  finished: boolean;
  approvalP50: number;
  approvalMax: number;
  providerApplyMs: number;
  bytesPerUpdate: number;
  heapFirst: number;
  heapLast: number;
}

/**
 * One service-side world: the embedded ledger, the projections and the manifest publisher wired as `serve` wires
 * them (every approved-state change re-publishes the environment), the manifest router on loopback.
 */
async function measureSize(flags: number, capMs: number): Promise<Curve> {
  const dir = scratchDir('scale-manifest');
  const key = await testSigningKey();
  const ledger = await JsonlLedgerStore.open({ dataDir: dir });
  const projections = new LedgerProjections(ledger);
  const publisher = new ManifestPublisher({ key });
  let lastPublish: Promise<SignedManifest> | undefined;
  projections.onApprovedChange((envIds) => {
    for (const envId of envIds) lastPublish = publisher.publish(envId, projections.approvedInEnv(envId));
  });
  const app = express();
  app.use(createManifestRouter({ source: publisher }));
  const server: Server = await new Promise((resolve) => {
    const listening = app.listen(0, '127.0.0.1', () => resolve(listening));
  });
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const subscribers: SseSubscriber[] = [];
  try {
    // adoption, as a first start on an existing FeatBit: one flag.adopted per flag, each followed by a catch-up
    const start = performance.now();
    let adopted = 0;
    for (; adopted < flags; adopted += 1) {
      if (performance.now() - start > capMs) break;
      const flag = scaleFlag(adopted);
      await ledger.append({ type: LedgerEventType.FlagAdopted, actor: ADMIN, subject: flagSubject(ENV, flag.key), data: { state: statePayload(ENV, flag), reason: 'bench adoption' } });
      await projections.catchUpOwnWrites();
    }
    await lastPublish;
    const adoptMs = performance.now() - start;
    const finished = adopted === flags;
    if (!finished) return { adoptMs, adopted, finished, approvalP50: NaN, approvalMax: NaN, providerApplyMs: NaN, bytesPerUpdate: NaN, heapFirst: NaN, heapLast: NaN };

    for (let index = 0; index < SUBSCRIBERS; index += 1) subscribers.push(await openSseSubscriber(`${url}/v1/envs/${ENV}/manifest/stream`));
    const heapBefore = heapAfterGc();
    let changed: ((at: number) => void) | undefined;
    const gate = new FeatgateServerProvider(new InMemoryProvider({}), {
      source: new HttpManifestSource({ baseUrl: url, envId: ENV }),
      publicKeys: [key.publicJwk],
      envId: ENV,
    });
    await OpenFeature.setProviderAndWait(`scale-${flags}`, gate);
    OpenFeature.getClient(`scale-${flags}`).addHandler(ProviderEvents.ConfigurationChanged, () => changed?.(performance.now()));
    const heaps: number[] = [];
    const arrivals: number[] = [];
    const applies: number[] = [];
    let bytes = 0;
    for (let round = 0; round < APPROVALS; round += 1) {
      const flag = scaleFlag(round, (round + 1) / (APPROVALS + 2));
      const providerChanged = new Promise<number>((resolve) => (changed = resolve));
      const approvedAt = performance.now();
      await ledger.append({ type: LedgerEventType.ApprovedStateSet, actor: ADMIN, subject: flagSubject(ENV, flag.key), data: { state: statePayload(ENV, flag) } });
      await projections.catchUpOwnWrites();
      const signed = await lastPublish!;
      const times = await Promise.all(subscribers.map((subscriber) => subscriber.arrival(signed.etag)));
      arrivals.push(Math.max(...times) - approvedAt);
      const lastSse = Math.max(...times);
      applies.push((await providerChanged) - lastSse);
      bytes = signed.jws.length;
      heaps.push(heapAfterGc() - heapBefore);
    }
    await OpenFeature.clearProviders();
    return {
      adoptMs,
      adopted,
      finished,
      approvalP50: percentile(arrivals, 50),
      approvalMax: Math.max(...arrivals),
      providerApplyMs: Math.max(0, percentile(applies, 50)),
      bytesPerUpdate: bytes,
      heapFirst: heaps[0]!,
      heapLast: heaps[heaps.length - 1]!,
    };
  } finally {
    for (const subscriber of subscribers) subscriber.close();
    publisher.close();
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
    await ledger.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * Curves over 100 / 1,000 / 10,000 governed flags, each figure next to the 100-flag baseline of the same run:
 * adoption time (first start on an existing FeatBit, without FeatBit's REST time), approval to all 50 SSE
 * subscribers, one provider's verify-and-apply time, manifest bytes per update and provider heap over approvals.
 * A size that exceeds GROWTH_CAP times the previous one is cut off and reported as unfinished.
 */
export async function run(ctx: BenchContext): Promise<void> {
  const curves: Curve[] = [];
  let capMs = 120_000;
  for (const flags of FLAG_COUNTS) {
    const curve = await measureSize(flags, capMs);
    curves.push(curve);
    const base = curves[0]!;
    const previous = curves[curves.length - 2];
    const label = `scale ${flags} flags`;
    if (!curve.finished) {
      ctx.report(`${label}: adoption`, curve.adoptMs, 'ms', `UNFINISHED: ${curve.adopted} of ${flags} adopted within ${GROWTH_CAP}x the previous size; aim <= ${GROWTH_CAP}x`);
      break;
    }
    ctx.report(
      `${label}: adoption`,
      curve.adoptMs,
      'ms',
      `${(curve.adoptMs / base.adoptMs).toFixed(2)}x ${FLAG_COUNTS[0]} flags${previous ? `, ${(curve.adoptMs / previous.adoptMs).toFixed(2)}x the previous size (aim <= ${GROWTH_CAP}x)` : ''}`,
    );
    ctx.report(`${label}: approval→all ${SUBSCRIBERS} SSE subscribers p50`, curve.approvalP50, 'ms', `max ${curve.approvalMax.toFixed(0)} ms; ${(curve.approvalP50 / base.approvalP50).toFixed(2)}x ${FLAG_COUNTS[0]} flags; aim < 1000 ms`);
    ctx.report(`${label}: provider verify+apply after SSE`, curve.providerApplyMs, 'ms', `${(curve.providerApplyMs / Math.max(0.001, base.providerApplyMs)).toFixed(2)}x ${FLAG_COUNTS[0]} flags`);
    ctx.report(`${label}: manifest bytes per update`, curve.bytesPerUpdate, 'bytes', `${(curve.bytesPerUpdate / flags).toFixed(0)} bytes/flag; ${(curve.bytesPerUpdate / base.bytesPerUpdate).toFixed(2)}x ${FLAG_COUNTS[0]} flags`);
    ctx.report(
      `${label}: provider heap after ${APPROVALS} approvals`,
      curve.heapLast / 1024 / 1024,
      'MB',
      `${mb(curve.heapFirst)} after the first, ${(curve.heapLast / Math.max(1, curve.heapFirst)).toFixed(2)}x (aim: no growth with approvals)`,
    );
    capMs = Math.max(5_000, curve.adoptMs * GROWTH_CAP);
  }
}
