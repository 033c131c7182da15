import type { ServiceConfig } from '../config/index.js';
import type { RunningService } from './start-service.js';

/** How the banner's copy-paste commands call the CLI from a clone (the README's alias line defines it). */
const CLI = 'featgate';

/**
 * What `featgate serve` prints when it is up: where it listens and, in demo mode, a token per role, the FeatBit
 * sandbox's SDK key and flag-admin token, and a copy-paste next step for each actor of the story.
 */
export function demoBanner(service: RunningService, config: ServiceConfig): string[] {
  const lines = [
    `featgate listening on ${service.url}`,
    `console: ${service.url}/console/ (sign in with a token below)`,
    `store: ${config.redisUrl ? 'redis' : `embedded (${config.dataDir})`}`,
    `openapi: ${service.url}/openapi.json`,
  ];
  const demo = service.sandboxDemo;
  if (service.sandboxUrl) lines.push(`featbit sandbox: ${service.sandboxUrl} (in-process, demo data)`);
  if (demo) {
    lines.push(`featbit sandbox environment: ${demo.envId}; SDK key (server): ${demo.sdkKey}`);
    lines.push(`featbit sandbox token of flag admin "flag-admin": ${demo.adminToken}`);
  }
  const roles = Object.entries(service.demoTokens);
  if (roles.length === 0) return lines;
  const width = Math.max(...roles.map(([role]) => role.length));
  lines.push(`demo tokens (kept in ${config.dataDir}/demo.json across restarts):`);
  for (const [role, token] of roles) lines.push(`  ${role.padEnd(width)}  ${token}`);
  if (!demo) return lines;
  const as = (role: string) => `FEATGATE_TOKEN=${service.demoTokens[role] ?? '<token>'}`;
  lines.push(
    '',
    'next steps, in another terminal of this folder:',
    `  alias ${CLI}='node src/cli/featgate.mjs'; export FEATGATE_URL=${service.url}`,
    `  app (see what users get):      ${CLI} demo app`,
    `  flag admin edits FeatBit:      ${CLI} demo edit`,
    `  see it reverted and proposed:  ${as('admin')} ${CLI} change list --status proposed`,
    `  a reviewer reads the change:   ${as('featureOwner')} ${CLI} change show <key>`,
    `  each required role approves:   ${as('featureOwner')} ${CLI} review approve <key> --comment ok`,
    `  the flag admin edits it:       ${as('flag-admin')} ${CLI} change edit <key> <file>   (or change withdraw <key> --reason ...)`,
    `  the release owner ramps:       ${as('releaseOwner')} ${CLI} release apply-stage <key>; ${CLI} release status <key>`,
    `  a guardrail breach holds it:   ${as('releaseOwner')} ${CLI} signals record <key> --metric errorRate=0.2`,
    `  and rolls it back:             ${as('releaseOwner')} ${CLI} release rollback <key> --reason breach`,
    `  an incident breaks glass:      ${as('incidentCommander')} ${CLI} break-glass apply --env ${demo.envId} --flag support-model-route --incident INC-1 --reason ... --duration 1h --value <json>`,
    `  the ledger, verified:          ${as('auditor')} ${CLI} audit verify --url ${service.url}`,
  );
  return lines;
}
