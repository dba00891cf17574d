import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { postgresAvailability, TempPostgres } from '../../server/src/bench/TempPostgres.js';
import { spawnChexgen, exited, stopProcess, type ChexgenProcess } from '../helpers/chexgenProcess.js';
import { orthancAvailability, OrthancServer } from '../helpers/orthanc.js';
import { inCi } from '../helpers/testEnvironment.js';
import { apiClient, readEvents, tinyModel, waitForJob } from '../helpers/testServer.js';

// Scale-out (issue 15): an API-only `chexgen serve` and several `chexgen worker` processes on one PostgreSQL job
// database (a throwaway cluster of Debian's postgresql) delivering to a real Orthanc. Workers are killed with SIGKILL,
// the API is killed and restarted, the database is stopped and started again: no job is lost and Orthanc holds
// every study exactly once.

const postgres = postgresAvailability();
const orthanc = orthancAvailability();
const missing = [postgres, orthanc].filter((a) => !a.ok).map((a) => a.reason);
const skip = missing.length > 0 && !inCi;
if (skip) console.warn(`scale-out tests skipped: ${missing.join('; ')}`);

/** ~1 s per image with the tiny model on an idle core; 3 images per job (a job is still running after its first), each a study of image + SR. */
const job = (seed: number) => ({ text: 'Cardiomegaly.', steps: 40, count: 3, seed });
const INSTANCES_PER_STUDY = 2;

