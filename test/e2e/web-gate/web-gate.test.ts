import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { chromium, type Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { approvedState, featBitFlag, testSigningKey } from '../../unit/provider/gate-fixtures.js';
import { startManifestService, type ManifestService } from '../../integration/provider/manifest-service.js';
import type { WebGateHarness } from './page-entry.js';

const CHROMIUM = '/usr/bin/chromium';
const ENV = 'env-web';
const key = await testSigningKey();

function toneFlag(boldShare: number) {
  return featBitFlag({
    key: 'tone',
    variationType: 'string',
    variations: [
      { id: 'calm', name: 'calm', value: 'calm' },
      { id: 'bold', name: 'bold', value: 'bold' },
    ],
    disabledVariationId: 'calm',
    fallthrough: { variations: [{ id: 'bold', rollout: [0, boldShare] }, { id: 'calm', rollout: [boldShare, 1] }] },
  });
}

describe.skipIf(!existsSync(CHROMIUM))('web gate in headless Chromium', () => {
  let service: ManifestService;
  let browser: Browser;
  let bundle: string;

  beforeAll(async () => {
    const result = await build({
      entryPoints: [fileURLToPath(new URL('./page-entry.ts', import.meta.url))],
      bundle: true,
      format: 'esm',
      platform: 'browser',
      write: false,
      logLevel: 'silent',
    });
    bundle = result.outputFiles[0]!.text;
    service = await startManifestService(key, (app) => {
      app.get('/', (_req, res) => void res.type('html').send('<!doctype html><script type="module" src="/gate.js"></script>'));
      app.get('/gate.js', (_req, res) => void res.type('text/javascript').send(bundle));
    });
    browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'] });
  });

  afterAll(async () => {
    await browser?.close();
    await service?.close();
  });

  it('bundles without Node built-ins', () => {
    expect(bundle).not.toMatch(/from ?["']node:/);
    expect(bundle.length).toBeGreaterThan(10_000);
  });

  it('gates synchronously in the browser and follows new approvals over SSE', async () => {
    await service.publisher.publish(ENV, [approvedState(ENV, toneFlag(0), 'calm')]);
    const page = await browser.newPage();
    try {
      await page.goto(service.url);
      await page.waitForFunction(() => 'webGate' in globalThis);
      await page.evaluate(
        (options) => (globalThis as unknown as { webGate: WebGateHarness }).webGate.start(options),
        { envId: ENV, publicJwk: key.publicJwk, user: 'browser-user-1' },
      );
      const gated = await page.evaluate(() => (globalThis as unknown as { webGate: WebGateHarness }).webGate.evaluate());
      expect(gated).toEqual({ value: 'calm', reason: 'UNAPPROVED', variant: 'calm', gated: true });

      await service.publisher.publish(ENV, [approvedState(ENV, toneFlag(1), 'calm', 2)]);
      await expect
        .poll(() => page.evaluate(() => (globalThis as unknown as { webGate: WebGateHarness }).webGate.changes()), { timeout: 10_000 })
        .toEqual([['tone']]);
      const approved = await page.evaluate(() => (globalThis as unknown as { webGate: WebGateHarness }).webGate.evaluate());
      expect(approved).toEqual({ value: 'bold', reason: 'STATIC', variant: 'bold', gated: undefined });
    } finally {
      await page.close();
    }
  });
});
