import { mkdtemp, readdir, rm, unlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../server/src/config/loadConfig.js';
import { storeSink } from '../../server/src/delivery/storeSink.js';
import { Outbox, type InstanceSink } from '../../server/src/delivery/Outbox.js';
import { ChexgenError } from '../../server/src/errors.js';
import type { JobResult, SynthesisJobRequest } from '../../server/src/jobs/jobTypes.js';
import { FilePreviewStore } from '../../server/src/jobs/PreviewStore.js';
import { runSynthesisJob, type SynthesisJobDeps } from '../../server/src/jobs/runSynthesisJob.js';
import { EmbeddedStore, firstNumber, firstString, TAG } from '../../server/src/pacs/index.js';
import { loadModel } from '../../server/src/composition/loadModel.js';
import { SynthesisCanceledError, type LoadedModel } from '../../server/src/synthesis/synthesize.js';
import { tinyModel } from '../helpers/testServer.js';

// One job through generation, DICOM, outbox and an embedded store, with the tiny model: the exactly-once rules.
describe('runSynthesisJob (tiny model, embedded store)', () => {
  let model: LoadedModel;
  const request: SynthesisJobRequest = { text: 'Cardiomegaly.', sex: 'M', count: 2, seed: 4, steps: 2, model: 'tiny-parity' };
  const createdAt = '2026-01-02T03:04:05.000Z';

  beforeAll(async () => {
    const tiny = await tinyModel();
    model = await loadModel(loadConfig({}, { modelsDir: tiny.modelsDir, model: tiny.name, threads: '1' }), () => {});
  }, 600_000);
  afterAll(async () => model?.runtime.dispose());

  async function setup(sink?: InstanceSink) {
    const dir = await mkdtemp(join(tmpdir(), 'chexgen-job-'));
    const store = await EmbeddedStore.open({ dataDir: join(dir, 'store') });
    const outbox = new Outbox(join(dir, 'outbox'));
    const deps: SynthesisJobDeps = { model, outbox, sink: sink ?? storeSink(store), previews: new FilePreviewStore(join(dir, 'previews')), software: { name: 'chexgen', version: 'test' } };
    return { dir, store, outbox, deps };
  }

  it('when a delivered job runs again after its results were lost, then the same UIDs are stored again, once', async () => {
    const { store, outbox, deps } = await setup();
    const first = await runSynthesisJob({ id: 'job-a', request, results: [], createdAt }, deps);
    expect(first.map((r) => r.delivered)).toEqual([true, true]);
    const uid = first[0].StudyInstanceUID;
    const [image] = await store.searchInstances(uid);
    const sop = firstString(image, TAG.SOPInstanceUID) ?? '';
    const series = firstString(image, TAG.SeriesInstanceUID) ?? '';
    const bytesBefore = Buffer.from(await store.retrieveInstance(uid, series, sop));

    const second = await runSynthesisJob({ id: 'job-a', request, results: [], createdAt }, deps); // crash before the record
    expect(second).toEqual(first);
    const studies = await store.searchStudies();
    expect(studies).toHaveLength(2);
    expect(studies.map((s) => firstNumber(s, TAG.NumberOfStudyRelatedInstances))).toEqual([2, 2]);
    expect(Buffer.from(await store.retrieveInstance(uid, series, sop)).equals(bytesBefore)).toBe(true); // same pixels, UIDs, dates
    expect(await outbox.pending()).toEqual([]);

    const other = await runSynthesisJob({ id: 'job-b', request, results: [], createdAt }, deps);
    expect(other[0].StudyInstanceUID).not.toBe(uid); // another job: other UIDs
  });

  it('when the store is down, then studies wait in the outbox, are retried, and a resumed job only delivers them', async () => {
    let down = true;
    let calls = 0;
    const { store, outbox, deps } = await setup();
    const sink: InstanceSink = {
      async storeAll(instances) {
        calls++;
        if (down) throw new ChexgenError('PACS_UNAVAILABLE', 'connection refused');
        await storeSink(store).storeAll(instances);
      },
    };
    const recorded: JobResult[] = [];
    const run = runSynthesisJob({ id: 'job-c', request, results: [], createdAt }, { ...deps, sink }, {
      deliveryTimeoutMs: 300, maxRetryDelayMs: 50, onResult: async (r) => void recorded.push(r),
    });
    await expect(run).rejects.toMatchObject({ code: 'PACS_UNAVAILABLE' });
    expect(calls).toBeGreaterThan(2);
    expect((await outbox.pending()).length).toBe(2);
    const undelivered = [...new Map(recorded.map((r) => [r.index, r])).values()];
    expect(undelivered.map((r) => r.delivered)).toEqual([false, false]);

    down = false;
    let generated = 0;
    const resumed = await runSynthesisJob({ id: 'job-c', request, results: undelivered, createdAt }, { ...deps, sink }, { onImageDone: () => generated++ });
    expect(generated).toBe(0);
    expect(resumed.map((r) => r.delivered)).toEqual([true, true]);
    expect((await store.searchStudies()).map((s) => firstNumber(s, TAG.NumberOfStudyRelatedInstances))).toEqual([2, 2]);
    expect(await outbox.pending()).toEqual([]);
  });

  /** Runs job `id` against a store that is down until its results are recorded undelivered; returns them. */
  async function undeliveredRun(id: string, deps: SynthesisJobDeps): Promise<JobResult[]> {
    const down: InstanceSink = { storeAll: async () => Promise.reject(new ChexgenError('PACS_UNAVAILABLE', 'connection refused')) };
    const recorded: JobResult[] = [];
    await expect(runSynthesisJob({ id, request, results: [], createdAt }, { ...deps, sink: down }, {
      deliveryTimeoutMs: 100, maxRetryDelayMs: 20, onResult: async (r) => void recorded.push(r),
    })).rejects.toMatchObject({ code: 'PACS_UNAVAILABLE' });
    return [...new Map(recorded.map((r) => [r.index, r])).values()];
  }

  it('when the outbox lost the batches of recorded undelivered results (a power cut), then the studies are made again and stored, not reported delivered (issue 13, item 7)', async () => {
    const { dir, store, deps } = await setup();
    const undelivered = await undeliveredRun('job-e', deps);
    expect(undelivered.map((r) => r.delivered)).toEqual([false, false]);
    await rm(join(dir, 'outbox'), { recursive: true, force: true }); // the batches never reached the disk
    let generated = 0;
    const resumed = await runSynthesisJob({ id: 'job-e', request, results: undelivered, createdAt }, deps, { onImageDone: () => generated++ });
    expect(resumed.map((r) => r.delivered)).toEqual([true, true]);
    expect(generated).toBe(2);
    expect(resumed.map((r) => r.StudyInstanceUID)).toEqual(undelivered.map((r) => r.StudyInstanceUID)); // same UIDs: deterministic
    for (const result of resumed) expect(await store.searchInstances(result.StudyInstanceUID)).toHaveLength(2);
  });

  it('when an outbox batch is unreadable (a garbled meta.json, a missing file), then its study is made again, never counted as delivered', async () => {
    const { dir, store, outbox, deps } = await setup();
    const undelivered = await undeliveredRun('job-f', deps);
    const [first, second] = undelivered.map((r) => join(dir, 'outbox', r.StudyInstanceUID));
    await writeFile(join(first, 'meta.json'), '{"id": "1.2", "fil');
    await unlink(join(second, (await readdir(second)).find((f) => f.endsWith('.dcm')) ?? ''));
    const resumed = await runSynthesisJob({ id: 'job-f', request, results: undelivered, createdAt }, deps);
    expect(resumed.map((r) => r.delivered)).toEqual([true, true]);
    for (const result of resumed) expect(await store.searchInstances(result.StudyInstanceUID)).toHaveLength(2);
    expect(await outbox.pending()).toEqual([]);
  });

  it('when the signal fires, then it stops between steps with SynthesisCanceledError and writes nothing more', async () => {
    const { dir, deps } = await setup();
    const controller = new AbortController();
    const run = runSynthesisJob({ id: 'job-d', request: { ...request, steps: 50 }, results: [], createdAt }, deps, {
      signal: controller.signal,
      onProgress: (p) => {
        if (p.step === 3) controller.abort();
      },
    });
    await expect(run).rejects.toBeInstanceOf(SynthesisCanceledError);
    expect(await readdir(dir)).not.toContain('outbox');
  });
});
