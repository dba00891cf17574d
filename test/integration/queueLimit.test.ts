import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CohortService } from '../../server/src/cohorts/CohortService.js';
import { SqliteCohortStore } from '../../server/src/cohorts/SqliteCohortStore.js';
import { TEMPLATE_LAYOUTS } from '../../server/src/cohorts/layouts.js';
import { Outbox } from '../../server/src/delivery/Outbox.js';
import { ChexgenError } from '../../server/src/errors.js';
import { parseCohortRequest } from '../../server/src/cohorts/cohortRequest.js';
import { REQUEST_CEILINGS } from '../../server/src/synthesis/synthesisRequest.js';
import { JobMetrics } from '../../server/src/jobs/JobMetrics.js';
import { JobRunner } from '../../server/src/jobs/JobRunner.js';
import { JobService } from '../../server/src/jobs/JobService.js';
import { LocalJobEvents } from '../../server/src/jobs/JobEvents.js';
import { FilePreviewStore } from '../../server/src/jobs/PreviewStore.js';
import { SqliteJobStore } from '../../server/src/jobs/SqliteJobStore.js';
import { loadModel } from '../../server/src/composition/loadModel.js';
import type { LoadedModel } from '../../server/src/synthesis/synthesize.js';
import { testConfig } from '../helpers/testServer.js';

// The queue limit (CHEXGEN_MAX_QUEUED_JOBS) under parallel submissions (issue 13, item 6). The runner here has no
// loops (concurrency 0), so nothing leaves the queue while the submissions race: what is queued is what was accepted.

const MAX_QUEUED = 20;

describe('queue limit under parallel submissions (tiny model, real job database)', () => {
  let model: LoadedModel;
  let store: SqliteJobStore;
  let jobs: JobService;
  let cohorts: CohortService;

  beforeAll(async () => {
    const dataDir = await mkdtemp(join(tmpdir(), 'chexgen-queue-'));
    const config = await testConfig(dataDir);
    model = await loadModel(config, () => undefined);
    store = SqliteJobStore.open(join(dataDir, 'jobs.sqlite'));
    const metrics = new JobMetrics();
    const events = new LocalJobEvents();
    const previews = new FilePreviewStore(join(dataDir, 'previews'));
    const runner = new JobRunner({
      store, events, metrics, logger: pino({ level: 'silent' }), concurrency: 0,
      deps: { model, outbox: new Outbox(join(dataDir, 'outbox')), sink: { storeAll: async () => undefined }, previews, software: { name: 'chexgen', version: 'test' } },
    });
    await runner.start();
    jobs = new JobService(store, events, model, metrics, { maxQueuedJobs: MAX_QUEUED, previews, runner, maskLimits: REQUEST_CEILINGS });
    cohorts = new CohortService(new SqliteCohortStore(store), jobs, { templates: TEMPLATE_LAYOUTS });
  }, 120_000);
  afterAll(async () => {
    await store?.close();
    await model?.runtime.dispose();
  });

  it('when six cohorts of 8 are submitted at once against a queue of 20, then only two are accepted and the queue never passes 20', async () => {
    const outcomes = await Promise.allSettled(
      Array.from({ length: 6 }, (_, i) => cohorts.submit(parseCohortRequest({ size: 8, seed: i, steps: 1 }, { maxCohortSize: 100, maxSteps: 100 }), null)),
    );
    const accepted = outcomes.filter((o) => o.status === 'fulfilled');
    const refused = outcomes.flatMap((o) => (o.status === 'rejected' ? [o.reason] : []));
    expect(accepted).toHaveLength(2);
    expect(refused).toHaveLength(4);
    for (const error of refused) {
      expect(error).toBeInstanceOf(ChexgenError);
      expect(error).toMatchObject({ code: 'UNAVAILABLE', status: 503 });
      expect((error as Error).message).toContain('CHEXGEN_MAX_QUEUED_JOBS');
    }
    expect((await store.countByStatus()).queued).toBe(16);
  });

  it('when single jobs fill the rest of the queue, then the one past the limit is refused', async () => {
    for (let i = 0; i < MAX_QUEUED - 16; i++) await jobs.submit({ text: 'x', count: 1, steps: 1 }, null);
    await expect(jobs.submit({ text: 'x', count: 1, steps: 1 }, null)).rejects.toThrow(/queue is full/);
    expect((await store.countByStatus()).queued).toBe(MAX_QUEUED);
  });
});
