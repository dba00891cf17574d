import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

/**
 * vitest globalSetup: compiles server/src into server/dist (tsconfig.build.json, incremental) before any test runs,
 * because the CLI tests run bin/chexgen.mjs, which runs the compiled server as users do. Building here keeps them
 * from testing a stale build; with nothing changed it takes a few seconds.
 */
export default async function buildServer(): Promise<void> {
  const repo = fileURLToPath(new URL('../../', import.meta.url));
  const tsc = fileURLToPath(new URL('../../node_modules/typescript/bin/tsc', import.meta.url));
  try {
    await promisify(execFile)(process.execPath, [tsc, '-p', 'tsconfig.build.json'], { cwd: repo, maxBuffer: 16 * 1024 * 1024 });
  } catch (error) {
    const { stdout = '', stderr = '' } = error as { stdout?: string; stderr?: string };
    throw new Error(`npm run build failed, so the compiled CLI cannot be tested:\n${stdout}${stderr}`);
  }
}
