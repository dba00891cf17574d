import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { SqliteJobStore } from '../../server/src/jobs/SqliteJobStore.js';
import { EmbeddedStore, firstNumber, firstString, TAG } from '../../server/src/pacs/index.js';
import { apiClient, newDataDir, startTestServer, tinyModel, waitForJob } from '../helpers/testServer.js';

// A job interrupted by a shutdown or a crash resumes on the next start and stores each study exactly once.
const REPO = fileURLToPath(new URL('../../', import.meta.url));
const BIN = join(REPO, 'bin', 'chexgen.mjs');
const REQUEST = { text: 'Cardiomegaly.', steps: 60, count: 3, seed: 9 }; // ~1 s per image with the tiny model

/** Every study in the data dir's embedded store (read from disk): UID -> instances. */
async function storedStudies(dataDir: string): Promise<Map<string, number>> {
  const store = await EmbeddedStore.open({ dataDir: join(dataDir, 'store') });
  return new Map((await store.searchStudies()).map((s) => [firstString(s, TAG.StudyInstanceUID) ?? '', firstNumber(s, TAG.NumberOfStudyRelatedInstances) ?? 0]));
}

async function countDicomFiles(dir: string): Promise<number> {
  const entries = await readdir(dir, { recursive: true });
  return entries.filter((e) => e.endsWith('.dcm')).length;
}

/** `chexgen serve` in a child process; resolves with its URL once it listens. */
async function spawnServer(dataDir: string): Promise<{ child: ChildProcessWithoutNullStreams; url: string; output: () => string }> {
  const tiny = await tinyModel();
  const child = spawn(process.execPath, [BIN, 'serve'], {
    cwd: REPO,
    env: { ...process.env, CHEXGEN_DATA_DIR: dataDir, CHEXGEN_MODELS_DIR: tiny.modelsDir, CHEXGEN_MODEL: tiny.name, CHEXGEN_THREADS: '1', PORT: '0', HOST: '127.0.0.1', CHEXGEN_API_TOKEN: '' },
  });
  let output = '';
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => (output += chunk));
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (output += chunk));
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`chexgen serve did not start:\n${output}`)), 60_000);
    const look = () => {
      const match = /chexgen server listening on (http:\/\/[^"\s]+)/.exec(output);
      if (match) {
        clearTimeout(timer);
        resolve(match[1]);
      }
    };
    child.stdout.on('data', look);
    child.once('exit', (code) => reject(new Error(`chexgen serve exited (${code}):\n${output}`)));
  });
  return { child, url, output: () => output };
}

function exited(child: ChildProcessWithoutNullStreams): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve({ code: child.exitCode, signal: child.signalCode });
  return new Promise((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
}

describe('job durability', () => {
  it('when the server shuts down mid-job, then the job is queued again and the next server finishes it; each study once', async () => {
    const dataDir = await newDataDir();
    const first = await startTestServer(dataDir);
    const api1 = apiClient(first.url);
    const { body } = await api1.post('/api/v1/syntheses', REQUEST);
    const before = await waitForJob(api1, body.id, (j) => j.results.some((r: { delivered: boolean }) => r.delivered) && j.status === 'running');
    await first.close(); // graceful: the running job goes back to the queue between two steps

    const db = SqliteJobStore.open(join(dataDir, 'jobs.sqlite'));
    const requeued = await db.get(body.id);
    await db.close();
    expect(requeued).toMatchObject({ status: 'queued', attempts: 1 });
    const kept = requeued?.results.length ?? 0;
    expect(kept).toBeGreaterThanOrEqual(1);
    expect(kept).toBeLessThan(3);

    const second = await startTestServer(dataDir);
    try {
      const job = await waitForJob(apiClient(second.url), body.id);
      expect(job).toMatchObject({ status: 'succeeded', attempts: 2 });
      expect(job.results.slice(0, before.results.length)).toMatchObject(before.results.map((r: { StudyInstanceUID: string }) => ({ StudyInstanceUID: r.StudyInstanceUID })));
      expect((await second.jobs.metrics()).imagesTotal).toBe(3 - kept); // recorded images were not made again
      const studies = await second.store.searchStudies();
      expect(studies.map((s) => firstString(s, TAG.StudyInstanceUID)).sort()).toEqual(job.results.map((r: { StudyInstanceUID: string }) => r.StudyInstanceUID).sort());
      expect(studies.map((s) => firstNumber(s, TAG.NumberOfStudyRelatedInstances))).toEqual([2, 2, 2]);
    } finally {
      await second.close();
    }
  });

  it('when the server process is killed (SIGKILL) mid-job, then after a restart the job completes and every study is stored once', async () => {
    const dataDir = await newDataDir();
    const first = await spawnServer(dataDir);
    const api1 = apiClient(first.url);
    const { status, body } = await api1.post('/api/v1/syntheses', REQUEST);
    expect(status).toBe(202);
    await waitForJob(api1, body.id, (j) => j.status === 'running' && j.results.length >= 1 && j.progress.image >= 1 && j.progress.step >= 1);
    first.child.kill('SIGKILL');
    expect(await exited(first.child)).toMatchObject({ signal: 'SIGKILL' });

    const db = SqliteJobStore.open(join(dataDir, 'jobs.sqlite'));
    expect((await db.get(body.id))?.status).toBe('running'); // what a crash leaves behind
    await db.close();

    const second = await spawnServer(dataDir);
    let job;
    try {
      job = await waitForJob(apiClient(second.url), body.id);
      expect(job).toMatchObject({ status: 'succeeded', attempts: 2, error: null });
      expect(job.results.map((r: { delivered: boolean }) => r.delivered)).toEqual([true, true, true]);
    } finally {
      second.child.kill('SIGTERM');
      const end = await exited(second.child);
      expect(end, second.output()).toMatchObject({ code: 0 }); // graceful shutdown on SIGTERM
    }
    expect(second.output()).toContain('jobs interrupted by a crash');
    const studies = await storedStudies(dataDir);
    expect([...studies.keys()].sort()).toEqual(job.results.map((r: { StudyInstanceUID: string }) => r.StudyInstanceUID).sort());
    expect([...studies.values()]).toEqual([2, 2, 2]); // image + SR per study, no duplicates
    expect(await countDicomFiles(join(dataDir, 'store'))).toBe(6);
    expect(await readdir(join(dataDir, 'outbox'))).toEqual([]);
  });
});
