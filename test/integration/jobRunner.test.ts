import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { Outbox } from '../../server/src/delivery/Outbox.js';
import { JobMetrics } from '../../server/src/jobs/JobMetrics.js';
import { JobRunner } from '../../server/src/jobs/JobRunner.js';
import { LocalJobEvents } from '../../server/src/jobs/JobEvents.js';
import { FilePreviewStore } from '../../server/src/jobs/PreviewStore.js';
import { SqliteJobStore } from '../../server/src/jobs/SqliteJobStore.js';
import type { Job } from '../../server/src/jobs/jobTypes.js';
import { loadModel } from '../../server/src/composition/loadModel.js';
import type { LoadedModel } from '../../server/src/synthesis/synthesize.js';
import { testConfig } from '../helpers/testServer.js';

// The job loop against a full disk (issue 13): a write that fails with ENOSPC, or a database that cannot record the
// outcome (SQLITE_FULL), must fail or leave that job, never end the loop that runs the next one.

const diskFull = (what: string) => Object.assign(new Error(`ENOSPC: no space left on device, ${what}`), { code: 'ENOSPC' });

describe('job runner on a full disk (tiny model, real job database)', () => {
  let model: LoadedModel;
  let runner: JobRunner | undefined;
  const logs: { level: number; msg: string; jobId?: string }[] = [];

  beforeAll(async () => {
    model = await loadModel(await testConfig(await mkdtemp(join(tmpdir(), 'chexgen-runner-'))), () => undefined);
  }, 120_000);
  afterEach(async () => runner?.stop());
  afterAll(async () => model?.runtime.dispose());

  async function start(dir: string, store: SqliteJobStore, outbox: Outbox) {
    const logger = pino({ level: 'info' }, { write: (line: string) => void logs.push(JSON.parse(line)) });
    runner = new JobRunner({
      store, events: new LocalJobEvents(), metrics: new JobMetrics(), logger, pollIntervalMs: 50, maxRetryDelayMs: 20, deliveryTimeoutMs: 500,
      deps: { model, outbox, sink: { storeAll: async () => undefined }, previews: new FilePreviewStore(join(dir, 'previews')), software: { name: 'chexgen', version: 'test' } },
    });
    await runner.start();
  }

  const insert = (store: SqliteJobStore, id: string) =>
    store.insert({ id, request: { text: 'x', count: 1, seed: 1, steps: 1, model: model.manifest.name }, requestHash: id, idempotencyKey: null, progress: { image: 0, count: 1, step: 0, steps: 1, fraction: 0 } });

  async function ended(store: SqliteJobStore, id: string, timeoutMs = 20_000): Promise<Job | undefined> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const job = await store.get(id);
      if (job !== undefined && ['succeeded', 'failed', 'canceled'].includes(job.status)) return job;
      if (Date.now() > deadline) return job;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }

  it('when writing a study fails with ENOSPC, then that job fails with STORAGE_FULL and the next job still runs', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'chexgen-runner-'));
    const store = SqliteJobStore.open(join(dir, 'jobs.sqlite'));
    let fullDisk = true;
    const outbox = new (class extends Outbox {
      override async enqueue(id: string, instances: Uint8Array[]): Promise<void> {
        if (fullDisk) throw diskFull(`write '${dir}/outbox/${id}/0000.dcm'`);
        return super.enqueue(id, instances);
      }
    })(join(dir, 'outbox'));
    await insert(store, 'full');
    await start(dir, store, outbox);
    const failed = await ended(store, 'full');
    expect(failed).toMatchObject({ status: 'failed', error: { code: 'STORAGE_FULL' } });
    expect(failed?.error?.message).toContain('no space left');
    fullDisk = false;
    await insert(store, 'after');
    expect(await ended(store, 'after')).toMatchObject({ status: 'succeeded' });
    await store.close();
  });

  it('when the database cannot record a job\'s end (SQLITE_FULL), then the error is logged and the loop runs the next job', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'chexgen-runner-'));
    const store = SqliteJobStore.open(join(dir, 'jobs.sqlite'));
    const finish = store.finish.bind(store);
    let failures = 2; // the success and then the failure of the first job cannot be recorded
    store.finish = (...args: Parameters<SqliteJobStore['finish']>) => {
      if (failures-- > 0) throw Object.assign(new Error('database or disk is full'), { code: 'SQLITE_FULL' });
      return finish(...args);
    };
    await insert(store, 'unrecorded');
    await insert(store, 'next');
    await start(dir, store, new Outbox(join(dir, 'outbox')));
    expect(await ended(store, 'next')).toMatchObject({ status: 'succeeded' });
    expect(logs.some((l) => l.level === 50 && l.jobId === 'unrecorded' && /could not record/.test(l.msg))).toBe(true);
    expect((await store.get('unrecorded'))?.status).toBe('running'); // left for crash recovery at the next start
    await store.close();
  });
});
