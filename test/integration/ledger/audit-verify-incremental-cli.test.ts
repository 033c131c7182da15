import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  ActorKind,
  buildEntry,
  jsonlLedgerFiles,
  LedgerEventType,
  openCheckpointedLedger,
  serializeEntry,
  signLedgerBase,
  writeHeadFile,
  type LedgerAppend,
} from '../../../src/ledger/index.js';
import { fileSnapshotStore } from '../../../src/projections/index.js';
import { openLedgerWithProjections } from '../../../src/server/open-ledger-projections.js';
import { ledgerTestKey } from './ledger-test-key.js';
import { runFeatgate } from './run-cli.js';

const key = await ledgerTestKey();
const publicKey = JSON.stringify(key.publicJwk);
const reviewer = (index: number): LedgerAppend => ({
  type: LedgerEventType.ReviewSubmitted,
  actor: { id: `r-${index}`, kind: ActorKind.User },
  subject: `change:CH-${index}`,
  data: { note: `review ${index}` },
});

/** A ledger of 40 entries whose projection snapshot (and so its signed base) is at seq 30. */
async function ledgerWithBaseAt30(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'featgate-audit-incremental-'));
  const first = await openLedgerWithProjections({ dataDir: dir, key, snapshotEvery: 1_000_000 });
  for (let index = 1; index <= 30; index += 1) await first.ledger.append(reviewer(index));
  await first.close();
  await first.ledger.close();
  const more = await openCheckpointedLedger({ dataDir: dir, key });
  for (let index = 31; index <= 40; index += 1) await more.append(reviewer(index));
  await more.close();
  return dir;
}

/** Rewrites the text of seq `seq` in place, keeping every byte offset (so only a walk from genesis reads it). */
async function editInPlace(dir: string, seq: number): Promise<void> {
  const path = jsonlLedgerFiles(dir).ledger;
  const lines = (await readFile(path, 'utf8')).split('\n');
  const edited = lines[seq - 1]!.replace(`review ${seq}`, `REVIEW ${seq}`);
  expect(edited).not.toBe(lines[seq - 1]);
  lines[seq - 1] = edited;
  await writeFile(path, lines.join('\n'));
}

const verify = (dir: string, ...extra: string[]) =>
  runFeatgate(['audit', 'verify', '--data-dir', dir, '--public-key', publicKey, ...extra]);

describe('featgate audit verify --from-checkpoint (incremental) and from genesis', () => {
  it('both modes pass an intact ledger; the incremental one says where it started', async () => {
    const dir = await ledgerWithBaseAt30();
    expect(await verify(dir)).toMatchObject({ code: 0 });
    const incremental = await verify(dir, '--from-checkpoint');
    expect(incremental.code).toBe(0);
    expect(incremental.stdout).toMatch(/^ok: 40 entries/);
    expect(incremental.stderr).toContain('from the signed base at seq 30');
  });

  it('an entry edited before the base is caught from genesis; the incremental mode does not re-read it and says so', async () => {
    const dir = await ledgerWithBaseAt30();
    await editInPlace(dir, 5);
    const genesis = await verify(dir);
    expect(genesis.code).toBe(1);
    expect(genesis.stdout).toMatch(/^seq 5: edited \(hash mismatch\)/);
    const incremental = await verify(dir, '--from-checkpoint');
    expect(incremental.code).toBe(0);
    expect(incremental.stderr).toContain('entries before it not re-read');
  });

  it('the incremental mode checks every entry after the base', async () => {
    const dir = await ledgerWithBaseAt30();
    await editInPlace(dir, 35);
    const incremental = await verify(dir, '--from-checkpoint');
    expect(incremental.code).toBe(1);
    expect(incremental.stdout).toMatch(/^seq 35: edited \(hash mismatch\)/);
  });

  it('the incremental mode catches an entry appended after the base without the ledger key', async () => {
    const dir = await ledgerWithBaseAt30();
    const files = jsonlLedgerFiles(dir);
    const last = JSON.parse((await readFile(files.ledger, 'utf8')).trimEnd().split('\n').at(-1)!) as {
      seq: number;
      hash: string;
    };
    const forged = buildEntry(reviewer(41), { seq: last.seq, hash: last.hash });
    await writeFile(files.ledger, `${serializeEntry(forged)}\n`, { flag: 'a' });
    await writeHeadFile(files.head, { seq: forged.seq, hash: forged.hash });
    const incremental = await verify(dir, '--from-checkpoint');
    expect(incremental.code).toBe(1);
    expect(incremental.stdout).toMatch(/^seq 41: unsigned/);
  });

  it('the incremental mode checks the base it starts from: one signed by another key, or one naming another hash, is refused', async () => {
    const dir = await ledgerWithBaseAt30();
    const snapshots = fileSnapshotStore(dir);
    const stored = (await snapshots.read())!;
    const payload = JSON.parse(Buffer.from(stored.seal.split('.')[1]!, 'base64url').toString('utf8')) as Parameters<
      typeof signLedgerBase
    >[0];

    await snapshots.write({ ...stored, seal: await signLedgerBase(payload, await ledgerTestKey()) });
    const foreign = await verify(dir, '--from-checkpoint');
    expect(foreign.code).not.toBe(0);
    expect(foreign.stderr).toContain('is not signed by the ledger key');

    await snapshots.write({ ...stored, seal: await signLedgerBase({ ...payload, hash: 'f'.repeat(64) }, key) });
    const otherChain = await verify(dir, '--from-checkpoint');
    expect(otherChain.code).toBe(1);
    expect(otherChain.stdout).toMatch(/^seq 30: forged \(the entry at the verified base differs from it/);
  });

  it('refuses to verify incrementally without the public key that signs the base', async () => {
    const dir = await ledgerWithBaseAt30();
    const outcome = await runFeatgate(['audit', 'verify', '--data-dir', dir, '--from-checkpoint']);
    expect(outcome.code).not.toBe(0);
    expect(outcome.stderr).toContain('--from-checkpoint needs --public-key');
  });
});
