import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  FeatBitBadRequestError,
  FeatBitConflictError,
  FeatBitForbiddenError,
  FeatBitNotFoundError,
  FeatBitRestClient,
  FeatBitUnauthorizedError,
  FeatBitUnavailableError,
  FeatBitUnprocessableError,
  FlagWriteKind,
  updateFlagWithRevision,
} from '../../../src/featbit/rest-client/index.js';
import { createSandbox, type Sandbox } from '../../../src/sandbox/index.js';
import { readReference } from '../../support/reference.js';

let sandbox: Sandbox;
let envId: string;
const fastRetry = { attempts: 4, baseDelayMs: 10, maxDelayMs: 40 };
const clientFor = (token: string, overrides: { timeoutMs?: number; attempts?: number } = {}) =>
  new FeatBitRestClient({
    baseUrl: sandbox.url,
    accessToken: token,
    timeoutMs: overrides.timeoutMs ?? 2_000,
    retry: { ...fastRetry, attempts: overrides.attempts ?? fastRetry.attempts },
  });

beforeAll(async () => {
  sandbox = await createSandbox({
    seeds: [
      readReference('server-sdk-flags.eval-server-fakes.json'),
      readReference('server-sdk-segments.eval-server-fakes.json'),
    ],
  });
  envId = sandbox.envs[0]!.id;
});
afterAll(() => sandbox.close());

describe('FeatBit REST client against the sandbox', () => {
  it('recovers from injected 5xx answers', async () => {
    const client = clientFor(sandbox.tokens.demo.token);
    sandbox.control.failRequests({ count: 2, status: 503 });
    const flag = await client.getFlag(envId, 'returns-true');
    expect(flag.key).toBe('returns-true');
  });

  it('recovers from a timeout caused by injected latency', async () => {
    const client = clientFor(sandbox.tokens.demo.token, { timeoutMs: 150 });
    sandbox.control.addLatency(600, { count: 1 });
    const page = await client.listFlags(envId, { pageSize: 2 });
    expect(page.totalCount).toBe(5);
    expect(page.items).toHaveLength(2);
  });

  it('recovers from refused connections', async () => {
    const client = new FeatBitRestClient({
      baseUrl: sandbox.url,
      accessToken: sandbox.tokens.demo.token,
      retry: { attempts: 8, baseDelayMs: 100, maxDelayMs: 200 },
    });
    await sandbox.control.refuseConnections(250);
    await expect(fetch(`${sandbox.url}/sandbox/info`)).rejects.toThrow();
    const flag = await client.getFlag(envId, 'return-10p-true');
    expect(flag.key).toBe('return-10p-true');
  });

  it('gives up after its bounded attempts with an unavailable error', async () => {
    const client = clientFor(sandbox.tokens.demo.token, { attempts: 2 });
    sandbox.control.failRequests({ count: 2 });
    const error = await client.getFlag(envId, 'returns-true').catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(FeatBitUnavailableError);
    expect((error as FeatBitUnavailableError).featBitMessage).toBe('InternalServerError');
  });

  it('re-reads and re-plans when a flag admin edits between read and write', async () => {
    const service = clientFor(sandbox.tokens.demo.token);
    const alice = clientFor(sandbox.tokens.issue('alice').token);
    let plans = 0;
    const result = await updateFlagWithRevision(service, envId, 'individual-targeting', async (flag) => {
      plans += 1;
      if (plans === 1) await alice.toggle(envId, 'individual-targeting', false);
      return [{ kind: FlagWriteKind.OffVariation, offVariationId: flag.variations[0]!.id, comment: 'converge' }];
    });
    expect(result.attempts).toBe(2);
    const flag = await service.getFlag(envId, 'individual-targeting');
    expect(flag.revision).toBe(result.revision);
    expect(flag.isEnabled).toBe(false);
    const log = await service.listAuditLogs(envId, { refId: flag.id });
    expect(log.items.map((item) => item.creatorName)).toEqual(['sandbox-demo', 'alice']);
    expect(JSON.parse(log.items[1]!.dataChange.previous!).isEnabled).toBe(true);
  });

  it('surfaces a stale revision as a conflict without retrying the write', async () => {
    const client = clientFor(sandbox.tokens.demo.token);
    const flag = await client.getFlag(envId, 'two-custom-rules');
    const newRevision = await client.updateOffVariation(envId, 'two-custom-rules', {
      revision: flag.revision,
      offVariationId: flag.variations[0]!.id,
    });
    expect(newRevision).not.toBe(flag.revision);
    const stale = client.updateOffVariation(envId, 'two-custom-rules', {
      revision: flag.revision,
      offVariationId: flag.variations[1]!.id,
    });
    await expect(stale).rejects.toBeInstanceOf(FeatBitConflictError);
    await expect(stale).rejects.toMatchObject({ status: 409, errors: ['Conflict'] });
  });

  it('surfaces 401, 403, 404, 400 and 422 as typed errors with FeatBit messages', async () => {
    const demo = clientFor(sandbox.tokens.demo.token);
    const unknown = clientFor('api-not-a-real-token');
    const readOnly = clientFor(sandbox.tokens.issue('auditor', { readOnly: true }).token);
    await expect(unknown.getFlag(envId, 'returns-true')).rejects.toSatisfy(
      (error) =>
        error instanceof FeatBitUnauthorizedError &&
        error.featBitMessage === 'Unauthorized' &&
        !error.message.includes('api-not-a-real-token'),
    );
    await expect(readOnly.toggle(envId, 'returns-true', false)).rejects.toSatisfy(
      (error) => error instanceof FeatBitForbiddenError && error.featBitMessage === 'Forbidden',
    );
    await expect(demo.getFlag(envId, 'no-such-flag')).rejects.toSatisfy(
      (error) => error instanceof FeatBitNotFoundError && error.featBitMessage === 'ResourceNotFound',
    );
    const flag = await demo.getFlag(envId, 'returns-true');
    await expect(
      demo.updateOffVariation(envId, 'returns-true', { revision: flag.revision, offVariationId: '' }),
    ).rejects.toSatisfy(
      (error) => error instanceof FeatBitBadRequestError && error.featBitMessage === 'offVariationId_is_required',
    );
    await expect(demo.deleteFlag(envId, 'returns-true')).rejects.toSatisfy(
      (error) =>
        error instanceof FeatBitUnprocessableError &&
        error.status === 422 &&
        error.featBitMessage === 'CannotDeleteUnarchivedFeatureFlag',
    );
  });

  it('treats a toggle to the current state as a no-op that returns the same revision', async () => {
    const client = clientFor(sandbox.tokens.demo.token);
    const flag = await client.getFlag(envId, 'return-10p-true');
    expect(await client.toggle(envId, 'return-10p-true', flag.isEnabled)).toBe(flag.revision);
  });

  it('applies a JSON Patch without a revision check and records it in the audit log', async () => {
    const client = clientFor(sandbox.tokens.demo.token);
    const before = await client.getFlag(envId, 'returns-true');
    await client.patchFlag(envId, 'returns-true', [{ op: 'replace', path: '/description', value: 'patched' }]);
    const after = await client.getFlag(envId, 'returns-true');
    expect(after.description).toBe('patched');
    expect(after.revision).not.toBe(before.revision);
    const [latest] = (await client.listAuditLogs(envId, { refId: after.id, pageSize: 1 })).items;
    expect(latest!.instructions).toEqual([{ kind: 'UpdateDescription', value: 'patched' }]);
  });
});

