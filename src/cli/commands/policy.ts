import { resolve } from 'node:path';
import { existsSync } from 'node:fs';
import { Option, type Command } from 'commander';
import type { PolicyExplanation } from '../../changes/index.js';
import { clientFrom, runApiCommand } from '../api-client/index.js';
import { readChangeRecordFile, redactChangeRecord } from '../../changes/model/index.js';
import { ephemeralRedactionKey, secretKeyMatcher } from '../../redaction/index.js';
import { formatFieldIssue, ValidationError } from '../../errors/index.js';
import {
  decide,
  evaluate,
  loadPolicyFile,
  policyJsonSchema,
  resolvePolicyPath,
  type Decision,
  type Evaluation,
  type Policy,
} from '../../../policies/index.js';
import { ExitCode } from '../exit-code.js';

interface PolicyOptions {
  readonly policy?: string;
}

interface ExplainOptions extends PolicyOptions {
  readonly json?: boolean;
  readonly url?: string;
  readonly token?: string;
}

/** Adds `featgate policy check|explain|schema`. */
export function registerPolicyCommands(program: Command): void {
  const group = program.command('policy').description('Check the policy pack and see how it classifies a change');
  group
    .command('check')
    .description('Validate a policy file; exit 1 printing file:line: field: message for every problem')
    .option('--policy <file>', 'policy file (env FEATGATE_POLICY, default policies/default.yaml)')
    .action(async (options: PolicyOptions) => {
      const path = resolvePolicyPath(options.policy);
      const policy = await loadOrReport(path);
      if (!policy) return;
      process.stdout.write(
        `${path}: ok (${policy.rules.length} rules, ${policy.environments.length} environments, ${policy.governedFlags.length} governed flag entries)\n`,
      );
    });
  group
    .command('explain')
    .description(
      'Show the tier of a change, every value classified, the rules that fired, the evidence checks and who may still approve: ' +
        'a change record file is explained locally, a change key by the service',
    )
    .argument('<change>', 'change record file (YAML or JSON), or the key of a change the service holds')
    .option('--policy <file>', 'policy file (env FEATGATE_POLICY, default policies/default.yaml)')
    .option('--json', 'print the evaluation and decision as JSON')
    .addOption(new Option('--url <url>', 'featgate service URL, for a change key').env('FEATGATE_URL'))
    .addOption(new Option('--token <token>', 'API token, for a change key').env('FEATGATE_TOKEN'))
    .action(async (file: string, options: ExplainOptions) => {
      if (!existsSync(file) && /^[a-z0-9][a-z0-9-]{0,79}$/.test(file)) {
        const client = clientFrom(options);
        await runApiCommand(
          options,
          () => client.get<PolicyExplanation>(`/v1/changes/${encodeURIComponent(file)}/policy`),
          renderServiceExplanation,
        );
        return;
      }
      const policy = await loadOrReport(resolvePolicyPath(options.policy));
      if (!policy) return;
      const change = await reportIssues(() => readChangeRecordFile(file));
      if (!change) return;
      const shown = redactChangeRecord(change, secretKeyMatcher(policy.secrets.keyPatterns), ephemeralRedactionKey());
      const evaluation = evaluate(shown, policy, { now: new Date() });
      const decision = decide(shown, [], [], policy, evaluation);
      process.stdout.write(
        options.json
          ? `${JSON.stringify({ file, change: shown, evaluation, decision }, null, 2)}\n`
          : renderExplanation(file, evaluation, decision),
      );
    });
  group
    .command('schema')
    .description('Print the JSON Schema of the policy format, for editors')
    .action(() => {
      process.stdout.write(`${JSON.stringify(policyJsonSchema(), null, 2)}\n`);
    });
}

async function loadOrReport(path: string): Promise<Policy | undefined> {
  return reportIssues(() => loadPolicyFile(path));
}

/** Runs a load; on a ValidationError prints one `file:line: field: message` line per issue and sets exit 1. */
async function reportIssues<T>(load: () => Promise<T>): Promise<T | undefined> {
  try {
    return await load();
  } catch (error) {
    if (!(error instanceof ValidationError)) throw error;
    process.stdout.write(
      `${error.issues.map((issue) => formatFieldIssue({ ...issue, ...(issue.file ? { file: relativeOrAbsolute(issue.file) } : {}) })).join('\n')}\n`,
    );
    process.exitCode = ExitCode.CheckFailed;
    return undefined;
  }
}

function relativeOrAbsolute(file: string): string {
  const cwd = process.cwd();
  const absolute = resolve(file);
  return absolute.startsWith(`${cwd}/`) ? absolute.slice(cwd.length + 1) : file;
}

