/**
 * Dependency rules that keep the layout honest (checked by `npm run lint:deps`, part of `npm test`):
 * the provider package stands alone, the kernel and shared infrastructure never reach up into features,
 * only the composition roots wire everything, and nothing is circular.
 */
const kernel = '^src/(canonical|errors|logging|config|secret-file|generated-secret|redis|yaml)/';
/** The config schema assembles each feature's own config section (people, notification kinds); nothing else. */
const configSections =
  '^src/(identity/identity-mapping|notify/notification|exposure/prometheus/prometheus-template-config)[.]ts$';
const infrastructure = '^(src/(featbit/(model|rest-client)|notify|jobs)|webhooks/queue)/';
const features =
  '^(src/(workflow|exposure|projections|approved-state|change|manifest|console|identity|ledger|redaction|sandbox)|policies|webhooks/(bridge|worker|receiver|reconciler|stream))/';
const compositionRoots = '^src/(server/start-service|cli/|demo/)';

/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden: [
    { name: 'no-circular', comment: 'Cycles hide layering.', severity: 'error', from: {}, to: { circular: true } },
    {
      name: 'provider-stands-alone',
      comment: 'The provider package is installed by applications: it imports nothing of the service.',
      severity: 'error',
      from: { path: '^provider/' },
      to: { path: '^(src|webhooks|policies|test)/' },
    },
    {
      name: 'kernel-imports-only-kernel',
      comment: 'The kernel (config, logging, keys, YAML, problems) sits below everything.',
      severity: 'error',
      from: { path: kernel },
      to: { path: `${infrastructure}|${features}|${compositionRoots}`, pathNot: configSections },
    },
    {
      name: 'infrastructure-never-imports-features',
      comment: 'Shared infrastructure (jobs and queue, notify, FeatBit REST) is reused by features, never the reverse.',
      severity: 'error',
      from: { path: infrastructure },
      to: { path: `${features}|${compositionRoots}` },
    },
    {
      name: 'features-never-import-the-composition-root',
      comment: 'Only the composition root wires features together.',
      severity: 'error',
      from: { path: features },
      to: { path: compositionRoots },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: {
      exportsFields: ['exports'],
      conditionNames: ['featgate-source', 'import', 'types', 'node', 'default'],
    },
  },
};
