import type { JWK } from 'jose';
import { ConfigError } from '../errors/index.js';
import type { CheckpointStore } from './checkpoint-store.js';
import { verifyCheckpoint, type LedgerCheckpoint } from './ledger-checkpoint.js';
import type { LedgerRecord, LedgerRecordSource } from './ledger-record-source.js';
import type { LedgerBase } from './ledger-base.js';
import type { LedgerHead } from './ledger-store.js';
import type { LedgerVerification } from './ledger-verification.js';
import { TamperKind } from './tamper-kind.js';
import { verifyLedger } from './verify-ledger.js';

/** What, beyond the chain itself, a ledger is checked against. */
export interface WitnessOptions {
  /** Signed checkpoints, checked with `publicKeys`; with keys, every entry must be covered by one. */
  readonly checkpoints?: CheckpointStore;
  /** Public keys of the ledger signing key; without them checkpoints are not checked. */
  readonly publicKeys?: readonly JWK[];
  /** A head witnessed elsewhere (a manifest's `ledgerHead`, an auditor's note): the chain must contain it. */
  readonly expectHead?: LedgerHead;
  /**
   * Verify from this signed base instead of genesis (already checked by `verifyLedgerBase`): only its entry, the
   * chain after it and the checkpoints written after it are read. Tampering before the base is not seen; genesis mode is.
   */
  readonly base?: LedgerBase;
}

/**
 * Verifies a ledger against what its store cannot forge without the key: the chain (`verifyLedger`), then every
 * signed checkpoint (valid signature, its entry present with its hash, so rewrite-and-rehash and truncation show),
 * then that checkpoints cover every entry (so appended forgeries show), then the witnessed head. Truncating both the
 * ledger and its checkpoints back to an older signed state is caught only by a witnessed head (`expectHead`), which
 * every gate holds in its manifest.
 */
export async function verifyLedgerWitnessed(
  source: LedgerRecordSource,
  options: WitnessOptions,
): Promise<LedgerVerification> {
  const checkpoints: LedgerCheckpoint[] = [];
  const checking =
    options.checkpoints !== undefined && options.publicKeys !== undefined && options.publicKeys.length > 0;
  const base = options.base;
  if (base && options.expectHead && options.expectHead.seq > 0 && options.expectHead.seq < base.seq) {
    throw new ConfigError(
      `the witnessed head ${options.expectHead.seq} lies before the verified base ${base.seq}; verify from genesis`,
    );
  }
  let checkpointsEnd: number | undefined;
  if (checking) {
    const tail = await options.checkpoints!.readFrom(base ? base.checkpoints : 0);
    checkpointsEnd = tail.end;
    const texts = tail.checkpoints;
    for (const [index, jws] of texts.entries()) {
      const checkpoint = await verifyCheckpoint(jws, options.publicKeys!);
      if (!checkpoint) {
        return {
          ok: false,
          entries: 0,
          problem: {
            seq: 0,
            kind: TamperKind.Forged,
            detail: `checkpoint ${index + 1} in ${options.checkpoints!.location} is not signed by the ledger key`,
          },
        };
      }
      checkpoints.push(checkpoint);
    }
  }
  const wanted = new Set<number>(checkpoints.map((checkpoint) => checkpoint.to));
  if (options.expectHead && options.expectHead.seq > 0) wanted.add(options.expectHead.seq);
  const captured = new Map<number, string>();
  const chain = await verifyLedger(capturing(source, wanted, captured, base ? base.seq - 1 : 0), base);
  if (!chain.ok) return chain;
  if (base) captured.set(base.seq, base.hash);
  // a checkpoint written after the base may still cover entries before it (another writer's batch): its hash was
  // checked when that part was verified, so only checkpoints reaching the base or beyond are checked here
  const relevant = base ? checkpoints.filter((checkpoint) => checkpoint.to >= base.seq) : checkpoints;
  const hashAt = (seq: number): string | undefined => captured.get(seq);
  const tampered = (seq: number, kind: TamperKind, detail: string): LedgerVerification => ({
    ok: false,
    entries: chain.entries,
    problem: { seq, kind, detail },
  });

  for (const checkpoint of relevant) {
    if (checkpoint.to > chain.entries) {
      return tampered(
        chain.entries + 1,
        TamperKind.Deleted,
        `the ledger ends at seq ${chain.entries} but a signed checkpoint covers seq ${checkpoint.to}`,
      );
    }
    if (hashAt(checkpoint.to) !== checkpoint.hash) {
      return tampered(
        checkpoint.to,
        TamperKind.Forged,
        `hash differs from the signed checkpoint (entries up to seq ${checkpoint.to} were rewritten and rehashed)`,
      );
    }
  }
  if (checking) {
    const uncovered = firstUncovered(relevant, chain.entries, base ? base.seq + 1 : 1);
    if (uncovered !== undefined) {
      return tampered(
        uncovered,
        TamperKind.Unsigned,
        `no signed checkpoint covers seq ${uncovered}: it was not appended by featgate`,
      );
    }
  }
  const expected = options.expectHead;
  if (expected && expected.seq > 0) {
    if (expected.seq > chain.entries) {
      return tampered(
        chain.entries + 1,
        TamperKind.Deleted,
        `the ledger ends at seq ${chain.entries} but the witnessed head is seq ${expected.seq}`,
      );
    }
    if (hashAt(expected.seq) !== expected.hash) {
      return tampered(
        expected.seq,
        TamperKind.Forged,
        `hash differs from the witnessed head ${expected.seq}:${expected.hash}`,
      );
    }
  }
  return checkpointsEnd === undefined ? chain : { ...chain, checkpointsEnd };
}

function firstUncovered(checkpoints: readonly LedgerCheckpoint[], entries: number, first: number): number | undefined {
  const ranges = [...checkpoints].sort((a, b) => a.from - b.from);
  let next = first;
  for (const range of ranges) {
    if (range.to < next) continue;
    if (range.from > next) return next;
    next = Math.max(next, range.to + 1);
  }
  return next <= entries ? next : undefined;
}

/**
 * The source, remembering the stored hash of the complete records at the wanted positions (seq = position when the
 * chain is intact), so memory grows by a hash per checkpoint, not by the ledger.
 */
function capturing(
  source: LedgerRecordSource,
  wanted: ReadonlySet<number>,
  captured: Map<number, string>,
  skipped: number,
): LedgerRecordSource {
  async function* capture(records: AsyncIterable<LedgerRecord>, before: number): AsyncGenerator<LedgerRecord> {
    let position = before;
    for await (const record of records) {
      if (record.complete) {
        position += 1;
        if (wanted.has(position)) captured.set(position, storedHash(record.text));
      }
      yield record;
    }
  }
  return {
    location: source.location,
    readAnchor: () => source.readAnchor(),
    records: () => capture(source.records(), 0),
    recordsFrom: (seq, offset) => capture(source.recordsFrom(seq, offset), skipped),
  };
}

function storedHash(text: string): string {
  try {
    const hash = (JSON.parse(text) as { hash?: unknown }).hash;
    return typeof hash === 'string' ? hash : '';
  } catch {
    return '';
  }
}

/** Parses `<seq>:<hash>` as `--expect-head` and manifests' witnesses spell a head. */
export function parseLedgerHead(text: string): LedgerHead | undefined {
  const match = /^(\d+):([0-9a-f]{64})$/.exec(text.trim());
  return match ? { seq: Number(match[1]), hash: match[2]! } : undefined;
}
