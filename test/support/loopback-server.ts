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

/** A Slack-compatible incoming webhook on loopback that keeps the text of every message it receives. */
export interface ChatCapture extends LoopbackServer {
  /** The URL featgate's `notifyUrl` points at. */
  readonly hookUrl: string;
  readonly messages: string[];
}

/** Starts a chat capture (`webhooks.notifyUrl`), so tests read what featgate told people. */
export async function startChatCapture(): Promise<ChatCapture> {
  const messages: string[] = [];
  const server = await startLoopbackServer((app) => {
    app.post('/hooks/featgate', (req, res) => {
      messages.push((req.body as { text: string }).text);
      res.status(200).send('ok');
    });
  });
  return { ...server, hookUrl: `${server.url}/hooks/featgate`, messages };
}
