import { createHash } from 'node:crypto';
import { createWriteStream, readFileSync } from 'node:fs';
import { appendFile } from 'node:fs/promises';
import { once } from 'node:events';
import type { Redis } from 'ioredis';
import { calculateJwkThumbprint, exportJWK, generateKeyPair } from 'jose';
import { publicJwkMembers } from '@featgate/openfeature/manifest';
import { canonicalJson, type JsonObject } from '../../src/canonical/index.js';
import {
  ActorKind,
  fileCheckpointStore,
  GENESIS_HASH,
  hashEntry,
  LedgerEventType,
  signCheckpoint,
  type Actor,
  type LedgerHead,
  type LedgerSigningKey,
} from '../../src/ledger/index.js';
import { jsonlLedgerFiles, writeHeadFile } from '../../src/ledger/jsonl-ledger-files.js';
import { redisLedgerKeys } from '../../src/ledger/redis-ledger-keys.js';
import { encodeRedisHead } from '../../src/ledger/redis-head-codec.js';
import { fileURLToPath } from 'node:url';
import { parseChangeRecord } from '../../src/changes/model/index.js';
import { flagSubject, ledgerPayload } from '../../src/ledger-events/index.js';
import { scaleFlag, statePayload } from './scale-support.js';

const CHUNK = 10_000;
/** Entries per signed checkpoint in a generated history (featgate signs each batch; 1M entries carry 10,000). */
const CHECKPOINT_EVERY = 100;
/** Flags the generated history approves over and over (each stage of a release is one approved-state.set). */
const HISTORY_FLAGS = 1_000;
/** One entry in this many is an approved-state.set; the rest are small entries the projections only index. */
const APPROVAL_EVERY = 10;
const ENV = 'env-scale-ledger';

/** An entry shape with its canonical and stored JSON pieces worked out once, so a million entries cost a hash each. */
interface Template {
  readonly type: string;
  readonly subject: string;
  readonly actor: Actor;
  readonly canonicalActor: string;
  readonly storedActor: string;
  readonly data: (index: number) => { canonical: string; stored: string };
}

function template(type: string, subject: string, actor: Actor, data: (index: number) => JsonObject): Template {
  return {
    type,
    subject,
    actor,
    canonicalActor: canonicalJson(actor),
    storedActor: JSON.stringify(actor),
    data: (index) => {
      const value = data(index);
      return { canonical: canonicalJson(value), stored: JSON.stringify(value) };
    },
  };
}

const owner: Actor = { id: 'bench-owner', kind: ActorKind.User, roles: ['releaseOwner'] };
const service: Actor = { id: 'featgate', kind: ActorKind.Service, roles: [] };
const approvals = Array.from({ length: HISTORY_FLAGS }, (_, index) => {
  const flag = scaleFlag(index, ((index % 97) + 1) / 100);
  const data = { state: statePayload(ENV, flag) };
  return {
    ...template(LedgerEventType.ApprovedStateSet, flagSubject(ENV, flag.key), owner, () => data),
    fixed: { canonical: canonicalJson(data), stored: JSON.stringify(data) },
  };
});
/**
 * One entry in this many creates or edits one of CHANGE_RECORDS change records (created first, then edited over and
 * over), so every length has the same current state and only the history grows.
 */
const CHANGE_EVERY = 100;
const CHANGE_RECORDS = 50;
const changeRecord = parseChangeRecord(
  readFileSync(
    fileURLToPath(new URL('../../policies/examples/high-model-provider-change.yaml', import.meta.url)),
    'utf8',
  ),
);

/** A change record of the bench (the example record under another key), as `change.created` carries it. */
export function benchChangeData(key: string): JsonObject {
  return ledgerPayload(LedgerEventType.ChangeCreated, { record: { ...changeRecord, key } }) as JsonObject;
}
const changeNumber = (index: number) => Math.floor(index / CHANGE_EVERY) % CHANGE_RECORDS;
const created = template(LedgerEventType.ChangeCreated, '', owner, (index) =>
  benchChangeData(`bench-history-${changeNumber(index)}`),
);
const edited = template(
  LedgerEventType.ChangeEdited,
  '',
  owner,
  (index) =>
    ({
      ...ledgerPayload(LedgerEventType.ChangeEdited, {
        record: { ...changeRecord, key: `bench-history-${changeNumber(index)}`, title: `edit ${index}` },
      }),
    }) as JsonObject,
);
const signed = template(LedgerEventType.ManifestSigned, `env:${ENV}`, service, (index) => ({
  envId: ENV,
  version: index,
}));

/**
 * The entry line at `index` (0-based) following `prevHash`, and its hash. The canonical text is assembled in
 * RFC 8785 key order from pre-canonicalised parts (every string is ASCII, every number an integer, so
 * JSON.stringify's encoding is the canonical one); `generate` checks samples against the ledger's own hashEntry.
 */
