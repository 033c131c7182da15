import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const bin = fileURLToPath(new URL('../../../src/cli/featgate.mjs', import.meta.url));
const dataDir = mkdtempSync(join(tmpdir(), 'featgate-demo-walk-'));
let server: ChildProcess | undefined;
let url = '';
let tokens: Record<string, string> = {};

/** Runs one CLI command as the demo person holding `who`'s printed token. */
function featgate(who: string, args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const env = {
    ...process.env,
    FEATGATE_DATA_DIR: dataDir,
    FEATGATE_URL: url,
    FEATGATE_TOKEN: tokens[who] ?? '',
    LOG_LEVEL: 'warn',
  };
  const child = spawn(process.execPath, [bin, ...args], { env });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk) => (stdout += String(chunk)));
  child.stderr.on('data', (chunk) => (stderr += String(chunk)));
  return new Promise((resolve) => child.on('exit', (code) => resolve({ code, stdout, stderr })));
}

/** The command's JSON answer; fails the test with its stderr when it did not succeed. */
async function json(who: string, args: string[]): Promise<any> {
  const result = await featgate(who, [...args, '--json']);
  expect(result.code, `${args.join(' ')} as ${who}: ${result.stderr}`).toBe(0);
  return JSON.parse(result.stdout);
}

beforeAll(async () => {
  server = spawn(process.execPath, [bin, 'serve', '--port', '0'], {
    env: { ...process.env, FEATGATE_DATA_DIR: dataDir, LOG_LEVEL: 'warn', LOG_FORMAT: 'json' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let banner = '';
  server.stdout!.on('data', (chunk: Buffer) => (banner += chunk.toString('utf8')));
  const deadline = Date.now() + 60_000;
  while (!banner.includes('next steps')) {
    if (Date.now() > deadline || server.exitCode !== null) throw new Error(`serve did not come up:\n${banner}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  url = /featgate listening on (\S+)/.exec(banner)![1]!;
  tokens = JSON.parse(readFileSync(join(dataDir, 'demo.json'), 'utf8')).tokens;
}, 90_000);

afterAll(async () => {
  if (server && server.exitCode === null) {
    const exited = new Promise((resolve) => server!.once('exit', resolve));
    server.kill('SIGTERM');
    await exited;
  }
  rmSync(dataDir, { recursive: true, force: true });
});

describe('the demo walks the whole lifecycle with the tokens it prints', () => {
  it('intercepted edit, review by every required role, staged release, guardrail hold, rollback, break-glass and its post-review', async () => {
    expect(Object.keys(tokens)).toEqual(
      expect.arrayContaining(['admin', 'requester', 'releaseOwner', 'incidentCommander', 'security', 'flag-admin']),
    );

    // 1. The flag admin widens the support prompt in FeatBit; featgate restores it and opens a proposal in their name.
    const edit = await featgate('flag-admin', ['demo', 'edit']);
    expect(edit.stdout, edit.stderr).toMatch(/featgate restored the approved configuration in FeatBit after \d+ ms/);
    let proposal = (await json('admin', ['change', 'list', '--status', 'proposed'])).items[0];
    expect(proposal).toMatchObject({ requester: 'flag-admin', status: 'proposed' });
    // Its plan is one the tier can approve: the first stage within the tier's maximum, the edit itself last.
    const stages = proposal.record.release.stages as { percentage: number; name: string }[];
    expect(proposal.decision.missing.releasePlan).toEqual([]);
    expect(stages.at(-1)).toMatchObject({ name: 'apply the FeatBit edit', percentage: 50 });
    expect(stages[0]!.percentage).toBeLessThan(50);

    // 2. A proposal releases exactly the FeatBit edit, so the flag admin (a featgate person too) withdraws it and
    //    opens the same change through featgate, with a guardrail.
    const withdrawn = await json('flag-admin', [
      'change',
      'withdraw',
      proposal.key,
      '--reason',
      'reopened with a guardrail',
    ]);
    expect(withdrawn.status).toBe('withdrawn');
    const key = 'support-prompt-concise';
    const record = {
      ...proposal.record,
      flags: proposal.record.flags.map(({ servedValues: _served, ...flag }: { servedValues?: unknown }) => flag),
    };
    const file = join(dataDir, 'change.json');
    writeFileSync(
      file,
      JSON.stringify({
        ...record,
        key,
        title: 'Concise support prompt for half of all users',
        release: {
          ...record.release,
          holdIf: [{ metric: 'errorRate', operator: 'above', threshold: 0.05, action: 'hold' }],
        },
      }),
    );
    proposal = await json('flag-admin', ['change', 'create', file]);
    expect(proposal).toMatchObject({ key, requester: 'flag-admin', status: 'proposed' });

    // 3. Evidence and a review by every role the policy requires, each by a different demo person.
    //    The offline eval is typed: featgate checks its numbers and that it ran on this candidate.
    for (const requirement of proposal.decision.missing.evidence as { anyOf: string[] }[]) {
      const type = requirement.anyOf[0]!;
      if (type === 'offlineEval') {
        const evalFile = join(dataDir, 'eval.json');
        const metrics = [{ metric: 'groundedness', baselineScore: 0.9, candidateScore: 0.91 }];
        writeFileSync(
          evalFile,
          JSON.stringify({
            candidateHash: proposal.candidateHash,
            dataset: 'support-golden',
            datasetVersion: '7',
            evaluator: 'ragas',
            evaluatorVersion: '0.2.1',
            sampleSize: 200,
            metrics,
          }),
        );
        const attached = await json('requester', ['evidence', 'attach', key, '--type', type, '--file', evalFile]);
        expect(attached.evidence.at(-1)).toMatchObject({ type, result: 'passed', checked: true });
      } else {
        await json('requester', [
          'evidence',
          'attach',
          key,
          '--type',
          type,
          '--summary',
          'checked in the demo',
          '--result',
          'passed',
        ]);
      }
    }
    const reviewed = new Set<string>();
    for (let round = 0; round < 6; round += 1) {
      proposal = await json('auditor', ['change', 'show', key]);
      if (proposal.status !== 'proposed') break;
      const missing = proposal.decision.missing as { roles: { anyOf: string[] }[]; approvals: number };
      const role =
        missing.roles[0]?.anyOf.find((name) => tokens[name] && !reviewed.has(name)) ??
        ['featureOwner', 'releaseOwner', 'security'].find((name) => !reviewed.has(name))!;
      reviewed.add(role);
      await json(role, ['review', 'approve', key, '--comment', `approved as ${role}`]);
    }
    expect(proposal.status).toBe('approved');
    expect(proposal.reviews.length).toBeGreaterThan(0);
    const requester = await featgate('flag-admin', ['review', 'approve', key]);
    expect(requester.code).toBe(1);

    // 4. The release owner applies stage 1: FeatBit now serves the candidate to the first stage's share only.
    const applied = await featgate('releaseOwner', ['release', 'apply-stage', key]);
    expect(applied.code, applied.stderr).toBe(0);
    expect(applied.stdout).toContain(`default rule: candidate concise ${stages[0]!.percentage}%`);

    // 5. A guardrail breach holds the release.
    await json('releaseOwner', ['signals', 'record', key, '--metric', 'errorRate=0.2']);
    const held = await json('auditor', ['release', 'status', key]);
    expect(held.status).toBe('held');
    expect(held.guardrails[0]).toMatchObject({ metric: 'errorRate', state: 'breached' });

    // 6. The release owner rolls it back: FeatBit serves only the approved baseline again.
    await json('releaseOwner', ['release', 'rollback', key, '--reason', 'error rate breached in the demo']);
    const rolledBack = await json('auditor', ['release', 'status', key]);
    expect(rolledBack.status).toBe('rolled-back');
    const slot = rolledBack.flags[0].featbit.slots.at(-1);
    expect(
      slot.shares.filter((share: { candidate: boolean; share: number }) => share.candidate && share.share > 0),
    ).toEqual([]);

    // 7. In an incident the incident commander breaks glass; a post-reviewer approves it afterwards.
    const envId: string = rolledBack.flags[0].envId;
    const glass = await json('incidentCommander', [
      'break-glass',
      'apply',
      '--env',
      envId,
      '--flag',
      'support-model-route',
      '--incident',
      'INC-1',
      '--reason',
      'primary model provider is down',
      '--duration',
      '1h',
      '--value',
      JSON.stringify({ provider: 'fallback', model: 'small' }),
    ]);
    const review = await json('security', ['break-glass', 'review', glass.id, '--approve', '--comment', 'right call']);
    expect(JSON.stringify(review)).toContain('approve');

    // Every step is in the ledger, and the ledger verifies.
    const verified = await featgate('auditor', ['audit', 'verify', '--url', url]);
    expect(verified.stdout).toMatch(/^ok: \d+ entries/);
  }, 180_000);
});
