import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  FeatBitAction,
  FeatBitRestClient,
  PermissionState,
  PROBED_ACTIONS,
} from '../../../src/featbit/rest-client/index.js';
import { createSandbox, PolicyEffect, SandboxPermission, type Sandbox } from '../../../src/sandbox/index.js';
import { readReference } from '../../support/reference.js';

let sandbox: Sandbox;
let envId: string;
const clientFor = (token: string) =>
  new FeatBitRestClient({ baseUrl: sandbox.url, accessToken: token, timeoutMs: 2_000 });

beforeAll(async () => {
  sandbox = await createSandbox({ seeds: [readReference('server-sdk-flags.eval-server-fakes.json')] });
  envId = sandbox.envs[0]!.id;
});
afterAll(() => sandbox.close());

describe("probing a token's permissions on a flag (FeatBit checks them before binding and validation)", () => {
  it('finds every probe-able action held by a full token and writes nothing', async () => {
    const before = sandbox.control.store.rawFlag(envId, 'returns-true');
    const logs = sandbox.control.store.auditLogs(envId).length;
    const client = clientFor(sandbox.tokens.issue('full').token);
    for (const action of PROBED_ACTIONS)
      expect(await client.probePermission(envId, 'returns-true', action)).toBe(PermissionState.Granted);
    expect(sandbox.control.store.rawFlag(envId, 'returns-true')).toEqual(before);
    expect(sandbox.control.store.auditLogs(envId)).toHaveLength(logs);
  });

  it('finds the missing action of a token, per flag resource (a tag-scoped statement)', async () => {
    const granted = Object.values(SandboxPermission).filter(
      (permission) => permission !== SandboxPermission.ToggleFlag,
    );
    const scoped = {
      effect: PolicyEffect.Allow,
      actions: [SandboxPermission.ToggleFlag],
      resources: ['project/*:env/*:flag/*;governed'],
    };
    const client = clientFor(sandbox.tokens.issue('scoped', { permissions: [...granted, scoped] }).token);
    expect(await client.probePermission(envId, 'returns-true', FeatBitAction.ToggleFlag)).toBe(PermissionState.Missing);
    expect(await client.probePermission(envId, 'returns-true', FeatBitAction.UpdateFlagVariations)).toBe(
      PermissionState.Granted,
    );
    // JSON Patch needs authentication only in FeatBit 5.4.2.
    expect(await client.probePermission(envId, 'returns-true', FeatBitAction.PatchFlag)).toBe(PermissionState.Granted);
  });

  it('cannot probe targeting (FeatBit checks it inside the write) and says so', async () => {
    const client = clientFor(sandbox.tokens.issue('any').token);
    expect(await client.probePermission(envId, 'returns-true', FeatBitAction.UpdateFlagDefaultRule)).toBe(
      PermissionState.Unknown,
    );
  });

  it('says nothing when JSON Patch meets a flag that does not exist (404)', async () => {
    const client = clientFor(sandbox.tokens.issue('other').token);
    expect(await client.probePermission(envId, 'no-such-flag', FeatBitAction.PatchFlag)).toBe(PermissionState.Unknown);
  });
});
