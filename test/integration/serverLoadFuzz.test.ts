import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { runCommand } from '../helpers/runCommand.js';
import { tinyModel } from '../helpers/testServer.js';

// Short runs of `npm run load` and `npm run fuzz` (their full runs are the reliability checks of issue 5).
const REPO = fileURLToPath(new URL('../../', import.meta.url));

async function script(name: string, ...args: string[]) {
  const tiny = await tinyModel();
  const env = { ...process.env, CHEXGEN_MODELS_DIR: tiny.modelsDir, CHEXGEN_MODEL: tiny.name, CHEXGEN_THREADS: '1' };
  const result = await runCommand(process.execPath, ['--import', 'tsx', `server/src/bench/${name}.ts`, ...args, '--json'], { cwd: REPO, timeoutMs: 300_000, env });
  expect(result.code, result.stderr).toBe(0);
  return JSON.parse(result.stdout.trim().split('\n').at(-1) ?? '{}');
}

describe('load and fuzz checks (short runs, tiny model)', () => {
  it('when 12 jobs come from 4 clients, then all complete and none is lost', async () => {
    const report = await script('loadServer', '--jobs', '12', '--clients', '4', '--steps', '1');
    expect(report).toMatchObject({ submitted: 12, completed: 12, failed: 0, lost: 0 });
    expect(report.apiLatencyMs.p95).toBeGreaterThan(0);
  });

  it('when 400 hostile requests arrive, then none gets a 5xx and the server stays healthy', async () => {
    const report = await script('fuzzServer', '--requests', '400', '--seed', '7');
    expect(report).toMatchObject({ requests: 400, serverErrors: 0, networkErrors: 0, healthyAfter: true, finalJob: 'succeeded', healthzFailures: 0 });
    // the classes of issue 13 all ran, and the queue held its limit under bursts of parallel cohorts
    expect(Object.keys(report.byGroup).sort()).toEqual(['SEG size lies', 'header-size DICOM', 'mask bombs', 'method override', 'parallel cohorts', 'wildcard patterns']);
    expect(report.maxQueuedSeen).toBeLessThanOrEqual(report.queueLimit);
    for (const group of Object.values(report.byGroup) as Record<string, number>[]) {
      expect(Object.keys(group).filter((status) => status.startsWith('5') && status !== '503 queue full')).toEqual([]);
    }
  });
});
