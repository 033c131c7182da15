import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import express from 'express';
import {
  createManifestRouter,
  ManifestPublisher,
  type ManifestRouterOptions,
  type ManifestSigningKey,
} from '../../../src/manifest/index.js';

/** A small featgate stand-in on loopback: the real manifest router over a real publisher. */
export interface ManifestService {
  readonly url: string;
  readonly publisher: ManifestPublisher;
  /** Cuts every open connection (SSE streams included), as a proxy restart or network blip would. */
  dropConnections(): void;
  close(): Promise<void>;
}

/** Starts the manifest router on a free loopback port; `extra` may add routes (e.g. a test page). */
export async function startManifestService(
  key: ManifestSigningKey,
  extra?: (app: express.Express) => void,
  heartbeatMs = 15_000,
  router: Omit<ManifestRouterOptions, 'source' | 'heartbeatMs'> = {},
): Promise<ManifestService> {
  const publisher = new ManifestPublisher({ key });
  const app = express();
  app.use(createManifestRouter({ ...router, source: publisher, heartbeatMs }));
  extra?.(app);
  const server: Server = await new Promise((resolve) => {
    const listening = app.listen(0, '127.0.0.1', () => resolve(listening));
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    publisher,
    dropConnections: () => server.closeAllConnections(),
    async close() {
      publisher.close();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
