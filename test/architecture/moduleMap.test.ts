import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { cruise, type ICruiseResult, type IViolation } from 'dependency-cruiser';
import extractDepcruiseOptions from 'dependency-cruiser/config-utl/extract-depcruise-options';
import extractTSConfig from 'dependency-cruiser/config-utl/extract-ts-config';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

// The module map (.dependency-cruiser.cjs) against the code and against docs/architecture.md. `npm run
// lint:boundaries` runs the same rules from the command line; this file also shows that they catch a forbidden import.
const REPO = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
const CONFIG = join(REPO, '.dependency-cruiser.cjs');
const MODULE_MAP = (createRequire(import.meta.url)(CONFIG) as { MODULE_MAP: Record<string, string[]> }).MODULE_MAP;

/** Cruises `paths` under `baseDir` with the project's rules and tsconfig. */
async function cruiseTree(baseDir: string, paths: string[]): Promise<ICruiseResult> {
  const options = await extractDepcruiseOptions(CONFIG);
  const reply = await cruise(paths, { ...options, baseDir, outputType: 'json' }, {}, { tsConfig: extractTSConfig(join(REPO, 'tsconfig.json')) });
  return JSON.parse(String(reply.output)) as ICruiseResult;
}

/** The module of a path: a folder of server/src, errors.ts/version.ts, the extension, package.json, or null. */
function moduleOf(path: string): string | null {
  if (path === 'package.json') return 'package.json';
  if (path.startsWith('extension/src/')) return 'extension';
  const match = /^server\/src\/([^/]+?)(\.ts)?(\/|$)/.exec(path);
  return match?.[1] ?? null;
}

const describeViolation = (v: IViolation): string => `${v.rule.name}: ${v.from} -> ${v.to}`;

