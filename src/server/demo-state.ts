import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';
import { generateApiToken } from '../identity/index.js';

/** File under the data folder that keeps the demo's tokens across restarts and tells the CLI where the demo runs. */
export const DEMO_STATE_FILE = 'demo.json';

const demoStateSchema = z.object({
  tokens: z.record(z.string().min(1).max(64), z.string().min(16).max(200)),
  featgateUrl: z.string().max(500).optional(),
  /** The public JWK gates verify this demo's manifests with (public: no secret). */
  publicJwk: z.record(z.string().max(20), z.string().max(200)).optional(),
  sandbox: z
    .object({
      url: z.string().max(500),
      envId: z.string().max(100),
      sdkKey: z.string().max(200),
      adminToken: z.string().max(200),
      controlToken: z.string().max(200).optional(),
    })
    .optional(),
});

/** What the demo keeps: a token per role (stable across restarts) and where the running demo's parts listen. */
export type DemoState = z.infer<typeof demoStateSchema>;

/** Reads the demo state of `dataDir`, or undefined when there is none or it is not a demo state file. */
export function readDemoState(dataDir: string): DemoState | undefined {
  const path = join(dataDir, DEMO_STATE_FILE);
  if (!existsSync(path)) return undefined;
  const parsed = demoStateSchema.safeParse(JSON.parse(readFileSync(path, 'utf8')));
  return parsed.success ? parsed.data : undefined;
}

/** Writes the demo state, readable by its owner only (it holds tokens). */
export function writeDemoState(dataDir: string, state: DemoState): void {
  mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  const path = join(dataDir, DEMO_STATE_FILE);
  writeFileSync(path, `${JSON.stringify(state, null, 2)}\n`, { mode: 0o600 });
  chmodSync(path, 0o600);
}

/**
 * The demo token of every role: kept from the previous start when the data folder has them, so printed tokens stay
 * valid across restarts; a role new since then gets a fresh token.
 */
export function loadOrCreateDemoTokens(dataDir: string, roles: readonly string[]): Record<string, string> {
  const previous = readDemoState(dataDir)?.tokens ?? {};
  const tokens: Record<string, string> = {};
  for (const role of roles) tokens[role] = previous[role] ?? generateApiToken();
  writeDemoState(dataDir, { ...readDemoState(dataDir), tokens });
  return tokens;
}
