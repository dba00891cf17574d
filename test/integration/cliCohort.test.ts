import { mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse } from 'csv-parse/sync';
import { beforeAll, describe, expect, it } from 'vitest';
import { EmbeddedStore, firstString, TAG } from '../../server/src/pacs/index.js';
import { runCommand } from '../helpers/runCommand.js';
import { tinyModel } from '../helpers/testServer.js';

// `chexgen cohort` end to end: the real entry point, the tiny model, a fresh data dir with the embedded store.
const REPO = fileURLToPath(new URL('../../', import.meta.url));
const BIN = join(REPO, 'bin', 'chexgen.mjs');

describe('chexgen cohort', () => {
  let env: NodeJS.ProcessEnv;
  let dataDir: string;
  const chexgen = (...args: string[]) => runCommand(process.execPath, [BIN, ...args], { cwd: REPO, timeoutMs: 120_000, env });

  beforeAll(async () => {
    const model = await tinyModel();
    dataDir = await mkdtemp(join(tmpdir(), 'chexgen-cohort-'));
    env = { ...process.env, CHEXGEN_MODELS_DIR: model.modelsDir, CHEXGEN_MODEL: model.name, CHEXGEN_DATA_DIR: dataDir, CHEXGEN_THREADS: '1', CHEXGEN_PACS_URL: '' };
  }, 600_000);

  it('when a cohort is asked for, then its studies are in the store and the manifest files list them', async () => {
    const out = join(dataDir, 'manifest-out');
    const run = await chexgen('cohort', '--size', '3', '--seed', '4', '--steps', '1', '--view', 'PA=1,AP=1', '--finding', 'nodule=1', '--out', out, '--json');
    expect(run.code, run.stderr).toBe(0);
    const summary = JSON.parse(run.stdout.trim().split('\n').pop() ?? '{}');
    expect(summary).toMatchObject({ status: 'succeeded', size: 3, seed: 4, manifestDir: out });
    const manifest = JSON.parse(await readFile(join(out, 'manifest.json'), 'utf8'));
    expect(manifest.subjects).toHaveLength(3);
    for (const s of manifest.subjects) expect(s).toMatchObject({ status: 'succeeded', findings: ['nodule'], boxes: [expect.objectContaining({ label: 'nodule' })] });
    const rows = parse(await readFile(join(out, 'manifest.csv'), 'utf8'), { columns: true }) as Record<string, string>[];
    expect(rows.map((r) => r.study_instance_uid)).toEqual(manifest.subjects.map((s: { StudyInstanceUID: string }) => s.StudyInstanceUID));
    const store = await EmbeddedStore.open({ dataDir: join(dataDir, 'store') });
    const stored = (await store.searchStudies({})).map((s) => firstString(s, TAG.StudyInstanceUID));
    for (const s of manifest.subjects) expect(stored).toContain(s.StudyInstanceUID);
  });

  it('when an option breaks a rule, then exit 2 with a message naming it; an unknown cohort to resume is exit 4', async () => {
    const bad = await chexgen('cohort', '--size', '2', '--finding', 'unicorn=0.5');
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/findings\.unicorn/);
    const noSize = await chexgen('cohort');
    expect(noSize.code).toBe(2);
    expect(noSize.stderr).toMatch(/--size: required/);
    const resume = await chexgen('cohort', '--resume', '00000000-0000-4000-8000-000000000000');
    expect(resume.code).toBe(4);
    expect(resume.stderr).toMatch(/no cohort/);
  });
});