describe('module map (dependency-cruiser)', () => {
  let result: ICruiseResult;

  beforeAll(async () => {
    result = await cruiseTree(REPO, ['server/src', 'extension/src']);
  }, 120_000);

  it('when the code is cruised, then no import breaks the map, a library rule or the browser rule, and there is no cycle', () => {
    expect(result.summary.violations.map(describeViolation)).toEqual([]);
    expect(result.summary.totalCruised).toBeGreaterThan(200);
  });

  it('when every product file is placed, then it belongs to a module of the map', () => {
    const unplaced = result.modules
      .map((m) => m.source)
      .filter((source) => source.startsWith('server/src/') || source.startsWith('extension/src/'))
      .filter((source) => !Object.hasOwn(MODULE_MAP, moduleOf(source) ?? ''));
    expect(unplaced).toEqual([]);
  });

  it('when the imports are grouped by module, then they are exactly the map: no edge missing, none allowed but unused', () => {
    const used = new Map<string, Set<string>>();
    for (const module of result.modules) {
      const from = moduleOf(module.source);
      if (from === null || from === 'package.json') continue;
      for (const dependency of module.dependencies) {
        const to = moduleOf(dependency.resolved);
        if (to === null || to === from) continue;
        used.set(from, (used.get(from) ?? new Set()).add(to));
      }
    }
    const actual = Object.fromEntries([...used].map(([from, to]) => [from, [...to].sort()]));
    const mapped = Object.fromEntries(
      Object.entries(MODULE_MAP)
        .map(([from, to]) => [from, to.map((entry) => entry.replace(/ \(types\)$/, '')).sort()] as const)
        .filter(([, to]) => to.length > 0),
    );
    expect(actual).toEqual(mapped);
  });

  it('when docs/architecture.md lists the modules, then its "imports" column is the map', async () => {
    const doc = await readFile(join(REPO, 'docs', 'architecture.md'), 'utf8');
    const rows = doc.split('\n').filter((line) => /^\| `[^`]+` \|/.test(line));
    const documented: Record<string, string[]> = {};
    for (const row of rows) {
      const cells = row.split('|').map((cell) => cell.trim());
      const name = /^`([^`]+)`$/.exec(cells[1] ?? '')?.[1];
      const imports = cells[3] ?? '';
      if (name === undefined) continue;
      documented[name] = imports === '-' ? [] : imports.split(',').map((entry) => entry.trim().replace(/`/g, ''));
    }
    const sorted = (map: Record<string, string[]>) => Object.fromEntries(Object.entries(map).map(([name, imports]) => [name, [...imports].sort()]));
    expect(sorted(documented)).toEqual(sorted(MODULE_MAP));
  });
});

describe('module map: a forbidden import fails the check', () => {
  let tree: string;

  beforeAll(async () => {
    // inside the repository, so that packages resolve from its node_modules; .tmp is ignored by git
    await mkdir(join(REPO, '.tmp'), { recursive: true });
    tree = await mkdtemp(join(REPO, '.tmp', 'module-map-'));
    const files: Record<string, string> = {
      'server/src/errors.ts': 'export class ChexgenError extends Error {}\n',
      'server/src/conditions/runLength.ts': "import { ChexgenError } from '../errors.js';\nexport const encodeRuns = (): number[] => { throw new ChexgenError(); };\n",
      'server/src/synthesis/synthesize.ts': 'export type SynthesisPlan = { seed: number };\n',
      'server/src/runtime/createWorkerRuntime.ts': 'export function createWorkerRuntime(): void {}\n',
      // dicom takes its own input types: a type import from synthesis is what the map forbids (it did happen)
      'server/src/dicom/buildImage.ts': "import type { SynthesisPlan } from '../synthesis/synthesize.js';\nexport type Input = SynthesisPlan;\n",
      // synthesis sees the runtime as an interface: a value import is refused even though types are allowed
      'server/src/synthesis/plan.ts': "import { createWorkerRuntime } from '../runtime/createWorkerRuntime.js';\nexport const start = createWorkerRuntime;\n",
      // dcmjs belongs to dicom
      'server/src/pacs/parse.ts': "import dcmjs from 'dcmjs';\nexport const data = dcmjs.data;\n",
      // the extension imports the server only through the contract's index, which is pure (zod and the shared files)
      'server/src/contract/index.ts': "export { encodeRuns } from '../conditions/runLength.js';\nexport { z } from 'zod/v4';\n",
      'server/src/contract/readLimits.ts': "import { readFileSync } from 'node:fs';\nexport const limits = (): string => readFileSync('x', 'utf8');\n",
      'extension/src/panel.ts': "import { encodeRuns } from '../../server/src/contract/index.js';\nimport { encodeRuns as direct } from '../../server/src/conditions/runLength.js';\nimport type { SynthesisPlan } from '../../server/src/synthesis/synthesize.js';\nexport type P = [typeof encodeRuns, typeof direct, SynthesisPlan];\n",
      // a cycle inside one module
      'server/src/jobs/a.ts': "import { b } from './b.js';\nexport const a = (): number => b() + 1;\n",
      'server/src/jobs/b.ts': "import { a } from './a.js';\nexport const b = (): number => a();\n",
    };
    for (const [path, text] of Object.entries(files)) {
      await mkdir(dirname(join(tree, path)), { recursive: true });
      await writeFile(join(tree, path), text);
    }
  });
  afterAll(async () => rm(tree, { recursive: true, force: true }));

  it('when a tree breaks each kind of rule once, then each is reported by name and the cruise fails', async () => {
    const broken = await cruiseTree(tree, ['server/src', 'extension/src']);
    const found = broken.summary.violations.map(describeViolation);
    expect(found).toEqual(expect.arrayContaining([
      'dicom-imports: server/src/dicom/buildImage.ts -> server/src/synthesis/synthesize.ts',
      'synthesis-imports-runtime-types-only: server/src/synthesis/plan.ts -> server/src/runtime/createWorkerRuntime.ts',
      expect.stringMatching(/^only-dicom-use-dcmjs: server\/src\/pacs\/parse\.ts -> .*node_modules\/dcmjs\//),
      'extension-uses-only-the-contract: extension/src/panel.ts -> server/src/synthesis/synthesize.ts',
      'extension-uses-only-the-contract: extension/src/panel.ts -> server/src/conditions/runLength.ts',
      expect.stringMatching(/^shared-server-files-stay-pure: server\/src\/contract\/readLimits\.ts -> (node:)?fs$/),
      expect.stringMatching(/^no-circular: server\/src\/jobs\/(a|b)\.ts -> server\/src\/jobs\/(a|b)\.ts$/),
    ]));
    // the contract's index is fine for the extension, and the codec and zod are fine for the contract
    expect(found.filter((v) => v.includes('-> server/src/contract/index.ts') || v.includes('node_modules/zod/') || v.startsWith('shared-server-files-stay-pure: server/src/contract/index.ts'))).toEqual([]);
    expect(broken.summary.error).toBeGreaterThanOrEqual(7);
  }, 120_000);
});
