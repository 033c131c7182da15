import {
  AsyncLocalStorageTransactionContextPropagator,
  OpenFeature as ServerOpenFeature,
} from '@openfeature/server-sdk';
import { OpenFeature as WebOpenFeature } from '@openfeature/web-sdk';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SPEC_SUITES, loadSuite, type SpecScenario } from './gherkin/feature-pickles.js';
import { serverSdk, webSdk, type GateSetup, type SdkUnderTest } from './gherkin/sdk-under-test.js';
import { approvedSpecFlags, specFlags } from './gherkin/spec-flags.js';
import { SpecWorld, runStep, type ScenarioRecord } from './gherkin/spec-steps.js';
import { approvedState, signedManifest, testSigningKey } from './gate-fixtures.js';

const ENV = 'env-openfeature-spec';
const flags = specFlags();
const scenarios = SPEC_SUITES.flatMap(loadSuite);
let domains = 0;

/** contextMerging.feature needs transaction, invocation and before-hook context, which only the server SDK has. */
function appliesTo(sdk: SdkUnderTest, scenario: SpecScenario): boolean {
  return sdk.platform === 'server' || scenario.suite !== 'contextMerging';
}

async function runScenario(sdk: SdkUnderTest, scenario: SpecScenario): Promise<ScenarioRecord> {
  const world = new SpecWorld(sdk, `spec-${sdk.name.replace(' ', '-')}-${(domains += 1)}`);
  try {
    for (const step of scenario.steps) await runStep(world, step.text, step.table);
  } finally {
    await sdk.reset();
  }
  return world;
}

describe('the OpenFeature specification gherkin suites, bare and gated, server and web', () => {
  const records = new Map<string, Map<string, ScenarioRecord>>();
  let sdks: SdkUnderTest[] = [];

  beforeAll(async () => {
    ServerOpenFeature.setTransactionContextPropagator(new AsyncLocalStorageTransactionContextPropagator());
    const key = await testSigningKey();
    const states = approvedSpecFlags(flags).map((flag) => approvedState(ENV, flag, flag.fallthrough.variations[0]!.id));
    const { jws } = await signedManifest(key, ENV, states);
    const gate: GateSetup = { jws, publicKey: key.publicJwk, envId: ENV };
    sdks = [serverSdk(flags), serverSdk(flags, gate), webSdk(flags), webSdk(flags, gate)];
    for (const sdk of sdks) {
      const bySdk = new Map<string, ScenarioRecord>();
      records.set(sdk.name, bySdk);
      for (const scenario of scenarios)
        if (appliesTo(sdk, scenario)) bySdk.set(scenario.title, await runScenario(sdk, scenario));
    }
  });

  afterAll(async () => {
    await ServerOpenFeature.clearProviders();
    await WebOpenFeature.clearProviders();
  });

  it('loads every scenario of the five suites', () => {
    expect(new Set(scenarios.map((scenario) => scenario.suite))).toEqual(new Set(SPEC_SUITES));
    expect(scenarios.length).toBeGreaterThan(120);
    expect(scenarios.some((scenario) => scenario.tags.includes('@reason-codes-disabled'))).toBe(true);
  });

  it.each(scenarios.map((scenario) => [scenario.title] as const))('%s', (title) => {
    const scenario = scenarios.find((candidate) => candidate.title === title)!;
    for (const platform of ['server', 'web'] as const) {
      const bare = records.get(`${platform} bare`)!.get(title);
      const gated = records.get(`${platform} gated`)!.get(title);
      if (!bare || !gated) {
        expect(
          appliesTo(
            sdks.find((sdk) => sdk.platform === platform)!,
            scenario,
          ),
        ).toBe(false);
        continue;
      }
      // the bare provider meets the specification, so the comparison means something
      expect(
        bare.checks.filter((check) => !check.ok),
        `${platform} bare`,
      ).toEqual([]);
      expect(bare.checks.length).toBeGreaterThan(0);
      // and the gate changes nothing: same checks, same details, statuses, hook calls and contexts
      expect(gated.checks, `${platform} gated`).toEqual(bare.checks);
      expect(gated.observations, `${platform} gated`).toEqual(bare.observations);
    }
  });
});
