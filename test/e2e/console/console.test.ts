import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { playDemoEdit } from '../../../src/demo/demo-edit.js';
import { passingEvidence } from '../../support/passing-evidence.js';
import type { RunningService } from '../../../src/server/index.js';
import {
  launchBrowser,
  longPrompt,
  README_SHOTS,
  screenshot,
  seriousViolations,
  signIn,
  startDemo,
  tabTo,
  type Person,
} from './console-harness.js';

const BASELINE = { template: 'You are a helpful support assistant. Answer from the knowledge base only.' };
const KEY = 'support-prompt-refund-guarantee';
/** A 20 KB prompt whose last paragraph makes claims and policy wording: the policy escalates it to compliance. */
const CANDIDATE = {
  template: longPrompt(20_000, '\n\nWe guarantee a full refund within 30 days to every customer who asks.'),
};

function highTierChange() {
  return {
    key: KEY,
    title: 'Support assistant promises refunds',
    owner: 'support-ai-team',
    service: 'support-assistant',
    environment: 'production',
    affectedWorkflow: 'Every support chat',
    requester: 'whoever the body says',
    flags: [{ key: 'support-assistant-prompt', surface: 'prompt', baseline: BASELINE, candidate: CANDIDATE }],
    behaviourChange: 'The assistant follows a long playbook and promises a refund within 30 days.',
    impact: {
      data: 'none',
      cost: 'longer prompt, +8% tokens',
      latency: '+40 ms',
      safety: 'refund promises need compliance',
      support: 'fewer escalations expected',
      compliance: 'refund wording reviewed',
    },
    release: {
      decisionOwner: 'support-ai-team',
      stages: [
        { name: 'canary', audience: 'all users', percentage: 5, minDuration: '1h' },
        { name: 'everyone', audience: 'all users', percentage: 100, minDuration: '1h' },
      ],
      holdIf: [
        { metric: 'escalationRate', operator: 'above', threshold: 0.05, description: 'more chats escalate to people' },
      ],
      rollback: {
        plan: 'Roll back to the current prompt; featgate restores the baseline.',
        fallbackBehaviour: 'The assistant hands over to a person.',
      },
    },
    evidence: [
      { type: 'configDiff', summary: 'diff reviewed in the console', result: 'passed' },
      { type: 'offlineEval', summary: 'support eval set: 94% (baseline 93%)', result: 'passed' },
      { type: 'rollbackTest', summary: 'rollback rehearsed in staging', result: 'passed' },
    ],
    cleanup: { kind: 'durable' },
  };
}

