import type { AddressInfo } from 'node:net';
import { createServer, type Server } from 'node:http';
import { SMTPServer } from 'smtp-server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ActorKind, LedgerEventType, type LedgerEntry } from '../../../src/ledger/index.js';
import { NotificationKind, routeTakes } from '../../../src/notify/index.js';
import { lifecycleNotificationOf } from '../../../src/changes/index.js';
import { jsonFlag } from '../../support/json-flag.js';
import { example, startHarness, type Harness } from '../server/service-harness.js';

function entry(type: LedgerEventType, data: Record<string, unknown>, subject = 'change:c-1'): LedgerEntry {
  return {
    seq: 7,
    type,
    subject,
    data,
    actor: { id: 'rita', kind: ActorKind.User },
    at: '2026-12-03T10:00:00.000Z',
    prevHash: '0'.repeat(64),
    hash: '1'.repeat(64),
  } as unknown as LedgerEntry;
}

describe('which lifecycle event tells whom', () => {
  const pending = async () => ['security', 'aiPlatformOwner'];

  it('a classified change asks the roles it still needs, and nobody when it needs none', async () => {
    const asked = await lifecycleNotificationOf(
      entry(LedgerEventType.ChangeClassified, { changeKey: 'c-1', tier: 'high', firedRuleIds: [] }),
      pending,
    );
    expect(asked).toMatchObject({
      kind: NotificationKind.AwaitingReview,
      roles: ['security', 'aiPlatformOwner'],
      seq: 7,
    });
    expect(asked!.text).toBe('Change c-1 (high tier) waits for review by security, aiPlatformOwner.');
    expect(
      await lifecycleNotificationOf(
        entry(LedgerEventType.ChangeClassified, { changeKey: 'c-1', tier: 'low', firedRuleIds: [] }),
        async () => [],
      ),
    ).toBeUndefined();
  });

  it('approval, stages, holds and rollbacks go to release owners; break-glass to its post-reviewers with the due date', async () => {
    const cases: [LedgerEventType, Record<string, unknown>, NotificationKind, string[], string][] = [
      [
        LedgerEventType.ChangeStatusChanged,
        { changeKey: 'c-1', status: 'approved' },
        NotificationKind.ChangeApproved,
        ['releaseOwner'],
        'Change c-1 is approved',
      ],
      [
        LedgerEventType.StageApplied,
        { changeKey: 'c-1', stageIndex: 1, percentage: 25 },
        NotificationKind.StageApplied,
        ['releaseOwner'],
        'stage 2 is live at 25%',
      ],
      [
        LedgerEventType.ReleaseHeld,
        { changeKey: 'c-1', reason: 'escalation rate 0.09 breaches > 0.05' },
        NotificationKind.ReleaseHeld,
        ['releaseOwner'],
        'is held: escalation rate',
      ],
      [
        LedgerEventType.ReleaseRolledBack,
        { changeKey: 'c-1', reason: 'guardrail' },
        NotificationKind.ReleaseRolledBack,
        ['releaseOwner', 'incidentCommander'],
        'was rolled back',
      ],
      [
        LedgerEventType.BreakGlassUsed,
        {
          id: 'bg-1234',
          flagKey: 'route',
          reason: 'outage',
          expiresAt: '2026-12-03T12:00:00Z',
          postReviewDueBy: '2026-12-05T10:00:00Z',
          postReviewRoles: ['security'],
        },
        NotificationKind.BreakGlassUsed,
        ['security', 'incidentCommander'],
        'post-review by security is due by 2026-12-05T10:00:00Z',
      ],
    ];
    for (const [type, data, kind, roles, text] of cases) {
      const notification = await lifecycleNotificationOf(entry(type, data), pending);
      expect(notification, type).toMatchObject({ kind, roles });
      expect(notification!.text).toContain(text);
    }
    expect(
      await lifecycleNotificationOf(
        entry(LedgerEventType.ChangeStatusChanged, { changeKey: 'c-1', status: 'rejected' }),
        pending,
      ),
    ).toBeUndefined();
    expect(
      await lifecycleNotificationOf(entry(LedgerEventType.SignalRecorded, { changeKey: 'c-1' }), pending),
    ).toBeUndefined();
  });

  it('a route takes its roles and kinds only; a route without roles takes everything', () => {
    const held = { kind: NotificationKind.ReleaseHeld, text: 'held', subject: 'change:c-1', roles: ['releaseOwner'] };
    expect(routeTakes({ notifier: { notify: async () => undefined } }, held)).toBe(true);
    expect(routeTakes({ notifier: { notify: async () => undefined }, roles: ['security'] }, held)).toBe(false);
    expect(
      routeTakes(
        {
          notifier: { notify: async () => undefined },
          roles: ['releaseOwner'],
          kinds: [NotificationKind.StageApplied],
        },
        held,
      ),
    ).toBe(false);
    expect(
      routeTakes(
        {
          notifier: { notify: async () => undefined },
          roles: ['releaseOwner', 'security'],
          kinds: [NotificationKind.ReleaseHeld],
        },
        held,
      ),
    ).toBe(true);
  });
});

