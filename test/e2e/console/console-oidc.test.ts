import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { serviceConfigSchema } from '../../../src/config/index.js';
import { silentLogger } from '../../../src/logging/index.js';
import { startService, type RunningService } from '../../../src/server/index.js';
import { launchBrowser, screenshot, seriousViolations } from './console-harness.js';
import { startTestIdentityProvider, type TestIdentityProvider } from './test-identity-provider.js';

const CLIENT_ID = 'featgate-console';

describe('console sign-in with OIDC (authorization code with PKCE)', () => {
  let provider: TestIdentityProvider;
  let service: RunningService;
  let browser: Browser;
  const dataDir = mkdtempSync(join(tmpdir(), 'featgate-console-oidc-'));

  beforeAll(async () => {
    provider = await startTestIdentityProvider(CLIENT_ID, { subject: 'rita@example.com', roles: ['featureOwner'] });
    service = await startService(
      serviceConfigSchema.parse({
        port: 0,
        host: '127.0.0.1',
        dataDir,
        identity: { oidc: { issuer: provider.issuer, audience: CLIENT_ID, jwksUri: `${provider.issuer}/jwks.json` } },
      }),
      { logger: silentLogger },
    );
    browser = await launchBrowser();
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    await service?.close();
    await provider?.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('signs a person in at the identity provider and acts with the roles its token names', async () => {
    const context = await browser.newContext();
    const page = await context.newPage();
    await page.goto(`${service.url}/console/`);
    await page.waitForSelector('body[data-rendered="sign-in"]');
    expect(await seriousViolations(page)).toEqual([]);
    await screenshot(page, 'oidc-sign-in');
    await page.keyboard.press('Enter');
    await page.waitForSelector('body[data-rendered="inbox"]');
    await expect(page.locator('.who').textContent()).resolves.toContain('rita@example.com (featureOwner)');
    expect(page.url()).toBe(`${service.url}/console/`);
    await context.close();
  });

  it('exchanges nothing for an answer this tab did not ask for (a forged or replayed state)', async () => {
    const before = provider.tokenRequests;
    const context = await browser.newContext();
    const page = await context.newPage();
    await page.goto(`${service.url}/console/?code=stolen-code&state=forged`);
    await page.waitForSelector('body[data-rendered="sign-in"]');
    await expect(page.locator('[role="alert"]').textContent()).resolves.toContain(
      'does not belong to a sign-in this tab started',
    );
    expect(provider.tokenRequests).toBe(before);
    expect(page.url()).toBe(`${service.url}/console/`);
    await context.close();
  });

  it('refuses a code with the wrong verifier at the provider, and says so', async () => {
    const answer = await fetch(`${service.url}/console/oidc/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ code: 'nope', codeVerifier: 'v'.repeat(43), redirectUri: `${service.url}/console/` }),
    });
    expect(answer.status).toBe(401);
    expect(((await answer.json()) as { detail: string }).detail).toContain('invalid_grant');
    const bad = await fetch(`${service.url}/console/oidc/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ code: 'x', codeVerifier: 'short', redirectUri: 'not a url' }),
    });
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as { errors: { path: string }[] }).errors.map((issue) => issue.path).sort()).toEqual([
      'codeVerifier',
      'redirectUri',
    ]);
  });
});
