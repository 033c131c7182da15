import { createHmac, timingSafeEqual } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import express from 'express';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { FeatBitRestClient } from '../../../src/featbit/rest-client/index.js';
import { WebhookEvent } from '../../../src/featbit/model/index.js';
import { createSandbox, type Sandbox } from '../../../src/sandbox/index.js';
import { readReference } from '../../support/reference.js';

interface Received {
  readonly headers: Record<string, string | string[] | undefined>;
  readonly body: Buffer;
}

const SECRET = "It's a Secret to Everybody";
const received: Received[] = [];
let failuresToSend = 0;
let receiver: Server;
let receiverUrl: string;
let sandbox: Sandbox;
let envId: string;
let alice: FeatBitRestClient;

/** Verifies `X-FeatBit-Signature-256` with an HMAC computed here, over the raw bytes received. */
function signatureValid(request: Received): boolean {
  const header = String(request.headers['x-featbit-signature-256'] ?? '');
  const expected = Buffer.from(`sha256=${createHmac('sha256', SECRET).update(request.body).digest('hex')}`);
  return header.length === expected.length && timingSafeEqual(Buffer.from(header), expected);
}

beforeAll(async () => {
  const app = express();
  app.post('/hook', express.raw({ type: '*/*' }), (req, res) => {
    received.push({ headers: req.headers, body: req.body as Buffer });
    if (failuresToSend > 0) {
      failuresToSend -= 1;
      res.status(500).end();
      return;
    }
    res.status(204).end();
  });
  app.post('/moved', (_req, res) => res.redirect(307, '/hook'));
  receiver = createServer(app);
  await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
  receiverUrl = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hook`;
  sandbox = await createSandbox({
    seeds: [
      readReference('server-sdk-flags.eval-server-fakes.json'),
      readReference('server-sdk-segments.eval-server-fakes.json'),
    ],
  });
  envId = sandbox.envs[0]!.id;
  sandbox.control.configureWebhook({
    url: receiverUrl,
    secret: SECRET,
    events: Object.values(WebhookEvent),
    retryDelayMs: 20,
    headers: [{ key: 'X-Test', value: 'featgate' }],
  });
  alice = new FeatBitRestClient({
    baseUrl: sandbox.url,
    accessToken: sandbox.tokens.issue('alice').token,
    retry: { attempts: 1 },
  });
});

afterEach(async () => {
  await sandbox.control.webhooksIdle();
  received.length = 0;
  failuresToSend = 0;
});

afterAll(async () => {
  await sandbox.close();
  await new Promise((resolve) => receiver.close(resolve));
});

describe('sandbox webhooks', () => {
  it('sends one signed delivery naming every event of an edit that changes the default rule and the rules', async () => {
    const flag = await alice.getFlag(envId, 'two-custom-rules');
    const [first, second] = flag.rules;
    const unserved = flag.variations.find((variation) => variation.id !== flag.fallthrough.variations[0]!.id)!;
    await alice.updateTargeting(envId, flag.key, {
      revision: flag.revision,
      targeting: {
        targetUsers: flag.targetUsers,
        rules: [{ ...first!, name: 'Adults' }, second!],
        fallthrough: { ...flag.fallthrough, variations: [{ id: unserved.id, rollout: [0, 1], exptRollout: 1 }] },
        exptIncludeAllTargets: flag.exptIncludeAllTargets,
      },
    });
    await sandbox.control.webhooksIdle();
    expect(received).toHaveLength(1);
    const [delivery] = received;
    expect(delivery!.headers['x-featbit-event']).toBe(
      'feature_flag.default_rule_changed,feature_flag.targeting_rules_changed',
    );
    expect(signatureValid(delivery!)).toBe(true);
    expect(delivery!.headers['x-featbit-hook-id']).toBe(sandbox.control.webhooks()[0]!.id);
    expect(delivery!.headers['x-test']).toBe('featgate');
    const payload = JSON.parse(delivery!.body.toString('utf8'));
    expect(payload.operator).toBe('alice');
    expect(payload.changes).toEqual(['Update default rule variation', 'Update rule: Adults']);
    expect(payload.data.object.rules[0].name).toBe('Adults');
    expect(payload.data.object).not.toHaveProperty('revision');
  });

  it('retries after the receiver answers 500 and reuses the delivery id', async () => {
    failuresToSend = 2;
    await alice.toggle(envId, 'returns-true', false);
    await sandbox.control.webhooksIdle();
    expect(received).toHaveLength(3);
    expect(new Set(received.map((request) => request.headers['x-featbit-delivery'])).size).toBe(1);
    expect(received.every(signatureValid)).toBe(true);
    expect(received[0]!.headers['x-featbit-event']).toBe('feature_flag.toggled');
    const attempts = sandbox.control
      .deliveries()
      .filter((record) => record.deliveryId === received[0]!.headers['x-featbit-delivery']);
    expect(attempts.map((record) => [record.attempt, record.status])).toEqual([
      [1, 500],
      [2, 500],
      [3, 204],
    ]);
  });

  it('sends nothing for a rule reorder or a dispatch key set to null, though the revision changes', async () => {
    const flag = await alice.getFlag(envId, 'custom-rule-with-segment');
    const reordered = await alice.updateTargeting(envId, flag.key, {
      revision: flag.revision,
      targeting: {
        targetUsers: flag.targetUsers,
        rules: [...flag.rules].reverse(),
        fallthrough: flag.fallthrough,
        exptIncludeAllTargets: flag.exptIncludeAllTargets,
      },
    });
    expect(reordered).not.toBe(flag.revision);
    // The reference conditions carry no id; FeatBit binds a missing id to null and stores it, so the flag is now read raw.
    const current = sandbox.control.store.rawFlag(envId, flag.key);
    expect(current.rules!.flatMap((rule) => rule.conditions!).every((condition) => condition.id === null)).toBe(true);
    await alice.updateTargeting(envId, flag.key, {
      revision: current.revision,
      targeting: {
        targetUsers: flag.targetUsers,
        rules: [...flag.rules].reverse().map((rule) => ({ ...rule, dispatchKey: null })),
        fallthrough: flag.fallthrough,
        exptIncludeAllTargets: flag.exptIncludeAllTargets,
      },
    });
    await sandbox.control.webhooksIdle();
    expect(received).toHaveLength(0);
    expect(sandbox.control.store.rawFlag(envId, flag.key).rules!.every((rule) => rule.dispatchKey === null)).toBe(true);
  });

  it('sends a segment event but no flag webhook when a segment used by a flag changes', async () => {
    const segment = await alice.getSegment(envId, '556c11b2-f08a-4e10-b0b7-af8e008125b3');
    const flagBefore = sandbox.control.store.rawFlag(envId, 'custom-rule-with-segment');
    await alice.updateSegmentTargeting(envId, segment.id, {
      included: [...segment.included, 'new-member'],
      excluded: segment.excluded,
      rules: segment.rules,
    });
    await sandbox.control.webhooksIdle();
    expect(received.map((request) => request.headers['x-featbit-event'])).toEqual(['segment.target_users_changed']);
    const payload = JSON.parse(received[0]!.body.toString('utf8'));
    expect(payload.data.kind).toBe('segment');
    expect(payload.data.object.flagReferences.map((ref: { key: string }) => ref.key)).toEqual([
      'custom-rule-with-segment',
    ]);
    const flagAfter = sandbox.control.store.rawFlag(envId, 'custom-rule-with-segment');
    expect(flagAfter.revision).toBe(flagBefore.revision);
    expect(Date.parse(flagAfter.updatedAt)).toBeGreaterThan(Date.parse(flagBefore.updatedAt));
  });

  it('sends nothing when the default template renders invalid JSON, as a multi-line description does in FeatBit', async () => {
    const segment = await alice.getSegment(envId, '0779d76b-afc6-4886-ab65-af8c004273ad');
    expect(segment.description).toContain('\n');
    await alice.updateSegmentTargeting(envId, segment.id, {
      included: segment.included,
      excluded: [...segment.excluded, 'false-6'],
      rules: segment.rules,
    });
    await sandbox.control.webhooksIdle();
    expect(received).toHaveLength(0);
    expect(sandbox.control.deliveries().at(-1)).toMatchObject({
      attempt: 0,
      events: 'segment.target_users_changed',
      success: false,
    });
    expect(sandbox.control.deliveries().at(-1)!.error).toContain('Cannot construct a valid JSON payload');
  });

  it('keeps its own Content-Type over a hook header and follows a redirect, as .NET HttpClient does (WebhookSender.cs)', async () => {
    const hook = sandbox.control.configureWebhook({
      url: receiverUrl.replace('/hook', '/moved'),
      secret: SECRET,
      events: [WebhookEvent.FlagToggled],
      retryDelayMs: 20,
      headers: [
        { key: 'Content-Type', value: 'text/plain' },
        { key: 'X-Team', value: 'ai' },
      ],
    });
    try {
      await alice.toggle(envId, 'individual-targeting', false);
      await sandbox.control.webhooksIdle();
      const redirected = received.filter((request) => request.headers['x-featbit-hook-id'] === hook.id);
      expect(redirected).toHaveLength(1);
      expect(redirected[0]!.headers['content-type']).toBe('application/json; charset=utf-8');
      expect(redirected[0]!.headers['x-team']).toBe('ai');
      expect(signatureValid(redirected[0]!)).toBe(true);
    } finally {
      sandbox.control.removeWebhook(hook.id);
    }
  });

  it('drops injected deliveries without sending them', async () => {
    sandbox.control.dropWebhooks(1);
    await alice.toggle(envId, 'returns-true', true);
    await sandbox.control.webhooksIdle();
    expect(received).toHaveLength(0);
    expect(sandbox.control.deliveries().at(-1)).toMatchObject({ dropped: true, events: 'feature_flag.toggled' });
  });
});
