/**
 * The module map of the chexgen server, enforced (docs/architecture.md draws it; `npm run lint:boundaries` and
 * test/architecture/moduleMap.test.ts run it in CI).
 *
 * MODULE_MAP lists, for each module of server/src (a folder, or errors.ts / version.ts), the modules it may import.
 * "(types)" allows type-only imports (`import type`): synthesis sees the inference runtime and the model contract
 * as interfaces only, so it stays free of I/O. Every import of server/src, extension/src or package.json that its
 * module's entry does not list is an error. The architecture test also requires every listed edge to be used, so the
 * map (and the table in docs/architecture.md, which the test compares with it) is the code's real dependency graph.
 */

function escapeText(text) {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** module -> modules it may import; '(types)' = type-only imports. */
const MODULE_MAP = {
  errors: [],
  version: ['package.json'],
  config: ['errors'],
  validation: ['errors'],
  conditions: ['errors'],
  contract: ['conditions'],
  model: ['errors', 'validation'],
  runtime: ['errors', 'model'],
  synthesis: ['errors', 'validation', 'conditions', 'contract', 'model (types)', 'runtime (types)'],
  dicom: ['errors', 'conditions'],
  images: ['errors', 'conditions', 'dicom', 'synthesis (types)'],
  pacs: ['errors', 'conditions', 'dicom'],
  delivery: ['errors', 'pacs'],
  generation: ['errors', 'conditions', 'model', 'synthesis', 'dicom', 'images'],
  jobs: ['errors', 'conditions', 'contract', 'synthesis', 'dicom', 'images', 'generation', 'delivery (types)'],
  cohorts: ['errors', 'validation', 'conditions', 'contract', 'jobs'],
  datasetExport: ['errors', 'conditions', 'dicom', 'pacs (types)', 'cohorts'],
  postgres: ['errors', 'jobs', 'cohorts'],
  http: ['errors', 'version', 'contract', 'model (types)', 'synthesis', 'dicom', 'pacs', 'jobs', 'cohorts', 'datasetExport (types)'],
  monaiLabel: ['errors', 'synthesis', 'dicom', 'pacs (types)', 'jobs', 'http'],
  composition: ['errors', 'version', 'config', 'model', 'runtime', 'synthesis', 'pacs', 'delivery', 'jobs', 'cohorts', 'datasetExport', 'postgres', 'http', 'monaiLabel'],
  cli: ['errors', 'version', 'config', 'conditions', 'contract', 'model', 'synthesis', 'dicom', 'images', 'pacs', 'delivery', 'generation', 'jobs', 'cohorts', 'datasetExport', 'composition'],
  evaluation: ['validation', 'config', 'synthesis', 'images', 'composition'],
  bench: ['errors', 'config', 'synthesis', 'dicom', 'pacs', 'jobs', 'cohorts', 'composition'],
  extension: ['package.json', 'contract'],
};

/**
 * The server files the OHIF extension bundles (pure, no Node API): the wire contract (server/src/contract: schemas,
 * vocabulary, prompt rule) and what it re-exports, the run-length codec and label rules of masks and boxes. They may
 * import only each other and zod. The extension imports the contract's index and nothing else of server/src.
 */
const CONTRACT_ENTRY = 'server/src/contract/index.ts';
const SHARED_WITH_BROWSER = [
  '^server/src/contract/[^/]+\\.ts$',
  `^${escapeText('server/src/errors.ts')}$`,
  `^${escapeText('server/src/conditions/conditionTypes.ts')}$`,
  `^${escapeText('server/src/conditions/conditionLabels.ts')}$`,
  `^${escapeText('server/src/conditions/runLength.ts')}$`,
];
/** The packages the shared files may use (they run in the browser too). */
const BROWSER_PACKAGES = ['zod'];

/** Third-party libraries and the only modules that may use them. */
const LIBRARY_OWNERS = {
  dcmjs: ['dicom'],
  'onnxruntime-node': ['runtime', 'bench'],
  'better-sqlite3': ['jobs', 'cohorts'],
  pg: ['postgres'],
  'pg-boss': ['postgres'],
  express: ['http', 'monaiLabel'],
  sharp: ['images', 'cohorts', 'datasetExport'],
  busboy: ['monaiLabel'],
  yazl: ['http'],
  'nifti-reader-js': ['datasetExport'],
};

const escape = escapeText;
const moduleName = (entry) => entry.replace(/ \(types\)$/, '');
/** The path regex of a module. */
function modulePath(name) {
  if (name === 'package.json') return '^package\\.json$';
  if (name === 'extension') return '^extension/src/';
  return `^server/src/${name}(/|\\.ts$)`;
}
const either = (paths) => paths.map((p) => `(${p})`).join('|');
const INTERNAL = either(['^server/src/', '^extension/src/', '^package\\.json$']);

const moduleRules = Object.entries(MODULE_MAP).flatMap(([name, entries]) => [
  {
    name: `${name}-imports`,
    comment: `${name} may import only: ${entries.join(', ') || 'nothing of server/src'} (module map, docs/architecture.md)`,
    severity: 'error',
    from: { path: modulePath(name) },
    to: { path: INTERNAL, pathNot: either([modulePath(name), ...entries.map((e) => modulePath(moduleName(e)))]) },
  },
  ...entries
    .filter((entry) => entry.endsWith(' (types)'))
    .map((entry) => ({
      name: `${name}-imports-${moduleName(entry)}-types-only`,
      comment: `${name} sees ${moduleName(entry)} as types only (import type)`,
      severity: 'error',
      from: { path: modulePath(name) },
      to: { path: modulePath(moduleName(entry)), dependencyTypesNot: ['type-only'] },
    })),
]);

const libraryRules = Object.entries(LIBRARY_OWNERS).map(([library, owners]) => ({
  name: `only-${owners.join('-and-')}-use-${library}`,
  comment: `${library} is used only in ${owners.join(', ')}`,
  severity: 'error',
  from: { path: '^(server|extension)/src/', pathNot: either(owners.map(modulePath)) },
  to: { path: `(^|/)node_modules/${escape(library)}/` },
}));

const browserRules = [
  {
    name: 'extension-uses-only-the-contract',
    comment: `the extension imports the server only through the wire contract, ${CONTRACT_ENTRY}`,
    severity: 'error',
    from: { path: '^extension/src/' },
    to: { path: '^server/src/', pathNot: `^${escape(CONTRACT_ENTRY)}$` },
  },
  {
    name: 'shared-server-files-stay-pure',
    comment: `the server files the extension bundles import only each other and ${BROWSER_PACKAGES.join(', ')}: no Node API, no other package`,
    severity: 'error',
    from: { path: either(SHARED_WITH_BROWSER) },
    to: { pathNot: either([...SHARED_WITH_BROWSER, ...BROWSER_PACKAGES.map((p) => `(^|/)node_modules/${escape(p)}/`)]) },
  },
];

/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden: [
    {
      name: 'no-circular',
      comment: 'no import cycles',
      severity: 'error',
      from: {},
      to: { circular: true },
    },
    ...moduleRules,
    ...libraryRules,
    ...browserRules,
  ],
  options: {
    // type-only imports count: a module that needs another's types depends on it (dicom once did on synthesis)
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    doNotFollow: { path: 'node_modules' },
    // tests compose modules freely; the map is about the product code
    exclude: { path: '(\\.test\\.tsx?$)|(^extension/src/test/)' },
    enhancedResolveOptions: { exportsFields: ['exports'], conditionNames: ['import', 'require', 'node', 'default', 'types'] },
  },
};

// The map itself, for test/architecture/moduleMap.test.ts; not enumerable, so dependency-cruiser's schema ignores it.
Object.defineProperty(module.exports, 'MODULE_MAP', { value: MODULE_MAP, enumerable: false });
