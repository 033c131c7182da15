import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/** A loopback HTTP proxy in front of a FeatBit API that counts the requests passing through it. */
export interface CountingProxy {
  readonly url: string;
  /** Requests since the last reset, by method and the path with ids and keys folded (`GET /api/v1/envs/:id/feature-flags/:key`). */
  counts(): Map<string, number>;
  total(): number;
  reset(): void;
  close(): Promise<void>;
}

function shape(req: IncomingMessage): string {
  const path = (req.url ?? '').split('?')[0]!;
  const parts = path
    .split('/')
    .map((part, index, all) =>
      index > 0 && ['envs', 'feature-flags', 'segments'].includes(all[index - 1]!) ? ':id' : part,
    );
  return `${req.method} ${parts.join('/')}`;
}

async function body(req: IncomingMessage): Promise<Buffer | undefined> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return chunks.length > 0 ? Buffer.concat(chunks) : undefined;
}

/** Starts the proxy to `target` on a free loopback port. */
export async function startCountingProxy(target: string): Promise<CountingProxy> {
  let counts = new Map<string, number>();
  const server: Server = createServer((req, res) => {
    const key = shape(req);
    counts.set(key, (counts.get(key) ?? 0) + 1);
    void (async () => {
      try {
        const headers = Object.fromEntries(
          Object.entries(req.headers).filter(
            ([name, value]) => typeof value === 'string' && !['host', 'content-length', 'connection'].includes(name),
          ),
        ) as Record<string, string>;
        const payload = await body(req);
        const answer = await fetch(`${target}${req.url ?? ''}`, {
          method: req.method ?? 'GET',
          headers,
          ...(payload ? { body: new Uint8Array(payload) } : {}),
        });
        const bytes = Buffer.from(await answer.arrayBuffer());
        res.writeHead(answer.status, { 'content-type': answer.headers.get('content-type') ?? 'application/json' });
        res.end(bytes);
      } catch (error) {
        res.writeHead(502).end(String(error));
      }
    })();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    counts: () => new Map(counts),
    total: () => [...counts.values()].reduce((sum, count) => sum + count, 0),
    reset: () => {
      counts = new Map();
    },
    close: async () => {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
