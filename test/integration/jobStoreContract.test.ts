import { randomUUID } from 'node:crypto';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { postgresAvailability, TempPostgres } from '../../server/src/bench/TempPostgres.js';
import type { CohortStore, NewSubjectJob } from '../../server/src/cohorts/CohortStore.js';
import type { CohortRequest, CohortSubject } from '../../server/src/cohorts/cohortTypes.js';
import { SqliteCohortStore } from '../../server/src/cohorts/SqliteCohortStore.js';
import { ChexgenError } from '../../server/src/errors.js';
import { LeaseLostError, type JobStore, type NewJob } from '../../server/src/jobs/JobStore.js';
import type { Job, JobEvent } from '../../server/src/jobs/jobTypes.js';
import { FilePreviewStore, type PreviewStore } from '../../server/src/jobs/PreviewStore.js';
import { SqliteJobStore } from '../../server/src/jobs/SqliteJobStore.js';
import { openPostgresJobDatabase, type PostgresJobDatabase } from '../../server/src/postgres/openPostgresJobDatabase.js';
import { inCi } from '../helpers/testEnvironment.js';

// The JobStore and CohortStore contract, run against both implementations: the embedded SQLite and PostgreSQL
// (a throwaway cluster from Debian's postgresql package, started here). Then what only PostgreSQL has: several
// workers on one queue, leases and their heartbeat, the event bus across processes.

const postgres = postgresAvailability();
const skipPostgres = !postgres.ok && !inCi;
if (skipPostgres) console.warn(`PostgreSQL job store tests skipped: ${postgres.reason}`);

const progress = { image: 0, count: 1, step: 0, steps: 2, fraction: 0 };
const request = { text: 'x', count: 1, seed: 1, model: 'm' };
const newJob = (id = randomUUID(), key: string | null = null, hash = 'h1'): NewJob => ({ id, request, requestHash: hash, idempotencyKey: key, progress });
const rules = { maxAttempts: 3 };
const cohortRequest = { size: 3, seed: 1, model: 'm' } as unknown as CohortRequest;
const subjects = (n: number): NewSubjectJob[] => Array.from({ length: n }, (_, i) => ({
  jobId: randomUUID(), request, requestHash: `s${i}`, progress, subject: { index: i } as unknown as CohortSubject,
}));

type Opened = { jobs: JobStore; cohorts: CohortStore; previews: PreviewStore; close(): Promise<void> };

let cluster: TempPostgres | undefined;
let databases = 0;

/** A new empty job database in the test cluster, with one process's stores on it (a second call: another process). */
async function openPostgres(url?: string, lease = 30): Promise<Opened & { url: string; db: PostgresJobDatabase }> {
  cluster ??= await TempPostgres.create([]);
  const at = url ?? await cluster.createDatabase(`contract_${++databases}`);
  const db = await openPostgresJobDatabase({ url: at, workerName: `test-${randomUUID().slice(0, 8)}`, leaseSeconds: lease, retryWindowMs: 2000 });
  return { jobs: db.jobs, cohorts: db.cohorts, previews: db.previews, close: () => db.close(), url: at, db };
}

async function openSqlite(): Promise<Opened> {
  const dir = await mkdtemp(join(tmpdir(), 'chexgen-contract-'));
  const jobs = SqliteJobStore.open(join(dir, 'jobs.sqlite'));
  return { jobs, cohorts: new SqliteCohortStore(jobs), previews: new FilePreviewStore(join(dir, 'previews')), close: () => jobs.close() };
}

afterAll(async () => cluster?.dispose());

const implementations: [string, () => Promise<Opened>, boolean][] = [
  ['SQLite', openSqlite, false],
  ['PostgreSQL', () => openPostgres(), skipPostgres],
];

