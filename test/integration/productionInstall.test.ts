import { builtinModules } from 'node:module';
import { readdir, readFile } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import packageJson from '../../package.json' with { type: 'json' };

const REPO = fileURLToPath(new URL('../../', import.meta.url));
const DIST = join(REPO, 'server', 'dist');

/** Every .js file under `dir`. */
async function jsFiles(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { withFileTypes: true, recursive: true });
  return entries.filter((e) => e.isFile() && e.name.endsWith('.js')).map((e) => join(e.parentPath, e.name));
}

/** The package each bare import, dynamic import, require or import.meta.resolve of `text` names. */
function packagesOf(text: string): string[] {
  const specifiers = [...text.matchAll(/(?:\bfrom\s+|\bimport\(\s*|\brequire\(\s*|import\.meta\.resolve\(\s*)["']([^"']+)["']/g)].map((m) => m[1]);
  return specifiers
    .filter((s) => !s.startsWith('.') && !s.startsWith('node:'))
    .map((s) => (s.startsWith('@') ? s.split('/').slice(0, 2).join('/') : s.split('/')[0]))
    .filter((name) => !builtinModules.includes(name));
}

// `npm ci --omit=dev && npm start` (README): the compiled server (server/dist, built by vitest's global setup and by
// scripts/setup.sh) must need only the runtime dependencies of package.json.
describe('production install', () => {
  it('when compiled, the server and the CLI import only dependencies (tsx only where the sources run as .ts)', async () => {
    const runtime = new Set(Object.keys(packageJson.dependencies));
    const files = await jsFiles(DIST);
    expect(files.length).toBeGreaterThan(100);
    const outside: string[] = [];
    for (const file of files) {
      for (const name of packagesOf(await readFile(file, 'utf8'))) {
        if (!runtime.has(name)) outside.push(`${relative(DIST, file)}: ${name}`);
      }
    }
    // Both start a worker through tsx only when their own URL ends in .ts (tests, dev tools), never from server/dist.
    expect(outside.sort()).toEqual(['bench/MatMulProbe.js: tsx', 'runtime/spawnInferenceWorker.js: tsx']);
  });

  it('when package.json is read, then it names the supported Node lines and runs the compiled entry point', () => {
    expect(packageJson.engines.node).toBe('^20.19.0 || ^22.13.0 || >=24.0.0');
    expect(packageJson.scripts.start).toBe('node bin/chexgen.mjs serve');
    expect(packageJson.scripts.build).toBe('tsc -p tsconfig.build.json');
    expect(Object.keys(packageJson.dependencies)).not.toContain('tsx');
  });
});