function entryLine(index: number, prevHash: string, at: string): { line: string; hash: string } {
  const seq = index + 1;
  const approval = index % APPROVAL_EVERY === 0 ? approvals[(index / APPROVAL_EVERY) % HISTORY_FLAGS]! : undefined;
  const change = index % CHANGE_EVERY === CHANGE_EVERY / 2 + 5;
  const changeShape = index < CHANGE_EVERY * CHANGE_RECORDS ? created : edited;
  const shape = approval ?? (change ? changeShape : signed); // approvals fall on multiples of 10, changes never do
  const data = approval ? approval.fixed : change ? changeShape.data(index) : signed.data(index);
  const type = JSON.stringify(shape.type);
  const subject = JSON.stringify(change ? `change:bench-history-${changeNumber(index)}` : shape.subject);
  const canonical = `{"actor":${shape.canonicalActor},"at":${at},"data":${data.canonical},"prevHash":"${prevHash}","seq":${seq},"subject":${subject},"type":${type}}`;
  const hash = createHash('sha256').update(canonical, 'utf8').digest('hex');
  const line = `{"seq":${seq},"type":${type},"at":${at},"actor":${shape.storedActor},"subject":${subject},"data":${data.stored},"prevHash":"${prevHash}","hash":"${hash}"}`;
  return { line, hash };
}

/**
 * Produces a hash-chained history of `count` entries in chunks, handing each chunk's lines to `sink`; every
 * CHUNK-th entry is re-hashed with the ledger's own `hashEntry` to prove the fast path builds real entries.
 */
async function generate(
  count: number,
  sink: (lines: string[]) => Promise<void>,
  key?: LedgerSigningKey,
  checkpoint?: (jws: string[]) => Promise<void>,
): Promise<LedgerHead | undefined> {
  const at = JSON.stringify(new Date().toISOString());
  let prevHash = GENESIS_HASH;
  for (let start = 0; start < count; start += CHUNK) {
    const lines: string[] = [];
    const signedEnds: { to: number; hash: string }[] = [];
    for (let index = start; index < Math.min(count, start + CHUNK); index += 1) {
      const entry = entryLine(index, prevHash, at);
      lines.push(entry.line);
      prevHash = entry.hash;
      if ((index + 1) % CHECKPOINT_EVERY === 0 || index + 1 === count)
        signedEnds.push({ to: index + 1, hash: entry.hash });
    }
    const sample = JSON.parse(lines[0]!) as { hash: string };
    if (hashEntry(sample) !== sample.hash)
      throw new Error('the generated ledger entry does not hash as the ledger hashes');
    await sink(lines);
    // one signed checkpoint per CHECKPOINT_EVERY entries, as featgate writes one per appended batch
    if (key && checkpoint) {
      const signed: string[] = [];
      for (const end of signedEnds) {
        signed.push(
          await signCheckpoint(
            {
              from: Math.max(1, end.to - CHECKPOINT_EVERY + 1),
              to: end.to,
              hash: end.hash,
              at: new Date().toISOString(),
            },
            key,
          ),
        );
      }
      await checkpoint(signed);
    }
  }
  return count === 0 ? undefined : { seq: count, hash: prevHash };
}

/** Writes an embedded ledger of `count` entries (its head anchor, and with `key` its signed checkpoints) into `dataDir`. */
export async function writeJsonlHistory(dataDir: string, count: number, key?: LedgerSigningKey): Promise<void> {
  const files = jsonlLedgerFiles(dataDir);
  const out = createWriteStream(files.ledger);
  const checkpoints = fileCheckpointStore(dataDir);
  const head = await generate(
    count,
    async (lines) => {
      if (!out.write(`${lines.join('\n')}\n`)) await once(out, 'drain');
    },
    key,
    (jws) => appendFile(checkpoints.location, jws.map((line) => `${line}\n`).join(''), { mode: 0o600 }),
  );
  out.end();
  await once(out, 'finish');
  if (head) await writeHeadFile(files.head, head);
}

/** Writes a history of `count` entries into Redis under `prefix` (the list and head key, with `key` the checkpoints). */
export async function writeRedisHistory(
  redis: Redis,
  prefix: string,
  count: number,
  key?: LedgerSigningKey,
): Promise<void> {
  const keys = redisLedgerKeys(prefix);
  await redis.del(keys.entries, keys.head, keys.checkpoints, keys.snapshot);
  const head = await generate(
    count,
    async (lines) => {
      await redis.rpush(keys.entries, ...lines);
    },
    key,
    async (jws) => void (jws.length > 0 && (await redis.rpush(keys.checkpoints, ...jws))),
  );
  await redis.set(keys.head, encodeRedisHead(head));
}

/** A fresh Ed25519 ledger signing key for a bench run. */
export async function benchLedgerKey(): Promise<LedgerSigningKey> {
  const { privateKey } = await generateKeyPair('EdDSA', { crv: 'Ed25519', extractable: true });
  const publicPart = publicJwkMembers(await exportJWK(privateKey));
  const kid = await calculateJwkThumbprint(publicPart);
  return { kid, privateKey, publicJwk: { ...publicPart, kid, alg: 'EdDSA', use: 'sig' } };
}