describe('the reviewer console in headless Chromium against featgate in demo mode', () => {
  let demo: Awaited<ReturnType<typeof startDemo>>;
  let service: RunningService;
  let browser: Browser;
  const people: Person[] = [];
  const violations: Record<string, string[]> = {};

  const as = async (role: string): Promise<Person> => {
    const person = await signIn(browser, service.url, service.demoTokens[role]!);
    people.push(person);
    return person;
  };
  const call = async (role: string, method: string, path: string, body?: unknown) => {
    const response = await fetch(`${service.url}${path}`, {
      method,
      headers: {
        authorization: `Bearer ${service.demoTokens[role]}`,
        ...(body ? { 'content-type': 'application/json' } : {}),
      },
      ...(body ? { body: JSON.stringify(body) } : {}),
    });
    return { status: response.status, body: (await response.json()) as any };
  };
  const check = async (person: Person, name: string) => {
    await screenshot(person.page, name);
    violations[name] = await seriousViolations(person.page);
  };

  beforeAll(async () => {
    demo = await startDemo();
    service = demo.service;
    browser = await launchBrowser();
  }, 120_000);

  afterAll(async () => {
    for (const person of people) await person.close().catch(() => undefined);
    await browser?.close();
    await demo?.close();
  });

  it('serves the console with a strict Content-Security-Policy and sends / there', async () => {
    const page = await fetch(`${service.url}/console/`);
    const csp = page.headers.get('content-security-policy') ?? '';
    expect(csp).toContain("script-src 'self'");
    expect(csp).toContain("default-src 'none'");
    expect(csp).not.toContain('unsafe-inline');
    expect(await page.text()).not.toMatch(/<script>|<style>|style=/);
    const root = await fetch(`${service.url}/`, { redirect: 'manual' });
    expect(root.headers.get('location')).toBe('/console/');
  });

  it('walks an edit, a review, a release, a breach and the audit trail through the console', async () => {
    // A flag admin edits FeatBit directly; featgate reverts it and opens a proposal.
    const edit = await playDemoEdit({
      sandboxUrl: service.sandboxUrl!,
      envId: service.sandboxDemo!.envId,
      adminToken: service.sandboxDemo!.adminToken,
    });
    expect(edit.restoredAfterMs).toBeDefined();
    const owner = await as('featureOwner');
    await owner.open('inbox?waitingOnMe=true', 'inbox');
    const proposalRow = owner.page.locator('table.inbox tbody tr', {
      hasText: 'FeatBit edit of support-assistant-prompt by flag-admin',
    });
    await expect(proposalRow.count()).resolves.toBe(1);
    const proposalKey = (await proposalRow.locator('.key').textContent())!;
    expect(proposalKey).toMatch(/^edit-support-assistant-prompt-/);
    expect(await proposalRow.textContent()).toContain('waiting for you');
    await check(owner, '1-inbox-proposal');

    // Keyboard alone: from the inbox, Tab to the proposal's link and open it with Enter.
    await owner.page.evaluate(() => (document.activeElement as HTMLElement | null)?.blur());
    await tabTo(owner.page, `change-link-${proposalKey}`);
    await owner.page.evaluate(() => delete document.body.dataset.rendered);
    await owner.page.keyboard.press('Enter');
    await owner.page.waitForSelector('body[data-rendered="change"]');
    expect(await owner.page.evaluate(() => location.hash)).toBe(`#/change/${proposalKey}`);
    const intercepted = await owner.page.locator('section[aria-labelledby="edit"]').textContent();
    expect(intercepted).toContain('flag-admin edited support-assistant-prompt directly in FeatBit');
    expect(intercepted).toMatch(/the default rule serves "concise" to 50%, "current" to 50%/);
    expect(intercepted).toMatch(/featgate saw it at .* \(by webhook\)/);
    await expect(
      owner.page.locator('section[aria-labelledby="edit"] table tbody tr').allTextContents(),
    ).resolves.toEqual(['concisewidened']);
    await expect(owner.page.locator('table.diff ins').allTextContents()).resolves.toContain('concise');
    await check(owner, '2-proposal-change-page');
    // The reviewer attaches the evaluation the tier asks for; the page names who attached it.
    await owner.page.getByLabel('Type').selectOption('offlineEval');
    await owner.page.getByLabel('Summary').fill('support eval set on the concise prompt: 95%');
    await owner.page.evaluate(() => delete document.body.dataset.rendered);
    await owner.page.getByRole('button', { name: 'Attach evidence' }).click();
    await owner.page.waitForSelector('body[data-rendered="change"]');
    await expect(
      owner.page.locator('section[aria-labelledby="evidence"] table tbody').textContent(),
    ).resolves.toContain('demo-featureOwner');
    await expect(owner.page.locator('section[aria-labelledby="evidence"] .checklist').textContent()).resolves.toContain(
      'offlineEval: passed',
    );
    // The README's screenshot: written when missing or asked for (FEATGATE_README_SHOTS=1), so runs do not churn it.
    const readmeShot = join(README_SHOTS, 'change-page.png');
    if (!existsSync(readmeShot) || process.env.FEATGATE_README_SHOTS === '1') {
      mkdirSync(README_SHOTS, { recursive: true });
      await owner.page.screenshot({ path: readmeShot, fullPage: true });
    }

    // The flag admin, the proposal's requester, signs in: the console will not let them approve their own edit.
    const flagAdmin = await as('flag-admin');
    await flagAdmin.open(`change/${proposalKey}`, 'change');
    await expect(flagAdmin.page.locator('#approve').isDisabled()).resolves.toBe(true);
    const ownRefusal = await call('flag-admin', 'POST', `/v1/changes/${proposalKey}/reviews`, { decision: 'approve' });
    expect(ownRefusal.status).toBe(403);
    await expect(flagAdmin.page.locator('#review-reason').textContent()).resolves.toBe(
      `You cannot review this change: ${ownRefusal.body.detail}`,
    );
    await check(flagAdmin, '2b-flag-admin-own-proposal');

    // The requester opens a high-tier change with a 20 KB prompt; the console will not let them approve it.
    await owner.open('inbox', 'inbox');
    const created = await call('requester', 'POST', '/v1/changes', highTierChange());
    expect(created.status).toBe(201);
    expect(created.body.tier).toBe('high');
    // Evidence a requester writes into the record never counts (authors do not vouch for their own change): CI, the
    // demo's service token, attaches what the tier requires.
    for (const requirement of created.body.decision.missing.evidence as { anyOf: string[] }[]) {
      const attached = await call(
        'service',
        'POST',
        `/v1/changes/${KEY}/evidence`,
        passingEvidence(requirement.anyOf[0]!, created.body, { link: 'https://ci.example.com/run/7' }),
      );
      expect(attached.status, JSON.stringify(attached.body)).toBe(201);
    }
    // The open inbox follows the change without a reload.
    await owner.page.waitForSelector(`#change-link-${KEY}`, { timeout: 20_000 });
    await expect(owner.page.locator('#live').textContent()).resolves.toMatch(/^Inbox updated at/);
    const requester = await as('requester');
    await requester.open(`change/${KEY}`, 'change');
    await expect(requester.page.locator('#approve').isDisabled()).resolves.toBe(true);
    const refusal = await call('requester', 'POST', `/v1/changes/${KEY}/reviews`, { decision: 'approve' });
    expect(refusal.status).toBeGreaterThanOrEqual(400);
    const reason = await requester.page.locator('#review-reason').textContent();
    expect(reason).toContain(refusal.body.detail);
    expect(reason).toContain('demo-requester (requester) lacks the permission review:submit');
    expect(await requester.page.locator('#approve').getAttribute('aria-describedby')).toBe('review-reason');
    await check(requester, '3-requester-change-page');

    // The feature owner reads the 20 KB diff and approves with the keyboard alone.
    await owner.open(`change/${KEY}`, 'change');
    const candidateCell = owner.page.locator('table.diff tbody tr', { hasText: '$.template' }).locator('td.after');
    expect(((await candidateCell.textContent()) ?? '').length).toBeGreaterThan(20_000);
    await expect(candidateCell.locator('ins').allTextContents()).resolves.toEqual(
      expect.arrayContaining([expect.stringContaining('guarantee')]),
    );
    await expect(owner.page.locator('section[aria-labelledby="approvals"]').textContent()).resolves.toContain(
      'compliance',
    );
    await check(owner, '4-reviewer-change-page');
    await owner.page.evaluate(() => (document.activeElement as HTMLElement | null)?.blur());
    const presses = await tabTo(owner.page, 'approve');
    expect(presses).toBeGreaterThan(1);
    await owner.page.evaluate(() => delete document.body.dataset.rendered);
    await owner.page.keyboard.press('Enter');
    await owner.page.waitForSelector('body[data-rendered="change"]');
    await expect(owner.page.locator('section[aria-labelledby="timeline"]').textContent()).resolves.toContain(
      'demo-featureOwner approved',
    );

    // Compliance, the second required role, approves with a comment: the change is approved.
    const compliance = await as('compliance');
    await compliance.open(`change/${KEY}`, 'change');
    await compliance.page.getByLabel('Comment (required to reject)').fill('refund wording matches the terms');
    await compliance.page.evaluate(() => delete document.body.dataset.rendered);
    await compliance.page.getByRole('button', { name: 'Approve' }).click();
    await compliance.page.waitForSelector('body[data-rendered="change"]');
    await expect(compliance.page.locator('.lead .status').textContent()).resolves.toBe('approved');

    // The release owner applies stage 1 (with the keyboard) on the release page.
    const releaseOwner = await as('releaseOwner');
    await releaseOwner.open(`release/${KEY}`, 'release');
    await check(releaseOwner, '5-release-page-approved');
    await releaseOwner.page.evaluate(() => (document.activeElement as HTMLElement | null)?.blur());
    await tabTo(releaseOwner.page, 'apply-stage');
    await releaseOwner.page.evaluate(() => delete document.body.dataset.rendered);
    await releaseOwner.page.keyboard.press('Enter');
    await releaseOwner.page.waitForSelector('body[data-rendered="release"]');
    await expect(releaseOwner.page.locator('.stages li[aria-current="step"]').textContent()).resolves.toContain(
      'canary',
    );
    await expect(releaseOwner.page.locator('#countdown').textContent()).resolves.toMatch(
      /Stage 2 \(everyone\) may be applied in \d/,
    );
    await check(releaseOwner, '6-release-page-stage-1');

    // A guardrail breach reported through the signals API holds the release; the page shows it held.
    const signal = await call('releaseOwner', 'POST', `/v1/changes/${KEY}/signals`, {
      signals: [{ metric: 'escalationRate', value: 0.02 }],
    });
    expect(signal.body.outcome).toBe('healthy');
    const breach = await call('releaseOwner', 'POST', `/v1/changes/${KEY}/signals`, {
      signals: [{ metric: 'escalationRate', value: 0.09 }],
    });
    expect(breach.body.outcome).toBe('held');
    // The open release page follows the change: the hold shows without a reload.
    await releaseOwner.page.waitForSelector('.banner.held', { timeout: 20_000 });
    await releaseOwner.page.waitForSelector('body[data-rendered="release"]');
    await expect(releaseOwner.page.locator('.banner.held').textContent()).resolves.toContain('Release held');
    await expect(releaseOwner.page.locator('.guard-breached').count()).resolves.toBe(1);
    await expect(releaseOwner.page.locator('svg.chart circle.breach').count()).resolves.toBe(1);
    await expect(releaseOwner.page.locator('#apply-stage').isDisabled()).resolves.toBe(true);
    await expect(releaseOwner.page.locator('#resume').isDisabled()).resolves.toBe(false);
    await check(releaseOwner, '7-release-page-held');

    // Resume, then roll back with a reason, from the same page.
    await releaseOwner.page.evaluate(() => delete document.body.dataset.rendered);
    await releaseOwner.page.getByRole('button', { name: 'Resume' }).click();
    await releaseOwner.page.waitForSelector('body[data-rendered="release"]');
    await expect(releaseOwner.page.locator('.banner.held').count()).resolves.toBe(0);
    await releaseOwner.page.getByRole('button', { name: 'Roll back' }).click();
    await expect(releaseOwner.page.locator('#release-message').textContent()).resolves.toBe(
      'Roll back needs a reason.',
    );
    await releaseOwner.page
      .getByLabel('Reason or comment (a hold and a rollback need a reason)')
      .fill('escalations are up; back to the current prompt');
    await releaseOwner.page.evaluate(() => delete document.body.dataset.rendered);
    await releaseOwner.page.getByRole('button', { name: 'Roll back' }).click();
    await releaseOwner.page.waitForSelector('body[data-rendered="release"]');
    await expect(releaseOwner.page.locator('.banner.rolled-back').textContent()).resolves.toContain(
      'escalations are up',
    );
    await check(releaseOwner, '7b-release-page-rolled-back');

    // The auditor's audit page lists every step, and the ledger verifies.
    const auditor = await as('auditor');
    await auditor.open(`audit?change=${KEY}`, 'audit');
    const types = await auditor.page.locator('table.audit tbody tr td:nth-child(3)').allTextContents();
    for (const step of [
      'change.created',
      'change.classified',
      'review.submitted',
      'change.status-changed',
      'release.stage-applied',
      'guardrail.signal-recorded',
      'guardrail.breached',
      'release.held',
      'release.resumed',
      'release.rolled-back',
    ]) {
      expect(types, step).toContain(step);
    }
    expect(types.filter((type) => type === 'review.submitted')).toHaveLength(2);
    const actors = await auditor.page.locator('table.audit tbody').textContent();
    for (const actor of ['demo-requester', 'demo-featureOwner', 'demo-compliance', 'demo-releaseOwner'])
      expect(actors).toContain(actor);
    await expect(auditor.page.locator('#verify-result').textContent()).resolves.toMatch(/^Verified: \d+ entries/);
    await auditor.page.evaluate(() => (document.activeElement as HTMLElement | null)?.blur());
    await tabTo(auditor.page, 'verify');
    await auditor.page.evaluate(() => (document.getElementById('verify-result')!.textContent = ''));
    await auditor.page.keyboard.press('Enter');
    await auditor.page.waitForFunction(() =>
      /^Verified: \d+ entries/.test(document.getElementById('verify-result')?.textContent ?? ''),
    );
    await check(auditor, '8-audit-page-change');
    await auditor.open('audit', 'audit');
    await expect(
      auditor.page.locator('table.audit tbody tr', { hasText: 'featbit.edit-reverted' }).count(),
    ).resolves.toBeGreaterThan(0);
    await check(auditor, '9-audit-page-ledger');

    expect(violations).toEqual(Object.fromEntries(Object.keys(violations).map((name) => [name, []])));
    expect(people.flatMap((person) => person.problems)).toEqual([]);
  }, 240_000);

  it('never approves a version the reviewer did not see: a change that moved offers a refresh and submits nothing', async () => {
    const key = 'support-prompt-moved-meanwhile';
    expect((await call('requester', 'POST', '/v1/changes', { ...highTierChange(), key })).status).toBe(201);
    const owner = await as('featureOwner');
    await owner.open(`change/${key}`, 'change');
    expect(
      (
        await call('compliance', 'POST', `/v1/changes/${key}/reviews`, {
          decision: 'reject',
          comment: 'wording is wrong',
        })
      ).status,
    ).toBe(201);
    await owner.page.getByRole('button', { name: 'Approve' }).click();
    await owner.page.waitForSelector('#refresh-change');
    await expect(owner.page.locator('#review-message').textContent()).resolves.toContain('nothing was submitted');
    expect(
      (await call('featureOwner', 'GET', `/v1/changes/${key}`)).body.reviews.map(
        (review: { reviewer: string }) => review.reviewer,
      ),
    ).toEqual(['demo-compliance']);
    await owner.page.evaluate(() => delete document.body.dataset.rendered);
    await owner.page.locator('#refresh-change').press('Enter');
    await owner.page.waitForSelector('body[data-rendered="change"]');
    await expect(owner.page.locator('section[aria-labelledby="timeline"]').textContent()).resolves.toContain(
      'demo-compliance rejected: wording is wrong',
    );
    expect(owner.problems).toEqual([]);

    // The requester declines their rejected change: they withdraw it, with a reason.
    const requester = await as('requester');
    await requester.open(`change/${key}`, 'change');
    await requester.page.getByLabel('Why it is withdrawn').fill('compliance wants other wording; a new change follows');
    await requester.page.evaluate(() => delete document.body.dataset.rendered);
    await requester.page.getByRole('button', { name: 'Withdraw change' }).click();
    await requester.page.waitForSelector('body[data-rendered="change"]');
    await expect(requester.page.locator('.lead .status').textContent()).resolves.toBe('withdrawn');
    await expect(requester.page.locator('#withdraw-why').textContent()).resolves.toContain(
      'only a change that is not released yet can be withdrawn',
    );
  });

  it('shows markup a requester writes into a change as text, never as markup, and a secret only as its marker', async () => {
    const key = 'support-prompt-with-markup';
    const markup = '<img src=x onerror="document.body.dataset.owned=1"><script>document.body.dataset.owned=1</script>';
    expect(
      (
        await call('requester', 'POST', '/v1/changes', {
          ...highTierChange(),
          key,
          title: `Markup ${markup}`,
          flags: [
            { ...highTierChange().flags[0], candidate: { template: `Hello ${markup}`, apiKey: 'sk-live-never-shown' } },
          ],
        })
      ).status,
    ).toBe(201);
    const owner = await as('featureOwner');
    await owner.open(`change/${key}`, 'change');
    await expect(owner.page.locator('h1').textContent()).resolves.toBe(`Markup ${markup}`);
    await expect(owner.page.locator('main img, main script').count()).resolves.toBe(0);
    await expect(owner.page.evaluate(() => document.body.dataset.owned)).resolves.toBeUndefined();
    // A secret in a value is shown only as its redaction marker.
    await expect(
      owner.page.locator('table.diff tbody tr', { hasText: '$.apiKey' }).locator('td.after').textContent(),
    ).resolves.toMatch(/^\[secret redacted · [0-9a-f]{12}…\]$/);
    expect(await owner.page.content()).not.toContain('sk-live-never-shown');
    await owner.open('inbox', 'inbox');
    await expect(owner.page.locator('main img, main script').count()).resolves.toBe(0);
    await expect(owner.page.evaluate(() => document.body.dataset.owned)).resolves.toBeUndefined();
  });
});