describe('notifications from a running service, routed by role to Slack-compatible hooks and SMTP e-mail', () => {
  const high = example('high-model-provider-change');
  const flag = high.flags[0];
  const posted: Record<string, string[]> = { everyone: [], strangers: [] };
  const mails: string[] = [];
  let chat: Server;
  let smtp: SMTPServer;
  let h: Harness;

  beforeAll(async () => {
    chat = createServer((req, res) => {
      let body = '';
      req.on('data', (chunk: Buffer) => (body += chunk.toString('utf8')));
      req.on('end', () => {
        posted[req.url!.slice(1)]?.push((JSON.parse(body) as { text: string }).text);
        res.end('ok');
      });
    });
    await new Promise<void>((resolve) => chat.listen(0, '127.0.0.1', resolve));
    smtp = new SMTPServer({
      authOptional: true,
      disabledCommands: ['STARTTLS', 'AUTH'],
      onData(stream, _session, done) {
        let message = '';
        stream.on('data', (chunk: Buffer) => (message += chunk.toString('utf8')));
        stream.on('end', () => {
          mails.push(message);
          done();
        });
      },
    });
    await new Promise<void>((resolve) => smtp.listen(0, '127.0.0.1', resolve));
    const chatUrl = `http://127.0.0.1:${(chat.address() as AddressInfo).port}`;
    const smtpPort = (smtp.server.address() as AddressInfo).port;
    h = await startHarness(
      (envId) => [
        jsonFlag(envId, flag.key, [
          { id: 'route-current', name: 'current', value: flag.baseline },
          { id: 'route-mistral', name: 'mistral', value: flag.candidate },
        ]),
      ],
      {
        notifications: {
          smtp: { host: '127.0.0.1', port: smtpPort, secure: false, from: 'featgate@example.com' },
          targets: [
            { name: 'everyone', slack: `${chatUrl}/everyone` },
            { name: 'strangers', slack: `${chatUrl}/strangers`, roles: ['no-such-role'] },
            {
              name: 'platform',
              email: ['platform@example.com'],
              roles: ['aiPlatformOwner'],
              kinds: [NotificationKind.AwaitingReview],
            },
          ],
        },
      } as never,
    );
    expect(
      (
        await h.call('POST', '/v1/adoptions', {
          token: h.tokens.admin,
          body: { envId: h.envId, flagKey: flag.key, reason: 'baseline' },
        })
      ).status,
    ).toBe(201);
  });

  afterAll(async () => {
    await h?.close();
    await new Promise((resolve) => chat?.close(resolve));
    await new Promise<void>((resolve) => (smtp ? smtp.close(() => resolve()) : resolve()));
  });

  it('tells the roles a new change waits for, by e-mail too, and nobody else', async () => {
    const created = await h.call('POST', '/v1/changes', {
      token: h.tokens.requester,
      body: { ...high, key: 'notify-high-route' },
    });
    expect(created.status).toBe(201);
    const needed = (created.body.decision.missing.roles as { anyOf: string[] }[]).flatMap(
      (requirement) => requirement.anyOf,
    );
    expect(needed).toContain('aiPlatformOwner');
    const deadline = Date.now() + 10_000;
    while (
      (mails.length === 0 || !posted['everyone']!.some((text) => text.includes('notify-high-route'))) &&
      Date.now() < deadline
    )
      await new Promise((resolve) => setTimeout(resolve, 50));
    const asked = posted['everyone']!.find((text) => text.includes('notify-high-route'))!;
    expect(asked).toBe(`Change notify-high-route (high tier) waits for review by ${[...new Set(needed)].join(', ')}.`);
    expect(mails).toHaveLength(1);
    expect(mails[0]).toContain('To: platform@example.com');
    expect(mails[0]).toContain('Subject: [featgate] awaiting-review: change:notify-high-route');
    expect(posted['strangers']).toEqual([]);
  });
});