for (const [name, open, skip] of implementations) {
  describe.skipIf(skip)(`job store contract: ${name}`, () => {
    it('when jobs are claimed, then single requests come before cohort subjects, oldest first, running with one more attempt', async () => {
      const { jobs, cohorts, close } = await open();
      const cohortSubjects = subjects(2);
      await cohorts.insert({ id: randomUUID(), request: cohortRequest, requestHash: 'c', idempotencyKey: null }, cohortSubjects);
      const a = await jobs.insert(newJob());
      const b = await jobs.insert(newJob());
      expect(await jobs.claimNext(rules)).toMatchObject({ id: a.job.id, status: 'running', attempts: 1 });
      expect((await jobs.claimNext(rules))?.id).toBe(b.job.id);
      const rest = [(await jobs.claimNext(rules))?.id, (await jobs.claimNext(rules))?.id].sort();
      expect(rest).toEqual(cohortSubjects.map((s) => s.jobId).sort());
      expect(await jobs.claimNext(rules)).toBeUndefined();
      expect(await jobs.countByStatus()).toEqual({ queued: 0, running: 4, succeeded: 0, failed: 0, canceled: 0 });
      await close();
    });

    it('when an idempotency key comes again, then the first job is returned; with another request hash, a conflict', async () => {
      const { jobs, close } = await open();
      const first = await jobs.insert(newJob(undefined, 'k'));
      expect(first.created).toBe(true);
      const otherId = randomUUID();
      expect(await jobs.insert(newJob(otherId, 'k'))).toMatchObject({ created: false, job: { id: first.job.id } });
      await expect(jobs.insert(newJob(undefined, 'k', 'h2'))).rejects.toThrow(ChexgenError);
      expect(await jobs.get(otherId)).toBeUndefined();
      expect((await jobs.findByIdempotencyKey('k'))?.id).toBe(first.job.id);
      await close();
    });

    it('when results are saved, a run ends and a cancel is asked, then each changes the job once', async () => {
      const { jobs, close } = await open();
      const { job } = await jobs.insert(newJob());
      const queued = await jobs.insert(newJob());
      await jobs.claimNext(rules);
      const result = { index: 0, seed: 1, StudyInstanceUID: '1.2.3', SeriesInstanceUIDs: ['1.2.3.1'], delivered: false };
      await jobs.saveResult(job.id, result);
      expect((await jobs.saveResult(job.id, { ...result, delivered: true })).results).toEqual([{ ...result, delivered: true }]);
      await jobs.updateProgress(job.id, { ...progress, step: 1, fraction: 0.5 });
      expect(await jobs.requestCancel(queued.job.id)).toBe('canceled');
      expect(await jobs.requestCancel(job.id)).toBe('flagged');
      expect(await jobs.get(job.id)).toMatchObject({ status: 'running', cancelRequested: true, progress: { step: 1 } });
      expect(await jobs.renewLease(job.id)).toEqual({ held: true, cancelRequested: true });
      expect(await jobs.finish(job.id, 'canceled')).toBe(true);
      expect(await jobs.finish(job.id, 'succeeded')).toBe(false);
      expect(await jobs.requestCancel(job.id)).toBe('final');
      await expect(jobs.requestCancel(randomUUID())).rejects.toMatchObject({ code: 'NOT_FOUND' });
      expect(await jobs.claimNext(rules)).toBeUndefined(); // the canceled one is not handed out
      await close();
    });

    it('when a running job is requeued (graceful shutdown), then it is claimed again with its results and one more attempt', async () => {
      const { jobs, close } = await open();
      const { job } = await jobs.insert(newJob());
      await jobs.claimNext(rules);
      await jobs.saveResult(job.id, { index: 0, seed: 1, StudyInstanceUID: '1.2', SeriesInstanceUIDs: ['1.2.1'], delivered: true });
      await jobs.requeue(job.id);
      expect(await jobs.get(job.id)).toMatchObject({ status: 'queued' });
      expect(await jobs.claimNext(rules)).toMatchObject({ id: job.id, status: 'running', attempts: 2, results: [{ index: 0, delivered: true }] });
      expect(await jobs.finish(job.id, 'succeeded', null, { ...progress, fraction: 1 })).toBe(true);
      expect(await jobs.get(job.id)).toMatchObject({ status: 'succeeded', progress: { fraction: 1 } });
      await close();
    });

    it('when many submissions race against the queue limit, then it is never passed', async () => {
      const { jobs, cohorts, close } = await open();
      const limit = { maxQueuedJobs: 10 };
      const outcomes = await Promise.allSettled([
        ...Array.from({ length: 8 }, () => jobs.insert(newJob(), limit)),
        ...Array.from({ length: 4 }, () => cohorts.insert({ id: randomUUID(), request: cohortRequest, requestHash: 'c', idempotencyKey: null }, subjects(3), limit)),
      ]);
      const refused = outcomes.filter((o) => o.status === 'rejected');
      expect(refused.length).toBeGreaterThan(0);
      for (const o of refused) expect((o as PromiseRejectedResult).reason).toMatchObject({ code: 'UNAVAILABLE', status: 503 });
      expect((await jobs.countByStatus()).queued).toBeLessThanOrEqual(10);
      await expect(jobs.reserveQueueRoom(11, limit)).rejects.toMatchObject({ code: 'UNAVAILABLE' });
      await close();
    });

    it('when a cohort is inserted, read, and canceled, then its subjects are jobs in order and the queued ones end at once', async () => {
      const { jobs, cohorts, close } = await open();
      const made = subjects(3);
      const id = randomUUID();
      const { cohort, created } = await cohorts.insert({ id, request: cohortRequest, requestHash: 'c', idempotencyKey: 'ck' }, made);
      expect(created).toBe(true);
      expect(cohort).toMatchObject({ id, status: 'queued', progress: { done: 0, total: 3 } });
      expect(await cohorts.insert({ id: randomUUID(), request: cohortRequest, requestHash: 'c', idempotencyKey: 'ck' }, subjects(3))).toMatchObject({ created: false, cohort: { id } });
      await expect(cohorts.insert({ id: randomUUID(), request: cohortRequest, requestHash: 'other', idempotencyKey: 'ck' }, [])).rejects.toMatchObject({ code: 'IDEMPOTENCY_CONFLICT' });
      expect((await cohorts.findByIdempotencyKey('ck'))?.id).toBe(id);
      expect((await cohorts.subjects(id)).map((s) => [s.jobId, s.subject])).toEqual(made.map((s, i) => [s.jobId, { index: i }]));
      const running = await jobs.claimNext(rules);
      expect(await cohorts.requestCancel(id)).toEqual({ running: [running?.id] });
      expect(await cohorts.get(id)).toMatchObject({ status: 'running', cancelRequested: true, progress: { canceled: 2 } });
      await jobs.finish(running?.id ?? '', 'canceled');
      expect(await cohorts.get(id)).toMatchObject({ status: 'canceled' });
      expect(await jobs.claimNext(rules)).toBeUndefined();
      await expect(cohorts.requestCancel(randomUUID())).rejects.toMatchObject({ code: 'NOT_FOUND' });
      await close();
    });

    it('when a cohort does not fit the queue, then neither the cohort nor any of its subjects is stored', async () => {
      const { jobs, cohorts, close } = await open();
      const id = randomUUID();
      await expect(cohorts.insert({ id, request: cohortRequest, requestHash: 'c', idempotencyKey: null }, subjects(3), { maxQueuedJobs: 2 })).rejects.toThrow(/queue is full/);
      expect(await cohorts.get(id)).toBeUndefined();
      expect(await jobs.countByStatus()).toEqual({ queued: 0, running: 0, succeeded: 0, failed: 0, canceled: 0 });
      expect(await jobs.claimNext(rules)).toBeUndefined();
      await close();
    });

    it('when SEG masks of ended jobs are past their retention, then their pixels are purged; running jobs keep theirs', async () => {
      const { jobs, close } = await open();
      const seg = { label: 'heart', width: 2, height: 2, rle: [1, 2, 1], source: 'seg' as const };
      const png = { label: 'right_lung', width: 2, height: 2, rle: [0, 4] };
      const withMasks = (): NewJob => ({ ...newJob(), request: { ...request, masks: [seg, png] } });
      const done = (await jobs.insert(withMasks())).job.id;
      await jobs.claimNext(rules);
      await jobs.finish(done, 'succeeded');
      const running = (await jobs.insert(withMasks())).job.id;
      await jobs.claimNext(rules);
      expect(await jobs.purgeSegMasks(new Date(Date.now() + 60_000))).toBe(1);
      expect((await jobs.get(done))?.request.masks).toEqual([{ label: 'heart', width: 2, height: 2, rle: [], source: 'seg', purged: true }, png]);
      expect((await jobs.get(running))?.request.masks).toEqual([seg, png]);
      expect(await jobs.purgeSegMasks(new Date(Date.now() + 60_000))).toBe(0);
      expect(await jobs.ping()).toBe(true);
      await close();
    });

    it('when previews are older than their retention, then they are deleted; newer ones and a second purge are left alone', async () => {
      const { previews, close } = await open();
      const [old, recent] = [randomUUID(), randomUUID()];
      const pause = () => new Promise((resolve) => setTimeout(resolve, 50));
      expect(await previews.purge(new Date(Date.now() + 60_000))).toBe(0); // none made yet
      await previews.put(old, 0, Buffer.from('old 0'));
      await previews.put(old, 1, Buffer.from('old 1'));
      await pause();
      const cutoff = new Date();
      await pause();
      await previews.put(recent, 0, Buffer.from('recent 0'));
      expect(await previews.purge(cutoff)).toBe(2);
      expect(await previews.get(old, 0)).toBeUndefined();
      expect(await previews.get(old, 1)).toBeUndefined();
      expect((await previews.get(recent, 0))?.toString()).toBe('recent 0');
      expect(await previews.purge(cutoff)).toBe(0);
      await close();
    });
  });
}

