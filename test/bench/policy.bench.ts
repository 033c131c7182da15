import { readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';
import {
  EvidenceType,
  readChangeRecordFile,
  ReviewDecision,
  EvidenceResult,
  type EvidenceItem,
  type Review,
} from '../../src/changes/model/index.js';
import { decide, DEFAULT_POLICY_PATH, evaluate, loadPolicyFile } from '../../policies/index.js';
import { opsPerSecond, type BenchContext } from './bench-context.js';

const examplesDir = fileURLToPath(new URL('../../policies/examples/', import.meta.url));

/** Policy evaluations and decisions per second over the example change records. */
export async function run(ctx: BenchContext): Promise<void> {
  const policy = await loadPolicyFile(DEFAULT_POLICY_PATH);
  const changes = await Promise.all(
    readdirSync(examplesDir)
      .sort()
      .map((name) => readChangeRecordFile(join(examplesDir, name))),
  );
  const reviews: Review[] = [
    {
      reviewer: 'sec@example.com',
      roles: ['security'],
      decision: ReviewDecision.Approve,
      comment: '',
      at: '2026-03-01T10:00:00Z',
    },
    {
      reviewer: 'owner@example.com',
      roles: ['featureOwner', 'aiPlatformOwner', 'dataOwner', 'safetyOwner'],
      decision: ReviewDecision.Approve,
      comment: '',
      at: '2026-03-01T11:00:00Z',
    },
  ];
  const evidence: EvidenceItem[] = [
    EvidenceType.OfflineEval,
    EvidenceType.RollbackTest,
    EvidenceType.ShadowTraffic,
  ].map((type) => ({
    type,
    summary: 'ok',
    result: EvidenceResult.Passed,
  }));
  const evaluations = changes.map((change) => evaluate(change, policy));

  let next = 0;
  const baseline = await opsPerSecond(() => structuredClone(changes[next++ % changes.length]), 1000);
  const evaluationsPerSecond = await opsPerSecond(() => evaluate(changes[next++ % changes.length]!, policy), 1500);
  ctx.report(
    'policy evaluate',
    evaluationsPerSecond,
    'evaluations/s',
    `${(evaluationsPerSecond / baseline).toFixed(2)}x structuredClone of the same record; target 20000/s`,
  );
  const decisionsPerSecond = await opsPerSecond(() => {
    const index = next++ % changes.length;
    return decide(changes[index]!, reviews, evidence, policy, evaluations[index]);
  }, 1500);
  ctx.report(
    'policy decide',
    decisionsPerSecond,
    'decisions/s',
    `${(decisionsPerSecond / baseline).toFixed(2)}x structuredClone of the same record`,
  );
}