describe('sandbox request binding, as FeatBit’s ASP.NET controllers answer it', () => {
  const put = (path: string, body: unknown, token = sandbox.tokens.demo.token) =>
    fetch(`${sandbox.url}/api/v1/envs/${envId}/feature-flags/${path}`, {
      method: 'PUT',
      headers: { Authorization: token, 'Content-Type': 'application/json' },
      body: typeof body === 'string' ? body : JSON.stringify(body),
    });

  it('answers a revision that is not a GUID with 400 problem details and changes nothing', async () => {
    const client = clientFor(sandbox.tokens.demo.token);
    const before = await client.getFlag(envId, 'return-10p-true');
    const response = await put('return-10p-true/off-variation', {
      revision: 'not-a-guid',
      offVariationId: before.variations[0]!.id,
    });
    expect(response.status).toBe(400);
    expect(response.headers.get('content-type')).toContain('application/problem+json');
    const problem = (await response.json()) as { title: string; status: number; errors: Record<string, string[]> };
    expect(problem).toMatchObject({ title: 'One or more validation errors occurred.', status: 400 });
    expect(problem.errors['$.revision']![0]).toContain('System.Guid');
    const typed = client.updateTargeting(envId, 'return-10p-true', { revision: 'not-a-guid', targeting: before });
    await expect(typed).rejects.toSatisfy(
      (error) => error instanceof FeatBitBadRequestError && error.featBitMessage.startsWith('$.revision: '),
    );
    expect((await client.getFlag(envId, 'return-10p-true')).revision).toBe(before.revision);
  });

  it('treats a missing revision as Guid.Empty, a stale one: 409 Conflict', async () => {
    const client = clientFor(sandbox.tokens.demo.token);
    const before = await client.getFlag(envId, 'return-10p-true');
    const response = await put('return-10p-true/off-variation', { offVariationId: before.variations[0]!.id });
    expect(response.status).toBe(409);
    expect(await response.json()).toEqual({ success: false, errors: ['Conflict'], data: null });
    const upper = await put('return-10p-true/off-variation', {
      revision: before.revision.toUpperCase(),
      offVariationId: before.variations[0]!.id,
    });
    expect(upper.status).toBe(200);
  });

  it('answers a body that is not JSON and a toggle status that is not a boolean with problem details', async () => {
    const broken = await put('return-10p-true/targeting', '{"revision":');
    expect(broken.status).toBe(400);
    expect(broken.headers.get('content-type')).toContain('application/problem+json');
    const toggle = await put('return-10p-true/toggle/maybe', {});
    expect(toggle.status).toBe(400);
    expect(((await toggle.json()) as { errors: Record<string, string[]> }).errors).toEqual({
      status: ["The value 'maybe' is not valid."],
    });
    const comment = await put('return-10p-true/archive', { comment: 5 });
    expect(comment.status).toBe(400);
  });

  it('checks names as UpdateNameValidator does: blank is required, over 128 characters invalid', async () => {
    const blank = await put('return-10p-true/name', { name: '   ' });
    expect(await blank.json()).toEqual({ success: false, errors: ['name_is_required'], data: null });
    const long = await put('return-10p-true/name', { name: 'n'.repeat(129) });
    expect(long.status).toBe(400);
    expect(await long.json()).toEqual({ success: false, errors: ['name_is_invalid'], data: null });
  });
});
