import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import express from 'express';

/** An HTTP server on loopback built by `setup`; answers what the test needs (Prometheus API, Slack webhook). */
export interface LoopbackServer {
  readonly url: string;
  close(): Promise<void>;
}

/** Starts an express app on a free loopback port. */
export async function startLoopbackServer(setup: (app: express.Express) => void): Promise<LoopbackServer> {
  const app = express();
  app.use(express.json());
  setup(app);
  const server: Server = await new Promise((resolve) => {
    const listening = app.listen(0, '127.0.0.1', () => resolve(listening));
  });
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
