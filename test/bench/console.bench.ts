import type { Browser } from 'playwright-core';
import { CleanupKind, ConfigSurface } from '../../src/changes/model/index.js';
import { ActorKind } from '../../src/ledger/index.js';
import type { Principal } from '../../src/identity/index.js';
import { launchBrowser, longPrompt, startDemo } from '../e2e/console/console-harness.js';
import { percentile, type BenchContext } from './bench-context.js';

const ROUNDS = 5;
const CHANGES = 1000;
const BASELINE = { template: 'You are a helpful support assistant. Answer from the knowledge base only.' };
const requester: Principal = {
  id: 'bench-requester',
  kind: ActorKind.User,
  roles: ['requester'],
  permissions: new Set(),
  via: 'api-token',
};

function record(key: string, template: string) {
  return {
    key,
    title: `Support prompt revision ${key}`,
    owner: 'support-ai-team',
    service: 'support-assistant',
    environment: 'production',
    affectedWorkflow: 'support chats',
    requester: requester.id,
    flags: [
      { key: 'support-assistant-prompt', surface: ConfigSurface.Prompt, baseline: BASELINE, candidate: { template } },
    ],
    behaviourChange: 'A revised support prompt.',
    impact: { data: 'none', cost: 'none', latency: 'none', safety: 'none', support: 'none', compliance: 'none' },
    release: {
      decisionOwner: 'support-ai-team',
      stages: [{ name: 'canary', audience: 'all users', percentage: 5, minDuration: '1h' }],
    },
    cleanup: { kind: CleanupKind.Durable },
  };
}

/** Milliseconds from navigation start until the console marked `page` rendered, for a fresh tab signed in with `token`. */
async function timeToRender(
  browser: Browser,
  url: string,
  token: string,
  route: string,
  page: string,
): Promise<number> {
  const context = await browser.newContext();
  await context.addInitScript((value) => sessionStorage.setItem('featgate.console.token', value), token);
  const tab = await context.newPage();
  await tab.goto(`${url}/console/#/${route}`);
  await tab.waitForSelector(`body[data-rendered="${page}"]`, { timeout: 120_000 });
  const ms = await tab.evaluate(() => performance.getEntriesByName('console:rendered')[0]!.startTime);
  await context.close();
  return ms;
}

async function median(rounds: number, measure: () => Promise<number>): Promise<number> {
  const samples: number[] = [];
  for (let i = 0; i < rounds; i += 1) samples.push(await measure());
  return percentile(samples, 50);
}

/**
 * Console time to first render in headless Chromium: the inbox with 1,000 changes and the change page of a 20 KB
 * prompt, each against the empty inbox of a fresh demo, measured in the same run.
 */
export async function run(ctx: BenchContext): Promise<void> {
  const empty = await startDemo();
  const full = await startDemo();
  const browser = await launchBrowser();
  try {
    const big = longPrompt(20_000, ' We guarantee an answer within a day.');
    await full.service.workflow.createChange(requester, record('bench-long-prompt', big));
    for (let i = 1; i < CHANGES; i += 1)
      await full.service.workflow.createChange(
        requester,
        record(`bench-${String(i).padStart(4, '0')}`, `${BASELINE.template} Revision ${i}.`),
      );
    const token = (service: typeof empty.service) => service.demoTokens.featureOwner!;
    await timeToRender(browser, empty.service.url, token(empty.service), 'inbox', 'inbox');
    await timeToRender(browser, full.service.url, token(full.service), 'inbox', 'inbox');
    const baseline = await median(ROUNDS, () =>
      timeToRender(browser, empty.service.url, token(empty.service), 'inbox', 'inbox'),
    );
    const inbox = await median(ROUNDS, () =>
      timeToRender(browser, full.service.url, token(full.service), 'inbox', 'inbox'),
    );
    const change = await median(ROUNDS, () =>
      timeToRender(browser, full.service.url, token(full.service), 'change/bench-long-prompt', 'change'),
    );
    const against = (ms: number) => `${(ms / baseline).toFixed(2)}x the empty inbox at ${baseline.toFixed(0)} ms`;
    ctx.report(
      `console inbox with ${CHANGES.toLocaleString('en')} changes, time to first render (median of ${ROUNDS})`,
      inbox,
      'ms',
      against(inbox),
    );
    ctx.report(
      `console change page with a 20 KB prompt, time to first render (median of ${ROUNDS})`,
      change,
      'ms',
      against(change),
    );
  } finally {
    await browser.close();
    await full.close();
    await empty.close();
  }
}
