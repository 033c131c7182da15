import { createHash } from 'node:crypto';
import type { Redis } from 'ioredis';

/**
 * Compare-and-set append. KEYS: entries list, head key, checkpoints list. ARGV: the head the batch was built on
 * (`''` for an empty ledger), the new head, the batch's signed checkpoint (`''` for none), then the entry JSON
 * strings. Appends only if the stored head still is the one the batch was built on; otherwise returns the current
 * head so the caller rebuilds and retries. Entries and their checkpoint land together or not at all. Hashes and
 * signatures are computed by the client because Redis Lua has neither.
 */
const SCRIPT = `
local current = redis.call('GET', KEYS[2]) or ''
if current ~= ARGV[1] then
  return {0, current}
end
redis.call('RPUSH', KEYS[1], unpack(ARGV, 4))
redis.call('SET', KEYS[2], ARGV[2])
if ARGV[3] ~= '' then
  redis.call('RPUSH', KEYS[3], ARGV[3])
end
return {1, ARGV[2]}
`;

const SCRIPT_SHA = createHash('sha1').update(SCRIPT).digest('hex');

/** What the script answered: whether the batch was appended, and the head now stored. */
export interface AppendScriptResult {
  readonly appended: boolean;
  readonly head: string;
}

/** Runs the append script by its SHA, loading it on first use (NOSCRIPT) without a separate round trip. */
export async function runAppendScript(
  redis: Redis,
  keys: readonly [entries: string, head: string, checkpoints: string],
  expectedHead: string,
  newHead: string,
  lines: readonly string[],
  checkpoint = '',
): Promise<AppendScriptResult> {
  const args = [expectedHead, newHead, checkpoint, ...lines];
  let reply: unknown;
  try {
    reply = await redis.evalsha(SCRIPT_SHA, 3, ...keys, ...args);
  } catch (error) {
    if (!String((error as Error).message).startsWith('NOSCRIPT')) throw error;
    reply = await redis.eval(SCRIPT, 3, ...keys, ...args);
  }
  const [appended, head] = reply as [number, string];
  return { appended: appended === 1, head };
}
