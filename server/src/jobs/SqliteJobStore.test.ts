import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ChexgenError } from '../errors.js';
import type { NewJob } from './JobStore.js';
import { SqliteJobStore } from './SqliteJobStore.js';

const progress = { image: 0, count: 1, step: 0, steps: 2, fraction: 0 };
const newJob = (id: string, key: string | null = null, hash = 'h1'): NewJob => ({
  id, request: { text: 'x', count: 1, seed: 1, model: 'm' }, requestHash: hash, idempotencyKey: key, progress,
});

async function openStore(): Promise<{ path: string; store: SqliteJobStore }> {
  const path = join(await mkdtemp(join(tmpdir(), 'chexgen-jobs-')), 'jobs.sqlite');
  return { path, store: SqliteJobStore.open(path) };
}

describe('SqliteJobStore (SQLite in a temp dir)', () => {
  it('when jobs are claimed, then the oldest queued comes first, as running with one more attempt', async () => {
    const { store } = await openStore();
    await store.insert(newJob('a'));
    await store.insert(newJob('b'));
    expect(await store.claimNext()).toMatchObject({ id: 'a', status: 'running', attempts: 1 });
    expect(await store.claimNext()).toMatchObject({ id: 'b', status: 'running' });
    expect(await store.claimNext()).toBeUndefined();
    expect(await store.countByStatus()).toEqual({ queued: 0, running: 2, succeeded: 0, failed: 0, canceled: 0 });
    await store.close();
  });

  it('when an idempotency key comes again, then the first job is returned; with another request hash, a conflict', async () => {
    const { store } = await openStore();
    const first = await store.insert(newJob('a', 'k'));
    expect(first.created).toBe(true);
    expect(await store.insert(newJob('b', 'k'))).toMatchObject({ created: false, job: { id: 'a' } });
    await expect(store.insert(newJob('c', 'k', 'h2'))).rejects.toThrow(ChexgenError);
    expect(await store.get('b')).toBeUndefined();
    await store.close();
  });

  it('when a cohort\'s jobs are inserted, listed, counted and canceled, then only JobStore writes the jobs table and no cohorts table is made here', async () => {
    const { store } = await openStore();
    const job = (id: string) => ({ id, request: newJob(id).request, requestHash: 'h', progress, subject: { index: Number(id.slice(1)) } });
    store.insertCohortJobs('c1', [job('s0'), job('s1'), job('s2')]);
    await store.insert(newJob('single'));
    expect(store.cohortJobs('c1').map((j) => [j.jobId, j.subject, j.status])).toEqual([['s0', { index: 0 }, 'queued'], ['s1', { index: 1 }, 'queued'], ['s2', { index: 2 }, 'queued']]);
    expect((await store.claimNext())?.id).toBe('single'); // single requests before cohort subjects
    expect((await store.claimNext())?.id).toBe('s0');
    expect(store.cancelCohortJobs('c1')).toEqual({ running: ['s0'] });
    expect(store.countCohortJobsByStatus('c1')).toEqual({ queued: 0, running: 1, succeeded: 0, failed: 0, canceled: 2 });
    expect(() => store.insertCohortJobs('c2', [job('t0'), job('t1')], { maxQueuedJobs: 1 })).toThrow(/queue is full/);
    expect(store.cohortJobs('c2')).toEqual([]);
    const tables = store.connection.prepare(`SELECT name FROM sqlite_master WHERE type = 'table'`).all() as { name: string }[];
    expect(tables.map((t) => t.name)).toEqual(['jobs']);
    await store.close();
  });

  it('when the process died with jobs running, then reopening requeues them, cancels flagged ones, fails worn-out ones', async () => {
    const { path, store } = await openStore();
    for (const id of ['a', 'b', 'c']) await store.insert(newJob(id));
    await store.claimNext(); // a
    await store.saveResult('a', { index: 0, seed: 1, StudyInstanceUID: '1.2.3', SeriesInstanceUIDs: ['1.2.3.1'], delivered: true });
    await store.claimNext(); // b
    expect(await store.requestCancel('b')).toBe('flagged');
    for (let i = 0; i < 3; i++) {
      await store.claimNext(); // c, started three times
      if (i < 2) await store.requeue('c');
    }
    await store.close(); // "crash": three jobs left running

    const reopened = SqliteJobStore.open(path);
    expect((await reopened.countByStatus()).running).toBe(3);
    expect(await reopened.recoverInterrupted(3)).toEqual({ requeued: ['a'], canceled: ['b'], failed: ['c'] });
    expect(await reopened.get('a')).toMatchObject({ status: 'queued', attempts: 1, results: [{ index: 0, delivered: true }] });
    expect((await reopened.get('b'))?.status).toBe('canceled');
    expect(await reopened.get('c')).toMatchObject({ status: 'failed', attempts: 3, error: { code: 'INTERRUPTED' } });
    await reopened.close();
  });

  it('when a second store opens the same file, then it is refused while the first holds it', async () => {
    const { path, store } = await openStore();
    expect(() => SqliteJobStore.open(path)).toThrow(/in use by another chexgen server/);
    await store.close();
    await SqliteJobStore.open(path).close();
  });

  it('when a cancel is asked, then a queued job ends at once, a running one is flagged, a final one stays', async () => {
    const { store } = await openStore();
    await store.insert(newJob('a'));
    await store.insert(newJob('b'));
    await store.claimNext();
    expect(await store.requestCancel('b')).toBe('canceled');
    expect(await store.requestCancel('a')).toBe('flagged');
    expect(await store.get('a')).toMatchObject({ status: 'running', cancelRequested: true });
    expect(await store.finish('a', 'canceled')).toBe(true);
    expect(await store.finish('a', 'succeeded')).toBe(false);
    expect(await store.requestCancel('a')).toBe('final');
    await expect(store.requestCancel('zzz')).rejects.toThrow(/no job zzz/);
    await store.close();
  });

  it('when a job carries a mask of many runs, then its row stores them compactly and reads them back the same (issue 13, item 5)', async () => {
    const { store } = await openStore();
    const rle = [0, ...Array.from({ length: 99_999 }, () => 1)];
    await store.insert({ ...newJob('m'), request: { text: 'x', count: 1, seed: 1, model: 'm', masks: [{ label: 'heart', width: 100_000, height: 1, rle }] } });
    const row = store.connection.prepare('SELECT length(request) AS bytes FROM jobs WHERE id = ?').get('m') as { bytes: number };
    expect(row.bytes).toBeLessThan(2_000);
    expect((await store.get('m'))?.request.masks?.[0].rle).toEqual(rle);
    await store.close();
  });

  it('when a row was written with plain run arrays (before compact masks), then it still reads', async () => {
    const { store } = await openStore();
    await store.insert(newJob('old'));
    const request = { text: 'x', count: 1, seed: 1, model: 'm', masks: [{ label: 'heart', width: 2, height: 2, rle: [1, 2, 1] }] };
    store.connection.prepare('UPDATE jobs SET request = ? WHERE id = ?').run(JSON.stringify(request), 'old');
    expect((await store.get('old'))?.request.masks).toEqual(request.masks);
    await store.close();
  });

  it('when masks taken from a real SEG are past their retention, then they are purged from the finished jobs only; other masks stay (issue 13)', async () => {
    let now = new Date('2026-01-01T00:00:00Z');
    const path = join(await mkdtemp(join(tmpdir(), 'chexgen-jobs-')), 'jobs.sqlite');
    const store = SqliteJobStore.open(path, { now: () => now });
    const seg = { label: 'heart', width: 2, height: 2, rle: [1, 2, 1], source: 'seg' as const };
    const png = { label: 'right_lung', width: 2, height: 2, rle: [0, 4] };
    const withMasks = (id: string) => ({ ...newJob(id), request: { text: 'x', count: 1, seed: 1, model: 'm', masks: [seg, png] } });
    for (const id of ['done', 'running', 'recent']) await store.insert(withMasks(id));
    await store.finish('done', 'succeeded');
    await store.claimNext(); // 'done' is final, so this claims 'running'
    now = new Date('2026-01-20T00:00:00Z');
    await store.finish('recent', 'failed', { code: 'X', message: 'x' });
    expect(await store.purgeSegMasks(new Date('2026-01-10T00:00:00Z'))).toBe(1);
    expect((await store.get('done'))?.request.masks).toEqual([{ label: 'heart', width: 2, height: 2, rle: [], source: 'seg', purged: true }, png]);
    expect((await store.get('running'))?.request.masks).toEqual([seg, png]);
    expect((await store.get('recent'))?.request.masks).toEqual([seg, png]);
    expect(await store.purgeSegMasks(new Date('2026-01-10T00:00:00Z'))).toBe(0); // already purged
    await store.close();
  });
});
