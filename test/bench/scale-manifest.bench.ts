import { rmSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import { performance } from 'node:perf_hooks';
import express from 'express';
import { InMemoryProvider, OpenFeature, ProviderEvents } from '@openfeature/server-sdk';
import { ActorKind, JsonlLedgerStore, LedgerEventType, type Actor } from '../../src/ledger/index.js';
import { createManifestRouter, ManifestPublisher, type SignedManifest } from '../../src/manifest/index.js';
import { flagSubject } from '../../src/ledger-events/index.js';
import { LedgerProjections } from '../../src/projections/index.js';
import { FeatgateServerProvider, HttpManifestSource } from '../../provider/index.js';
import { testSigningKey } from '../unit/provider/gate-fixtures.js';
import { percentile, type BenchContext } from './bench-context.js';
import { FLAG_COUNTS, heapAfterGc, mb, scaleFlag, scratchDir, statePayload } from './scale-support.js';
import { openSseSubscriber, type SseSubscriber } from './sse-subscriber.js';

const ENV = 'env-scale';
const SUBSCRIBERS = 50;
const APPROVALS = 5;
/** The longest one approval may take to reach every subscriber before the size is reported as past it. */
const ROUND_TIMEOUT_MS = 20_000;
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
  wholeBytes: number;
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
      await ledger.append({
        type: LedgerEventType.FlagAdopted,
        actor: ADMIN,
        subject: flagSubject(ENV, flag.key),
        data: { state: statePayload(ENV, flag), reason: 'bench adoption' },
      });
      await projections.catchUpOwnWrites();
    }
    await lastPublish;
    const adoptMs = performance.now() - start;
    const finished = adopted === flags;
    if (!finished)
      return {
        adoptMs,
        adopted,
        finished,
        approvalP50: NaN,
        approvalMax: NaN,
        providerApplyMs: NaN,
        bytesPerUpdate: NaN,
        wholeBytes: NaN,
        heapFirst: NaN,
        heapLast: NaN,
      };

    const approve = async (round: number): Promise<{ signed: SignedManifest; approvedAt: number }> => {
      const flag = scaleFlag(round % flags, ((round % 7) + 1) / 9);
      const approvedAt = performance.now();
      await ledger.append({
        type: LedgerEventType.ApprovedStateSet,
        actor: ADMIN,
        subject: flagSubject(ENV, flag.key),
        data: { state: statePayload(ENV, flag) },
      });
      await projections.catchUpOwnWrites();
      return { signed: await lastPublish!, approvedAt };
    };

    // approval → every one of 50 raw SSE subscribers (delta streams, as providers open them) holds the new manifest
    for (let index = 0; index < SUBSCRIBERS; index += 1)
      subscribers.push(await openSseSubscriber(`${url}/v1/envs/${ENV}/manifest/stream?delta=1`));
    const arrivals: number[] = [];
    let bytes = 0;
    let round = 0;
    for (; round < APPROVALS; round += 1) {
      const { signed, approvedAt } = await approve(round);
      // each subscriber holds the previous signing, so the stream sends it this signing's delta
      const update = signed.delta ?? signed;
      bytes = update.jws.length;
      const all = Promise.all(subscribers.map((subscriber) => subscriber.arrival(update.etag)));
      const timedOut = new Promise<undefined>((resolve) =>
        setTimeout(() => resolve(undefined), ROUND_TIMEOUT_MS).unref(),
      );
      const times = await Promise.race([all, timedOut]);
      if (!times) {
        arrivals.push(Number.POSITIVE_INFINITY);
        break;
      }
      arrivals.push(Math.max(...times) - approvedAt);
    }
    for (const subscriber of subscribers.splice(0)) subscriber.close();

    // one provider alone: approval → ConfigurationChanged, and its heap over approvals
    const heapBefore = heapAfterGc();
    let changed: ((at: number) => void) | undefined;
    const gate = new FeatgateServerProvider(new InMemoryProvider({}), {
      source: new HttpManifestSource({ baseUrl: url, envId: ENV }),
      publicKeys: [key.publicJwk],
      envId: ENV,
    });
    await OpenFeature.setProviderAndWait(`scale-${flags}`, gate);
    OpenFeature.getClient(`scale-${flags}`).addHandler(ProviderEvents.ConfigurationChanged, () =>
      changed?.(performance.now()),
    );
    const heaps: number[] = [];
    const applies: number[] = [];
    for (let index = 0; index < APPROVALS; index += 1) {
      const providerChanged = new Promise<number>((resolve) => (changed = resolve));
      const { approvedAt } = await approve(round + 1 + index);
      applies.push((await providerChanged) - approvedAt);
      heaps.push(heapAfterGc() - heapBefore);
    }
    await OpenFeature.clearProviders();
    const wholeBytes = publisher.current(ENV)!.jws.length;
    return {
      adoptMs,
      adopted,
      finished,
      approvalP50: percentile(arrivals, 50),
      approvalMax: Math.max(...arrivals),
      providerApplyMs: percentile(applies, 50),
      bytesPerUpdate: bytes,
      wholeBytes,
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
      ctx.report(
        `${label}: adoption`,
        curve.adoptMs,
        'ms',
        `UNFINISHED: ${curve.adopted} of ${flags} adopted within ${GROWTH_CAP}x the previous size; aim <= ${GROWTH_CAP}x`,
      );
      break;
    }
    ctx.report(
      `${label}: adoption`,
      curve.adoptMs,
      'ms',
      `${(curve.adoptMs / base.adoptMs).toFixed(2)}x ${FLAG_COUNTS[0]} flags` +
        (previous
          ? `, ${(curve.adoptMs / previous.adoptMs).toFixed(2)}x the previous size` +
            // the aim is the issue's: the largest size within GROWTH_CAP times the one before it
            (flags === FLAG_COUNTS[FLAG_COUNTS.length - 1] ? ` (aim <= ${GROWTH_CAP}x)` : '')
          : ''),
    );
    ctx.report(
      `${label}: approval→all ${SUBSCRIBERS} SSE subscribers p50`,
      curve.approvalP50,
      'ms',
      `${Number.isFinite(curve.approvalMax) ? `max ${curve.approvalMax.toFixed(0)} ms` : `an approval was past ${ROUND_TIMEOUT_MS} ms`}; ${(curve.approvalP50 / base.approvalP50).toFixed(2)}x ${FLAG_COUNTS[0]} flags; aim < 1000 ms`,
    );
    ctx.report(
      `${label}: approval→ConfigurationChanged (1 provider alone) p50`,
      curve.providerApplyMs,
      'ms',
      `${(curve.providerApplyMs / base.providerApplyMs).toFixed(2)}x ${FLAG_COUNTS[0]} flags`,
    );
    ctx.report(
      `${label}: manifest bytes per update (delta)`,
      curve.bytesPerUpdate,
      'bytes',
      `${(curve.bytesPerUpdate / base.bytesPerUpdate).toFixed(2)}x ${FLAG_COUNTS[0]} flags; whole manifest (first fetch) ${curve.wholeBytes} bytes, ${(curve.wholeBytes / flags).toFixed(0)} bytes/flag`,
    );
    ctx.report(
      `${label}: provider heap after ${APPROVALS} approvals`,
      curve.heapLast / 1024 / 1024,
      'MB',
      `${mb(curve.heapFirst)} after the first, ${curve.heapFirst > 1024 * 1024 ? `${(curve.heapLast / curve.heapFirst).toFixed(2)}x` : 'both within GC noise'} (aim: no growth with approvals)`,
    );
    capMs = Math.max(5_000, curve.adoptMs * GROWTH_CAP);
  }
}
