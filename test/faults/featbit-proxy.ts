import { createServer, request, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';

/** What the proxy does to featgate's FeatBit traffic right now. */
export enum ProxyMode {
  Pass = 'pass',
  /** Every request gets 503 with FeatBit's error envelope. */
  Unavailable = 'unavailable',
  /** Every connection is dropped at once, as a refused or reset connection looks to a client. */
  Refuse = 'refuse',
}

/** A loopback proxy between featgate and FeatBit: faults hit featgate's connection only, never a flag admin's. */
export interface FeatBitProxy {
  readonly url: string;
  mode: ProxyMode;
  /** Extra delay before each request is forwarded. */
  delayMs: number;
  close(): Promise<void>;
}

/** Starts a proxy in front of `target` (a FeatBit base URL on loopback). */
export async function startFeatBitProxy(target: string): Promise<FeatBitProxy> {
  const upstream = new URL(target);
  const sockets = new Set<Socket>();
  const state = { mode: ProxyMode.Pass, delayMs: 0 };
  const server: Server = createServer((req: IncomingMessage, res: ServerResponse) => {
    if (state.mode === ProxyMode.Refuse) return void req.socket.destroy();
    const forward = () => {
      if (state.mode === ProxyMode.Unavailable) {
        res
          .writeHead(503, { 'content-type': 'application/json' })
          .end(JSON.stringify({ success: false, errors: ['ServiceUnavailable'], data: null }));
        return;
      }
      const proxied = request(
        { host: upstream.hostname, port: upstream.port, method: req.method, path: req.url, headers: req.headers },
        (answer) => {
          res.writeHead(answer.statusCode ?? 502, answer.headers);
          answer.pipe(res);
        },
      );
      proxied.on('error', () => res.destroy());
      req.pipe(proxied);
    };
    if (state.delayMs > 0) setTimeout(forward, state.delayMs);
    else forward();
  });
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    get mode() {
      return state.mode;
    },
    set mode(mode: ProxyMode) {
      state.mode = mode;
      if (mode === ProxyMode.Refuse) for (const socket of sockets) socket.destroy();
    },
    get delayMs() {
      return state.delayMs;
    },
    set delayMs(ms: number) {
      state.delayMs = ms;
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}
