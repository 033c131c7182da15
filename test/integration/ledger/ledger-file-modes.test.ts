import { mkdir, mkdtemp, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  CheckpointedLedgerStore,
  fileCheckpointStore,
  JsonlLedgerStore,
  jsonlLedgerFiles,
  jsonlRecordSource,
} from '../../../src/ledger/index.js';
import { testSigningKey } from '../../unit/provider/gate-fixtures.js';
import { sampleAppend } from './ledger-store-contract.js';

const mode = async (path: string) => (await stat(path)).mode & 0o777;

describe('the embedded ledger on disk', () => {
  it('keeps its folder 0700 and its files 0600, tightening an existing world-readable install', async () => {
    const dir = join(await mkdtemp(join(tmpdir(), 'featgate-modes-')), 'data');
    await mkdir(dir, { mode: 0o755 });
    await writeFile(jsonlLedgerFiles(dir).ledger, '', { mode: 0o644 });
    const store = new CheckpointedLedgerStore({
      store: await JsonlLedgerStore.open({ dataDir: dir }),
      source: jsonlRecordSource(dir),
      checkpoints: fileCheckpointStore(dir),
      key: await testSigningKey(),
    });
    await store.append(sampleAppend(1));
    await store.close();
    const files = jsonlLedgerFiles(dir);
    expect(await mode(dir)).toBe(0o700);
    expect(await mode(files.ledger)).toBe(0o600);
    expect(await mode(files.head)).toBe(0o600);
    expect(await mode(fileCheckpointStore(dir).location)).toBe(0o600);
  });
});
