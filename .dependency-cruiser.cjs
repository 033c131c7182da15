/**
 * Dependency rules that keep the layout honest (checked by `npm run lint:deps`, part of `npm test`):
 * the provider package stands alone, the kernel and shared infrastructure never reach up into features,
 * features are entered only through their `index.ts` and depend on each other one way, only the composition
 * roots wire everything, and nothing is circular. ARCHITECTURE.md ("Layout and the rules that keep it") explains
 * the tiers.
 */
const kernel = '^src/(canonical|errors|logging|config|secret-file|generated-secret|redis|yaml)/';
/** The config schema assembles each feature's own config section (people, notification kinds); nothing else. */
const configSections =
  '^src/(identity/identity-mapping|notify/notification|exposure/prometheus/prometheus-template-config)[.]ts$';
const infrastructure = '^(src/(featbit/(model|rest-client)|notify|jobs|locks)|webhooks/queue)/';
const features =
  '^(src/(changes|approved-state|proposals|releases|adoption|audit|exposure|manifest|identity|console|ledger-events|projections|governance|ledger|redaction|sandbox)|policies|webhooks/(bridge|worker|receiver|reconciler|stream))/';
/**
 * The composition roots: the service (`start-service.ts`, its app, router and route registry), the CLI and the
 * demo. The CLI and the demo are clients: they start the service through `src/server`'s index, talk HTTP, and run
 * offline commands through features' public `index.ts` only (the index rule below holds for them too).
 */
const compositionRoots = '^src/(server/(start-service|app|api-router|index)[.]ts$|server/routes/|cli/|demo/)';

/**
 * The feature slices from the bottom up; a slice imports only slices before it. A slice's `model/` (its model and
 * ledger event schemas), `events/` and `projection/` (its fold) are sub-slices below the shared read model
 * (`src/ledger-events`: the union of every event schema; `src/projections`: the projections aggregate and the
 * workflow context), which the slice's services and routes sit above.
 */
const sliceOrder = [
  'src/changes/model',
  'src/approved-state/model',
  'src/exposure/model',
  'src/releases/model',
  'src/proposals/model',
  'policies',
  'src/changes/events',
  'src/ledger-events',
  'src/audit/projection',
  'src/changes/projection',
  'src/approved-state/projection',
  'src/projections',
  'src/audit',
  'src/approved-state',
  'src/changes',
  'src/proposals',
  'src/releases',
  'src/adoption',
  'src/exposure',
  'src/manifest',
  'src/console',
  'src/governance',
  'webhooks/(bridge|worker|receiver|reconciler|stream)',
];
/** A slice's own files: its folder without the sub-slices listed separately. */
function slicePath(slice) {
  const subSlices = sliceOrder
    .filter((other) => other.startsWith(`${slice}/`))
    .map((other) => other.slice(slice.length + 1));
  return subSlices.length === 0 ? `^${slice}/` : `^${slice}/(?!(${subSlices.join('|')})/)`;
}
const sliceRules = sliceOrder.slice(0, -1).map((slice, index) => ({
  name: 'slices-one-way',
  comment: `${slice} sits below ${sliceOrder.slice(index + 1).join(', ')}: it never imports them (so slices form no cycle).`,
  severity: 'error',
  from: { path: slicePath(slice) },
  to: {
    path: sliceOrder
      .slice(index + 1)
      .map(slicePath)
      .join('|'),
  },
}));

/** Folders entered only through their `index.ts` (sub-slices through their own). */
const indexedSlices =
  'changes|approved-state|proposals|releases|adoption|audit|exposure|manifest|identity|console|ledger-events|projections|governance|locks';
const sliceIndex = `^src/(${indexedSlices})/((model|events|projection)/)?index[.]ts$`;

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
      comment:
        'Shared infrastructure (jobs and queue, locks, notify, FeatBit REST) is reused by features, never the reverse.',
      severity: 'error',
      from: { path: infrastructure },
      to: { path: `${features}|${compositionRoots}` },
    },
    {
      name: 'features-never-import-the-composition-root',
      comment:
        'Only the composition root wires features together; features use src/server only for the route contract and problem responses.',
      severity: 'error',
      from: { path: features },
      to: { path: compositionRoots },
    },
    {
      name: 'bridge-worker-below-bridge',
      comment:
        'The bridge (webhooks/bridge) composes receiver, queue, worker and reconciler; the worker (observe, decide, apply) never reaches back into it.',
      severity: 'error',
      from: { path: '^webhooks/(worker|receiver|queue|reconciler|stream)/' },
      to: { path: '^webhooks/bridge/' },
    },
    {
      name: 'slices-only-through-index',
      comment:
        "Outside a feature slice, code (tests too) imports the slice only through its index.ts (or a sub-slice's), never a file inside it (the config schema's sections and the console's browser sources, bundled on their own, excepted).",
      severity: 'error',
      from: { path: '^((src|webhooks)/[^/]+|policies|test)/' },
      to: { path: `^src/(${indexedSlices})/`, pathNot: ['^$1/', sliceIndex, configSections, '^src/console/browser/'] },
    },
    ...sliceRules,
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
