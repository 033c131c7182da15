import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { build } from 'esbuild';
import express from 'express';
import type { Sandbox } from '../../src/sandbox/index.js';

/** A browser application's own origin, as the browser tests run it. */
export interface AppOrigin {
  readonly url: string;
  close(): Promise<void>;
}

/** Bundles `entry` (TypeScript or JavaScript) into one minified browser ES module, as an application build would. */
export async function bundleForBrowser(entry: string, workingDir?: string): Promise<string> {
  const result = await build({
    entryPoints: [entry],
    ...(workingDir ? { absWorkingDir: workingDir } : {}),
    bundle: true,
    minify: true,
    format: 'esm',
    platform: 'browser',
    write: false,
    logLevel: 'silent',
  });
  return result.outputFiles[0]!.text;
}

/**
 * The application's origin: its page, its bundle, and a backend route that relays FeatBit's server-SDK data
 * (holding the environment secret, as an app backend would). featgate is another origin, reached over CORS.
 */
export async function startAppOrigin(bundle: string, sandbox: Sandbox): Promise<AppOrigin> {
  const app = express();
  app.get(
    '/',
    (_req, res) =>
      void res
        .type('html')
        .send('<!doctype html><title>gated app</title><script type="module" src="/app.js"></script>'),
  );
  app.get('/app.js', (_req, res) => void res.type('text/javascript').send(bundle));
  app.get('/featbit/latest-all', async (req, res) => {
    const timestamp = encodeURIComponent(String(req.query['timestamp'] ?? '0'));
    const upstream = await fetch(`${sandbox.url}/api/public/sdk/server/latest-all?timestamp=${timestamp}`, {
      headers: { authorization: sandbox.envs[0]!.sdkSecret },
    });
    res
      .status(upstream.status)
      .type('application/json')
      .send(await upstream.text());
  });
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