describe.skipIf(skipPostgres)('PostgreSQL job database made by an earlier release', () => {
  it('when its previews table has no made_at yet, then opening adds it and the old previews can be purged', async () => {
    cluster ??= await TempPostgres.create([]);
    const url = await cluster.createDatabase(`contract_${++databases}`);
    const client = new pg.Client(url);
    await client.connect();
    await client.query(`CREATE SCHEMA chexgen; CREATE TABLE chexgen.previews (job_id text NOT NULL, image integer NOT NULL, png bytea NOT NULL, PRIMARY KEY (job_id, image));
      INSERT INTO chexgen.previews VALUES ('j', 0, '\\x00')`);
    await client.end();
    const { db, close } = await openPostgres(url);
    expect((await db.previews.get('j', 0))?.length).toBe(1);
    expect(await db.previews.purge(new Date(Date.now() - 60_000))).toBe(0);
    expect(await db.previews.purge(new Date(Date.now() + 60_000))).toBe(1);
    await close();
  });
});

describe.skipIf(skipPostgres)('PostgreSQL job store: several workers, leases, events across processes', () => {
  let first: Awaited<ReturnType<typeof openPostgres>>;
  let second: Awaited<ReturnType<typeof openPostgres>>;

  beforeAll(async () => {
    first = await openPostgres(undefined, 3); // a 3 s lease: pg-boss's maintenance runs every second
    second = await openPostgres(first.url, 3);
  }, 120_000);
  afterAll(async () => {
    await first?.close();
    await second?.close();
  });

  it('when two workers claim at once, then each job goes to exactly one of them', async () => {
    const ids = await Promise.all(Array.from({ length: 6 }, async () => (await first.jobs.insert(newJob())).job.id));
    const claimed = await Promise.all(Array.from({ length: 8 }, (_, i) => (i % 2 === 0 ? first : second).jobs.claimNext(rules)));
    const got = claimed.flatMap((job) => (job === undefined ? [] : [job.id]));
    expect(got.sort()).toEqual([...ids].sort());
    for (const id of ids) await finishBoth(id);
  });

  /** Ends a job whichever of the two workers holds it. */
  async function finishBoth(id: string): Promise<void> {
    if (!(await first.jobs.finish(id, 'succeeded').catch(() => false))) await second.jobs.finish(id, 'succeeded');
  }

  it('when a worker stops renewing its lease (it died), then another takes the job over and the first can no longer write it', async () => {
    const { job } = await first.jobs.insert(newJob());
    expect((await first.jobs.claimNext(rules))?.id).toBe(job.id);
    expect(await second.jobs.claimNext(rules)).toBeUndefined(); // held
    let taken: Job | undefined;
    const deadline = Date.now() + 15_000;
    while (taken === undefined && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 300));
      taken = await second.jobs.claimNext(rules);
    }
    expect(taken).toMatchObject({ id: job.id, status: 'running', attempts: 2 });
    await expect(first.jobs.saveResult(job.id, { index: 0, seed: 1, StudyInstanceUID: '1', SeriesInstanceUIDs: [], delivered: false })).rejects.toBeInstanceOf(LeaseLostError);
    expect(await first.jobs.renewLease(job.id)).toEqual({ held: false, cancelRequested: false });
    expect(await second.jobs.renewLease(job.id)).toEqual({ held: true, cancelRequested: false });
    expect(await second.jobs.finish(job.id, 'succeeded')).toBe(true);
  }, 30_000);

  it('when a worker renews its lease every second, then no other worker gets its job, however long it runs', async () => {
    const { job } = await first.jobs.insert(newJob());
    await first.jobs.claimNext(rules);
    for (let i = 0; i < 7; i++) {
      await new Promise((resolve) => setTimeout(resolve, 1000));
      expect(await first.jobs.renewLease(job.id)).toEqual({ held: true, cancelRequested: false });
      expect(await second.jobs.claimNext(rules)).toBeUndefined();
    }
    expect(await first.jobs.finish(job.id, 'succeeded')).toBe(true);
  }, 30_000);

  it('when a dead worker\'s job was already started as often as allowed, then the next claim fails it with INTERRUPTED and says so', async () => {
    const { job } = await first.jobs.insert(newJob());
    await first.jobs.claimNext(rules);
    const ended: Job[] = [];
    let next: Job | undefined;
    const deadline = Date.now() + 15_000;
    while (ended.length === 0 && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 300));
      next = await second.jobs.claimNext({ maxAttempts: 1, onEnded: (j) => ended.push(j) });
    }
    expect(next).toBeUndefined();
    expect(ended).toMatchObject([{ id: job.id, status: 'failed', error: { code: 'INTERRUPTED' } }]);
    expect(await second.jobs.claimNext(rules)).toBeUndefined(); // completed in pg-boss too
  }, 30_000);

  it('when a job signal is published in one process, then listeners in another get it; `done` arrives with the job read back', async () => {
    const { job } = await first.jobs.insert(newJob());
    const seen: JobEvent[] = [];
    const queued: number[] = [];
    const off = second.db.events.subscribe(job.id, (event) => seen.push(event));
    const offQueued = second.db.events.onQueued(() => queued.push(1));
    const canceled: string[] = [];
    const offCancel = second.db.events.onCancel((id) => canceled.push(id));
    first.db.events.publish({ type: 'progress', jobId: job.id, progress: { ...progress, step: 1 } });
    first.db.events.publish({ type: 'queued' });
    first.db.events.publish({ type: 'cancel', jobId: job.id });
    await first.jobs.claimNext(rules);
    await first.jobs.finish(job.id, 'succeeded');
    first.db.events.publish({ type: 'done', jobId: job.id, job });
    const deadline = Date.now() + 5000;
    while ((seen.length < 2 || queued.length === 0 || canceled.length === 0) && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 50));
    off();
    offQueued();
    offCancel();
    expect(seen.map((e) => e.type)).toEqual(['progress', 'done']);
    expect(seen[1]).toMatchObject({ type: 'done', job: { id: job.id, status: 'succeeded' } });
    expect(queued.length).toBe(1);
    expect(canceled).toEqual([job.id]);
  });

  it('when the event connection is cut by the server, then it listens again and delivers later signals', async () => {
    const admin = new pg.Client(first.url);
    await admin.connect();
    await admin.query(`SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = 'chexgen-events' AND pid <> pg_backend_pid()`);
    await admin.end();
    const { job } = await first.jobs.insert(newJob());
    const seen: JobEvent[] = [];
    const off = second.db.events.subscribe(job.id, (event) => seen.push(event));
    const deadline = Date.now() + 15_000;
    while (seen.length === 0 && Date.now() < deadline) {
      first.db.events.publish({ type: 'status', jobId: job.id, status: 'queued' });
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
    off();
    expect(seen[0]).toEqual({ type: 'status', jobId: job.id, status: 'queued' });
  }, 30_000);
});