function renderExplanation(file: string, evaluation: Evaluation, decision: Decision): string {
  const lines = [`${file}: ${evaluation.changeKey} is ${evaluation.tier.toUpperCase()}`];
  if (evaluation.environment)
    lines.push(`environment: ${evaluation.environment.name} (${evaluation.environment.strictness})`);
  lines.push('why:', ...evaluation.reasons.map((reason) => `  - ${reason}`));
  const approvals = evaluation.requiredApprovals;
  lines.push(
    `approvals: ${approvals.count} distinct ${approvals.count === 1 ? 'person' : 'people'}, never the requester` +
      (approvals.onePersonMayFillSeveralRoles ? '' : '; one person fills at most one required role'),
  );
  for (const requirement of approvals.mustInclude) {
    lines.push(`  - must include ${requirement.anyOf.join(' or ')} (${requirement.reasons.join('; ')})`);
  }
  lines.push(`routed to: ${approvals.roles.join(', ')}`);
  lines.push(
    'evidence:',
    ...evaluation.requiredEvidence.map(
      (requirement) =>
        `  - ${requirement.anyOf.join(' or ')} (before ${requirement.phase}${requirement.checked ? ', checked by featgate' : ''})`,
    ),
    ...evaluation.evalBars.map((bar) => `  - offlineEval bar, checked by featgate: ${describeEvalBar(bar)}`),
  );
  const exposure = evaluation.exposure;
  lines.push(
    `exposure: first stage at most ${exposure.maxFirstStagePercentage}%, at least ${exposure.minStages} stage(s)` +
      `${exposure.rollbackPlanRequired ? ', rollback plan required' : ''}` +
      `${exposure.rampRoles.length > 0 ? `, ramped by ${exposure.rampRoles.join(' or ')}` : ''}`,
  );
  if (evaluation.audited) lines.push('audited: yes');
  lines.push(`review date: ${evaluation.reviewDate ?? `after ${evaluation.reviewAfter}`}`);
  for (const warning of evaluation.warnings) lines.push(`warning: ${warning}`);
  lines.push(`status without reviews: ${decision.status}`, ...decision.reasons.map((reason) => `  - ${reason}`));
  return `${lines.join('\n')}\n`;
}

/** The service's explanation of a change, in words: values, rules, evidence checks, who may still approve. */
export function renderServiceExplanation(explained: PolicyExplanation): string {
  const lines = [
    `${explained.key} (revision ${explained.revision}, ${explained.status}) is ${explained.tier.toUpperCase()}`,
  ];
  lines.push('values classified:');
  for (const value of explained.values) {
    lines.push(
      `  - ${value.flagKey} ${value.value}: ${value.tier ?? 'no rule fired'}${value.firedRuleIds.length > 0 ? ` (${value.firedRuleIds.join(', ')})` : ''}`,
    );
  }
  lines.push(
    'rules that fired:',
    ...explained.firedRules.map(
      (rule) =>
        `  - ${rule.ruleId} (${rule.tier}) on ${rule.flagKey} ${rule.value ?? 'candidate'} at ${rule.path}: ${rule.detail}`,
    ),
  );
  lines.push('why:', ...explained.reasons.map((reason) => `  - ${reason}`));
  const approvals = explained.approvals;
  lines.push(
    `approvals: ${approvals.approvedBy.length} of ${approvals.required} (${approvals.approvedBy.join(', ') || 'none yet'}); ${approvals.stillNeeded} more needed`,
  );
  for (const role of approvals.rolesStillNeeded)
    lines.push(`  - still needs ${role.anyOf.join(' or ')} (${role.reasons.join('; ')})`);
  lines.push(
    'may still approve:',
    ...(approvals.mayStillApprove.length > 0
      ? approvals.mayStillApprove.map((reviewer) => `  - ${reviewer.identity} (${reviewer.roles.join(', ')})`)
      : [
          approvals.stillNeeded > 0 || approvals.rolesStillNeeded.length > 0
            ? '  - no configured token; a signed-in person holding a needed role'
            : '  - nobody needs to',
        ]),
  );
  lines.push('may not approve:', ...approvals.excluded.map((person) => `  - ${person.identity}: ${person.why}`));
  if (explained.evalBars.length > 0)
    lines.push('eval bars (checked by featgate):', ...explained.evalBars.map((bar) => `  - ${describeEvalBar(bar)}`));
  lines.push('evidence:');
  for (const item of explained.evidence) {
    const claim = item.claimedResult && item.claimedResult !== item.result ? `, claimed ${item.claimedResult}` : '';
    lines.push(
      `  - ${item.type} ${item.result} (${item.source}${item.attachedBy ? ` by ${item.attachedBy}` : ''}${claim}): ${item.counts ? 'counts' : 'does not count'}, ${item.reason}`,
    );
    for (const metric of item.metrics)
      lines.push(`      ${metric.metric}: ${metric.passed ? 'meets' : 'fails'} ${metric.reason}`);
  }
  for (const missing of explained.missingEvidence)
    lines.push(`  - missing: ${missing.anyOf.join(' or ')} (before ${missing.phase})`);
  lines.push(`decision: ${explained.decision.status}`, ...explained.decision.reasons.map((reason) => `  - ${reason}`));
  return lines.join('\n');
}

/** One eval bar in words, e.g. `groundedness >= 0.85, regression <= 0.02 (prompt)`. */
export function describeEvalBar(bar: PolicyExplanation['evalBars'][number]): string {
  const parts = [
    ...(bar.atLeast !== undefined ? [`>= ${bar.atLeast}`] : []),
    ...(bar.atMost !== undefined ? [`<= ${bar.atMost}`] : []),
    ...(bar.maxRegression !== undefined ? [`regression against the baseline <= ${bar.maxRegression}`] : []),
    ...(bar.minSampleSize !== undefined ? [`at least ${bar.minSampleSize} samples`] : []),
  ];
  return `${bar.metric} ${parts.join(', ')}${bar.surface ? ` (${bar.surface})` : ''}`;
}
