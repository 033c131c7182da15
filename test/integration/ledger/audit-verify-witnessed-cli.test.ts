import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  ActorKind,
  CheckpointedLedgerStore,
  fileCheckpointStore,
  JsonlLedgerStore,
  jsonlLedgerFiles,
  jsonlRecordSource,
  LedgerEventType,
  serializeEntry,
  writeHeadFile,
} from '../../../src/ledger/index.js';
import { testSigningKey } from '../../unit/provider/gate-fixtures.js';
import { runFeatgate } from './run-cli.js';

const key = await testSigningKey();
const publicKey = JSON.stringify(key.publicJwk);

async function checkpointedLedger(entries: number) {
  const dir = await mkdtemp(join(tmpdir(), 'featgate-audit-cli-'));
  const store = new CheckpointedLedgerStore({
    store: await JsonlLedgerStore.open({ dataDir: dir }),
    source: jsonlRecordSource(dir),
    checkpoints: fileCheckpointStore(dir),
    key,
  });
  for (let index = 0; index < entries; index += 1) {
    await store.append({
      type: LedgerEventType.ReviewSubmitted,
      actor: { id: `r-${index}`, kind: ActorKind.User },
      subject: `change:CH-${index}`,
      data: { index },
    });
  }
  const all = await store.readAfter(0);
  const head = (await store.head())!;
  await store.close();
  return { dir, all, head: `${head.seq}:${head.hash}` };
}

describe('featgate audit verify against signed checkpoints and a witnessed head', () => {
  it('exits 0 for an intact ledger with its checkpoints and the head a manifest witnessed', async () => {
    const { dir, head } = await checkpointedLedger(5);
    const outcome = await runFeatgate([
      'audit',
      'verify',
      '--data-dir',
      dir,
      '--public-key',
      publicKey,
      '--expect-head',
      head,
    ]);
    expect(outcome).toMatchObject({ code: 0, stdout: `ok: 5 entries, head ${head.split(':')[1]}\n` });
  });

  it('exits 1 when ledger and checkpoints were both cut back, naming the first missing seq', async () => {
    const { dir, all, head } = await checkpointedLedger(5);
    const files = jsonlLedgerFiles(dir);
    await writeFile(
      files.ledger,
      all
        .slice(0, 3)
        .map((entry) => `${serializeEntry(entry)}\n`)
        .join(''),
    );
    await writeHeadFile(files.head, { seq: 3, hash: all[2]!.hash });
    const checkpoints = fileCheckpointStore(dir);
    await writeFile(
      checkpoints.location,
      (await checkpoints.readAll())
        .slice(0, 3)
        .map((line) => `${line}\n`)
        .join(''),
    );
    expect((await runFeatgate(['audit', 'verify', '--data-dir', dir, '--public-key', publicKey])).code).toBe(0);
    const outcome = await runFeatgate([
      'audit',
      'verify',
      '--data-dir',
      dir,
      '--public-key',
      publicKey,
      '--expect-head',
      head,
    ]);
    expect(outcome.code).toBe(1);
    expect(outcome.stdout).toMatch(/^seq 4: deleted \(the ledger ends at seq 3 but the witnessed head is seq 5\)/);
  });

  it('refuses a malformed head and a private key with precise messages', async () => {
    const { dir } = await checkpointedLedger(1);
    const badHead = await runFeatgate(['audit', 'verify', '--data-dir', dir, '--expect-head', '5:xyz']);
    expect(badHead.code).not.toBe(0);
    expect(badHead.stderr).toContain('--expect-head: expected <seq>:<64 lowercase hex digits>');
    const privateJwk = JSON.stringify({ ...key.publicJwk, d: 'secret' });
    const badKey = await runFeatgate(['audit', 'verify', '--data-dir', dir, '--public-key', privateJwk]);
    expect(badKey.code).not.toBe(0);
    expect(badKey.stderr).toContain('--public-key: expected a public Ed25519 JWK');
    expect(badKey.stderr).not.toContain('secret');
  });
});