describe.skipIf(skip)('scale-out: API and workers on PostgreSQL, a real Orthanc', () => {
  let cluster: TempPostgres;
  let pacs: OrthancServer;
  let env: Record<string, string>;
  let api: ChexgenProcess | undefined;
  let apiUrl = '';
  const workers = new Map<string, ChexgenProcess>();
  const submitted: string[] = [];

  async function startApi(): Promise<void> {
    api = await spawnChexgen(['serve', '--api-only'], { ...env, CHEXGEN_DATA_DIR: await mkdtemp(join(tmpdir(), 'chexgen-api-')) }, /chexgen server listening on (http:\/\/[^"\s]+)/);
    apiUrl = api.match[1];
  }

  async function startWorker(name: string): Promise<void> {
    const dataDir = await mkdtemp(join(tmpdir(), `chexgen-${name}-`));
    workers.set(name, await spawnChexgen(['worker', '--name', name], { ...env, CHEXGEN_DATA_DIR: dataDir }, /chexgen worker running/));
  }

  async function query<R extends pg.QueryResultRow>(text: string, values: unknown[] = []): Promise<R[]> {
    const client = new pg.Client(cluster.url());
    await client.connect();
    try {
      return (await client.query<R>(text, values)).rows;
    } finally {
      await client.end();
    }
  }

  async function submit(seeds: number[]): Promise<string[]> {
    const client = apiClient(apiUrl);
    const ids: string[] = [];
    for (const seed of seeds) {
      const { status, body } = await client.post('/api/v1/syntheses', job(seed));
      expect(status, JSON.stringify(body)).toBe(202);
      ids.push(body.id);
    }
    submitted.push(...ids);
    return ids;
  }

  /** Waits until a job is running and has recorded an image; returns it with the worker that holds it. */
  async function runningWithAnImage(ids: string[], timeoutMs = 90_000): Promise<{ id: string; worker: string }> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const [row] = await query<{ id: string; worker: string }>(
        `SELECT id, worker FROM chexgen.jobs WHERE status = 'running' AND results <> '[]' AND id = ANY($1) ORDER BY updated_at LIMIT 1`, [ids],
      );
      if (row !== undefined) return row;
      if (Date.now() > deadline) throw new Error('no job got to its second image');
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }

  async function allEnded(ids: string[], timeoutMs = 240_000): Promise<{ id: string; status: string; attempts: number; results: { StudyInstanceUID: string; delivered: boolean }[] }[]> {
    const client = apiClient(apiUrl);
    return Promise.all(ids.map((id) => waitForJob(client, id, undefined, timeoutMs)));
  }

  /** Orthanc's studies: UID -> instances. */
  async function orthancStudies(): Promise<Map<string, number>> {
    const response = await fetch(`${pacs.dicomWebUrl}/studies?includefield=00201208`);
    const studies = response.status === 204 ? [] : (await response.json()) as Record<string, { Value?: unknown[] }>[];
    return new Map(studies.map((s) => [String(s['0020000D']?.Value?.[0]), Number(s['00201208']?.Value?.[0])]));
  }

  /** Every submitted job's studies are in Orthanc exactly once, with their instances once; nothing else is. */
  async function expectEachStudyOnce(): Promise<void> {
    const jobs = await allEnded(submitted);
    const expected = jobs.flatMap((j) => j.results.map((r) => r.StudyInstanceUID));
    expect(new Set(expected).size).toBe(expected.length);
    const stored = await orthancStudies();
    expect([...stored.keys()].sort()).toEqual([...expected].sort());
    expect([...stored.values()].every((n) => n === INSTANCES_PER_STUDY), JSON.stringify([...stored])).toBe(true);
    const statistics = await (await fetch(`${pacs.url}/statistics`)).json() as { CountInstances: number };
    expect(statistics.CountInstances).toBe(expected.length * INSTANCES_PER_STUDY);
  }

  beforeAll(async () => {
    [cluster, pacs] = await Promise.all([TempPostgres.create(), OrthancServer.create()]);
    const tiny = await tinyModel();
    env = {
      CHEXGEN_DATABASE_URL: cluster.url(), CHEXGEN_PACS_URL: pacs.dicomWebUrl, CHEXGEN_LEASE_S: '3',
      CHEXGEN_MODELS_DIR: tiny.modelsDir, CHEXGEN_MODEL: tiny.name, CHEXGEN_THREADS: '1', PORT: '0', HOST: '127.0.0.1', CHEXGEN_API_TOKEN: '',
      CHEXGEN_LOG_LEVEL: 'info',
    };
    await startApi();
    for (const name of ['w1', 'w2', 'w3']) await startWorker(name);
  }, 300_000);

  afterAll(async () => {
    await Promise.all([...workers.values(), ...(api !== undefined ? [api] : [])].map((p) => stopProcess(p.child, 5000)));
    await Promise.all([cluster?.dispose(), pacs?.dispose()]);
  }, 120_000);

  it('when one of 3 workers is killed (SIGKILL) mid-job, then another takes its job over: 0 lost, 0 duplicate studies in Orthanc; events reach the API', async () => {
    const ids = await submit([1, 2, 3, 4, 5, 6]);
    const stream = readEvents(`${apiUrl}/api/v1/syntheses/${ids[0]}/events`);
    const victim = await runningWithAnImage(ids);
    const killed = workers.get(victim.worker);
    expect(killed, `worker ${victim.worker}`).toBeDefined();
    killed?.child.kill('SIGKILL');
    expect(await exited(killed!.child)).toMatchObject({ signal: 'SIGKILL' });
    workers.delete(victim.worker);

    const jobs = await allEnded(ids);
    expect(jobs.map((j) => j.status)).toEqual(ids.map(() => 'succeeded'));
    expect(jobs.every((j) => j.results.every((r) => r.delivered))).toBe(true);
    const taken = jobs.find((j) => j.id === victim.id);
    expect(taken?.attempts).toBe(2); // started by the victim, finished by another worker
    const [{ worker }] = await query<{ worker: string }>('SELECT worker FROM chexgen.jobs WHERE id = $1', [victim.id]);
    expect(worker).not.toBe(victim.worker);
    const used = await query<{ worker: string }>('SELECT DISTINCT worker FROM chexgen.jobs WHERE id = ANY($1)', [ids]);
    expect(used.length).toBeGreaterThanOrEqual(2);
    await expectEachStudyOnce();

    const events = await stream; // the API follows a job a worker runs, over LISTEN/NOTIFY
    expect(events.filter((e) => e.event === 'progress').length).toBeGreaterThan(2);
    expect(events.at(-1)).toMatchObject({ event: 'done', data: { status: 'succeeded' } });
  }, 300_000);

  it('when the API is killed and started again with jobs in flight, then the workers go on and the new API reports them to the end', async () => {
    await startWorker('w4'); // back to 3 workers
    const ids = await submit([11, 12, 13, 14]);
    await runningWithAnImage(ids);
    api!.child.kill('SIGKILL');
    await exited(api!.child);
    await new Promise((resolve) => setTimeout(resolve, 1500)); // the jobs go on without an API
    await startApi();
    const running = (await query<{ id: string }>(`SELECT id FROM chexgen.jobs WHERE status IN ('queued', 'running') AND id = ANY($1)`, [ids])).map((r) => r.id);
    const followed = running.length > 0 ? readEvents(`${apiUrl}/api/v1/syntheses/${running.at(-1)}/events`) : undefined;
    const jobs = await allEnded(ids);
    expect(jobs.map((j) => j.status)).toEqual(ids.map(() => 'succeeded'));
    if (followed !== undefined) expect((await followed).at(-1)).toMatchObject({ event: 'done', data: { status: 'succeeded' } });
    expect((await apiClient(apiUrl).get(`/api/v1/syntheses/${ids[0]}/preview/0.png`)).status).toBe(200); // made by a worker, served by the API
    await expectEachStudyOnce();
  }, 300_000);

  it('when a worker is stopped with SIGTERM mid-job, then it puts its job back and exits 0; another worker finishes the job', async () => {
    const ids = await submit([31, 32, 33]);
    const victim = await runningWithAnImage(ids);
    const stopped = workers.get(victim.worker);
    expect(await stopProcess(stopped!.child), stopped!.output().slice(-3000)).toMatchObject({ code: 0 });
    workers.delete(victim.worker);
    expect(stopped!.output()).toContain('job requeued for shutdown');
    const jobs = await allEnded(ids);
    expect(jobs.map((j) => j.status)).toEqual(ids.map(() => 'succeeded'));
    expect(jobs.find((j) => j.id === victim.id)?.attempts).toBe(2);
    await expectEachStudyOnce();
    await startWorker('w5');
  }, 300_000);

  it('when the database is down for a while (longer than a lease) and back, then the API says 503 meanwhile and every job ends once stored', async () => {
    const ids = await submit([21, 22, 23, 24]);
    await runningWithAnImage(ids);
    await cluster.stop('fast');
    const client = apiClient(apiUrl);
    const during = await client.get(`/api/v1/syntheses/${ids[0]}`);
    expect(during.status).toBe(503);
    expect(during.body).toMatchObject({ error: { code: 'UNAVAILABLE' } });
    expect((await client.get('/readyz')).status).toBe(503);
    expect((await client.post('/api/v1/syntheses', job(99))).status).toBe(503);
    await new Promise((resolve) => setTimeout(resolve, 8000));
    await cluster.start();
    const jobs = await allEnded(ids);
    expect(jobs.map((j) => j.status)).toEqual(ids.map(() => 'succeeded'));
    const ready = await client.get('/readyz');
    expect(ready.status).toBe(200);
    // The API-only server plans on the model's manifest and leaves its graphs to the workers.
    expect(ready.body.checks.model.detail).toMatch(/ on chexgen worker processes$/);
    await expectEachStudyOnce();
    for (const worker of workers.values()) expect(worker.child.exitCode, worker.output().slice(-3000)).toBeNull(); // no worker died of it
  }, 300_000);
});
