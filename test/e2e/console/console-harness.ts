import { mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { serviceConfigSchema } from '../../../src/config/index.js';
import { silentLogger } from '../../../src/logging/index.js';
import { startService, type RunningService } from '../../../src/server/index.js';

/** Debian's Chromium, driven headless. */
export const CHROMIUM = '/usr/bin/chromium';
const ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'];

/** Where screenshots go (gitignored), and the README's screenshot folder (committed). */
export const ARTIFACTS = fileURLToPath(new URL('./artifacts/', import.meta.url));
export const README_SHOTS = fileURLToPath(new URL('./readme/', import.meta.url));

const axeSource = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');

/** featgate in demo mode (embedded store, in-process FeatBit sandbox, demo flags, a token per role), in this process. */
export async function startDemo(): Promise<{ service: RunningService; close(): Promise<void> }> {
  const dataDir = mkdtempSync(join(tmpdir(), 'featgate-console-'));
  const service = await startService(serviceConfigSchema.parse({ port: 0, host: '127.0.0.1', dataDir }), {
    logger: silentLogger,
  });
  return {
    service,
    async close() {
      await service.close();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/** Launches headless Chromium. */
export function launchBrowser(): Promise<Browser> {
  return chromium.launch({ executablePath: CHROMIUM, args: ARGS });
}

/** One person at the console: their own browser context (own session storage), and what the page reported. */
export interface Person {
  readonly page: Page;
  readonly context: BrowserContext;
  /** Console messages that report a Content-Security-Policy violation or a page error. */
  readonly problems: string[];
  /** Opens a console route (`inbox`, `change/<key>`, ...) and waits until that page rendered. */
  open(route: string, rendered: string): Promise<void>;
  close(): Promise<void>;
}

/** Signs `token` in through the sign-in form, as a person would, and waits for the inbox. */
export async function signIn(browser: Browser, baseUrl: string, token: string): Promise<Person> {
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  const page = await context.newPage();
  const problems: string[] = [];
  page.on('console', (message) => {
    if (/Content Security Policy|Refused to/i.test(message.text()) || message.type() === 'error')
      problems.push(message.text());
  });
  page.on('pageerror', (error) => problems.push(String(error)));
  await page.goto(`${baseUrl}/console/`);
  await page.waitForSelector('body[data-rendered="sign-in"]');
  await page.getByLabel('featgate token').fill(token);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.waitForSelector('body[data-rendered="inbox"]');
  const open = async (route: string, rendered: string) => {
    await page.evaluate(() => delete document.body.dataset.rendered);
    await page.evaluate((hash) => {
      if (location.hash === hash) window.dispatchEvent(new HashChangeEvent('hashchange'));
      else location.hash = hash;
    }, `#/${route}`);
    await page.waitForSelector(`body[data-rendered="${rendered}"]`);
  };
  return { page, context, problems, open, close: () => context.close() };
}

/** axe-core's serious and critical violations on the page as it is, as `rule: target` lines. */
export async function seriousViolations(page: Page): Promise<string[]> {
  await page.evaluate(axeSource);
  const violations = await page.evaluate(async () => {
    const axe = (
      window as unknown as {
        axe: {
          run(
            context: Document,
            options: unknown,
          ): Promise<{ violations: { id: string; impact: string; nodes: { target: string[] }[] }[] }>;
        };
      }
    ).axe;
    const result = await axe.run(document, { resultTypes: ['violations'] });
    return result.violations.map((violation) => ({
      id: violation.id,
      impact: violation.impact,
      targets: violation.nodes.slice(0, 3).map((node) => node.target.join(' ')),
    }));
  });
  return violations
    .filter((violation) => violation.impact === 'serious' || violation.impact === 'critical')
    .map((violation) => `${violation.id} (${violation.impact}): ${violation.targets.join(', ')}`);
}

/** Saves a full-page screenshot under the artifacts folder. */
export async function screenshot(page: Page, name: string): Promise<void> {
  mkdirSync(ARTIFACTS, { recursive: true });
  await page.screenshot({ path: join(ARTIFACTS, `${name}.png`), fullPage: true });
}

/** Presses Tab until the element with `id` has focus (at most `limit` presses); answers how many it took. */
export async function tabTo(page: Page, id: string, limit = 300): Promise<number> {
  for (let presses = 1; presses <= limit; presses += 1) {
    await page.keyboard.press('Tab');
    if (await page.evaluate((target) => document.activeElement?.id === target, id)) return presses;
  }
  throw new Error(`#${id} never received focus in ${limit} presses of Tab`);
}

/** A prompt of about `bytes` bytes: numbered paragraphs of support guidance (deterministic). */
export function longPrompt(bytes: number, extra = ''): string {
  const topics = [
    'billing questions',
    'password resets',
    'shipping delays',
    'account closures',
    'data exports',
    'plan upgrades',
    'invoice corrections',
    'login problems',
  ];
  const paragraphs: string[] = [];
  for (let index = 0; paragraphs.join('\n\n').length < bytes; index += 1) {
    const topic = topics[index % topics.length]!;
    paragraphs.push(
      `${index + 1}. For ${topic}, read the customer's last three messages, answer from the knowledge base only, cite the article you used, and hand over to a person when the customer asks for one or when you are unsure.`,
    );
  }
  return `${paragraphs.join('\n\n')}${extra}`;
}
