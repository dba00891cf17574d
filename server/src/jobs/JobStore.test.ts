import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ChexgenError } from '../errors.js';
import { JobStore, type NewJob } from './JobStore.js';

const progress = { image: 0, count: 1, step: 0, steps: 2, fraction: 0 };
const newJob = (id: string, key: string | null = null, hash = 'h1'): NewJob => ({
  id, request: { text: 'x', count: 1, seed: 1, model: 'm' }, requestHash: hash, idempotencyKey: key, progress,
});

async function openStore(): Promise<{ path: string; store: JobStore }> {
  const path = join(await mkdtemp(join(tmpdir(), 'chexgen-jobs-')), 'jobs.sqlite');
  return { path, store: JobStore.open(path) };
}

describe('JobStore (SQLite in a temp dir)', () => {
  it('when jobs are claimed, then the oldest queued comes first, as running with one more attempt', async () => {
    const { store } = await openStore();
    store.insert(newJob('a'));
    store.insert(newJob('b'));
    expect(store.claimNext()).toMatchObject({ id: 'a', status: 'running', attempts: 1 });
    expect(store.claimNext()).toMatchObject({ id: 'b', status: 'running' });
    expect(store.claimNext()).toBeUndefined();
    expect(store.countByStatus()).toEqual({ queued: 0, running: 2, succeeded: 0, failed: 0, canceled: 0 });
    store.close();
  });

  it('when an idempotency key comes again, then the first job is returned; with another request hash, a conflict', async () => {
    const { store } = await openStore();
    const first = store.insert(newJob('a', 'k'));
    expect(first.created).toBe(true);
    expect(store.insert(newJob('b', 'k'))).toMatchObject({ created: false, job: { id: 'a' } });
    expect(() => store.insert(newJob('c', 'k', 'h2'))).toThrow(ChexgenError);
    expect(store.get('b')).toBeUndefined();
    store.close();
  });

  it('when a cohort\'s jobs are inserted, listed, counted and canceled, then only JobStore writes the jobs table and no cohorts table is made here', async () => {
    const { store } = await openStore();
    const job = (id: string) => ({ id, request: newJob(id).request, requestHash: 'h', progress, subject: { index: Number(id.slice(1)) } });
    store.insertCohortJobs('c1', [job('s0'), job('s1'), job('s2')]);
    store.insert(newJob('single'));
    expect(store.cohortJobs('c1').map((j) => [j.jobId, j.subject, j.status])).toEqual([['s0', { index: 0 }, 'queued'], ['s1', { index: 1 }, 'queued'], ['s2', { index: 2 }, 'queued']]);
    expect(store.claimNext()?.id).toBe('single'); // single requests before cohort subjects
    expect(store.claimNext()?.id).toBe('s0');
    expect(store.cancelCohortJobs('c1')).toEqual({ running: ['s0'] });
    expect(store.countCohortJobsByStatus('c1')).toEqual({ queued: 0, running: 1, succeeded: 0, failed: 0, canceled: 2 });
    expect(() => store.insertCohortJobs('c2', [job('t0'), job('t1')], { maxQueuedJobs: 1 })).toThrow(/queue is full/);
    expect(store.cohortJobs('c2')).toEqual([]);
    const tables = store.connection.prepare(`SELECT name FROM sqlite_master WHERE type = 'table'`).all() as { name: string }[];
    expect(tables.map((t) => t.name)).toEqual(['jobs']);
    store.close();
  });

  it('when the process died with jobs running, then reopening requeues them, cancels flagged ones, fails worn-out ones', async () => {
    const { path, store } = await openStore();
    for (const id of ['a', 'b', 'c']) store.insert(newJob(id));
    store.claimNext(); // a
    store.saveResult('a', { index: 0, seed: 1, StudyInstanceUID: '1.2.3', SeriesInstanceUIDs: ['1.2.3.1'], delivered: true });
    store.claimNext(); // b
    expect(store.requestCancel('b')).toBe('flagged');
    for (let i = 0; i < 3; i++) {
      store.claimNext(); // c, started three times
      if (i < 2) store.requeue('c');
    }
    store.close(); // "crash": three jobs left running

    const reopened = JobStore.open(path);
    expect(reopened.countByStatus().running).toBe(3);
    expect(reopened.recoverInterrupted(3)).toEqual({ requeued: ['a'], canceled: ['b'], failed: ['c'] });
    expect(reopened.get('a')).toMatchObject({ status: 'queued', attempts: 1, results: [{ index: 0, delivered: true }] });
    expect(reopened.get('b')?.status).toBe('canceled');
    expect(reopened.get('c')).toMatchObject({ status: 'failed', attempts: 3, error: { code: 'INTERRUPTED' } });
    reopened.close();
  });

  it('when a second store opens the same file, then it is refused while the first holds it', async () => {
    const { path, store } = await openStore();
    expect(() => JobStore.open(path)).toThrow(/in use by another chexgen server/);
    store.close();
    JobStore.open(path).close();
  });

  it('when a cancel is asked, then a queued job ends at once, a running one is flagged, a final one stays', async () => {
    const { store } = await openStore();
    store.insert(newJob('a'));
    store.insert(newJob('b'));
    store.claimNext();
    expect(store.requestCancel('b')).toBe('canceled');
    expect(store.requestCancel('a')).toBe('flagged');
    expect(store.get('a')).toMatchObject({ status: 'running', cancelRequested: true });
    expect(store.finish('a', 'canceled')).toBe(true);
    expect(store.finish('a', 'succeeded')).toBe(false);
    expect(store.requestCancel('a')).toBe('final');
    expect(() => store.requestCancel('zzz')).toThrow(/no job zzz/);
    store.close();
  });

  it('when a job carries a mask of many runs, then its row stores them compactly and reads them back the same (issue 13, item 5)', async () => {
    const { store } = await openStore();
    const rle = [0, ...Array.from({ length: 99_999 }, () => 1)];
    store.insert({ ...newJob('m'), request: { text: 'x', count: 1, seed: 1, model: 'm', masks: [{ label: 'heart', width: 100_000, height: 1, rle }] } });
    const row = store.connection.prepare('SELECT length(request) AS bytes FROM jobs WHERE id = ?').get('m') as { bytes: number };
    expect(row.bytes).toBeLessThan(2_000);
    expect(store.get('m')?.request.masks?.[0].rle).toEqual(rle);
    store.close();
  });

  it('when a row was written with plain run arrays (before compact masks), then it still reads', async () => {
    const { store } = await openStore();
    store.insert(newJob('old'));
    const request = { text: 'x', count: 1, seed: 1, model: 'm', masks: [{ label: 'heart', width: 2, height: 2, rle: [1, 2, 1] }] };
    store.connection.prepare('UPDATE jobs SET request = ? WHERE id = ?').run(JSON.stringify(request), 'old');
    expect(store.get('old')?.request.masks).toEqual(request.masks);
    store.close();
  });

  it('when masks taken from a real SEG are past their retention, then they are purged from the finished jobs only; other masks stay (issue 13)', async () => {
    let now = new Date('2026-01-01T00:00:00Z');
    const path = join(await mkdtemp(join(tmpdir(), 'chexgen-jobs-')), 'jobs.sqlite');
    const store = JobStore.open(path, { now: () => now });
    const seg = { label: 'heart', width: 2, height: 2, rle: [1, 2, 1], source: 'seg' as const };
    const png = { label: 'right_lung', width: 2, height: 2, rle: [0, 4] };
    const withMasks = (id: string) => ({ ...newJob(id), request: { text: 'x', count: 1, seed: 1, model: 'm', masks: [seg, png] } });
    for (const id of ['done', 'running', 'recent']) store.insert(withMasks(id));
    store.finish('done', 'succeeded');
    store.claimNext(); // 'done' is final, so this claims 'running'
    now = new Date('2026-01-20T00:00:00Z');
    store.finish('recent', 'failed', { code: 'X', message: 'x' });
    expect(store.purgeSegMasks(new Date('2026-01-10T00:00:00Z'))).toBe(1);
    expect(store.get('done')?.request.masks).toEqual([{ label: 'heart', width: 2, height: 2, rle: [], source: 'seg', purged: true }, png]);
    expect(store.get('running')?.request.masks).toEqual([seg, png]);
    expect(store.get('recent')?.request.masks).toEqual([seg, png]);
    expect(store.purgeSegMasks(new Date('2026-01-10T00:00:00Z'))).toBe(0); // already purged
    store.close();
  });
});
