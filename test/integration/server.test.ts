import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { firstNumber, firstString, TAG } from '../../server/src/pacs/index.js';
import type { ServerHandle } from '../../server/src/composition/startChexgenServer.js';
import { apiClient, newDataDir, readEvents, startTestServer, waitForJob } from '../helpers/testServer.js';

// The synthesis server end to end: real express on port 0, real SQLite in a temp dir, the embedded store and the
// tiny random-weight model, so a job of a few steps finishes in well under a second.
const HEART_PNG = fileURLToPath(new URL('../fixtures/masks/heart-256.png', import.meta.url));

describe('synthesis server (tiny model, embedded store)', () => {
  let server: ServerHandle;
  let api: ReturnType<typeof apiClient>;

  beforeAll(async () => {
    server = await startTestServer(await newDataDir(), { maxTextLength: '200', maxBodyBytes: '65536' });
    api = apiClient(server.url);
  }, 600_000);
  afterAll(async () => server?.close());

  it('when a synthesis is submitted and polled, then it succeeds with a study that QIDO on the store returns', async () => {
    const submit = await api.post('/api/v1/syntheses', { text: 'Cardiomegaly.', sex: 'F', age: 70, view: 'PA', steps: 3, seed: 11, count: 2 });
    expect(submit.status).toBe(202);
    expect(submit.body).toEqual({ id: expect.any(String), status: 'queued' });
    expect(submit.headers.get('location')).toBe(`/api/v1/syntheses/${submit.body.id}`);
    const job = await waitForJob(api, submit.body.id);
    expect(job).toMatchObject({ status: 'succeeded', seed: 11, error: null, progress: { count: 2, steps: 3, fraction: 1 } });
    expect(job.results).toHaveLength(2);
    expect(job.results.map((r: { seed: number }) => r.seed)).toEqual([11, 12]);
    for (const result of job.results) {
      expect(result).toMatchObject({ delivered: true, StudyInstanceUID: expect.stringMatching(/^2\.25\.\d+$/) });
      const [study] = await server.store.searchStudies({ StudyInstanceUID: result.StudyInstanceUID });
      expect(firstString(study, TAG.StudyInstanceUID)).toBe(result.StudyInstanceUID);
      expect(firstNumber(study, TAG.NumberOfStudyRelatedInstances)).toBe(2); // image + SR (no masks)
      const series = await server.store.searchSeries(result.StudyInstanceUID);
      expect(series.map((s) => firstString(s, TAG.SeriesInstanceUID)).sort()).toEqual([...result.SeriesInstanceUIDs].sort());
    }
    const preview = await api.get(job.results[1].previewUrl);
    expect(preview.status).toBe(200);
    expect(preview.headers.get('content-type')).toBe('image/png');
    const meta = await sharp(preview.body as Buffer).metadata();
    expect(meta).toMatchObject({ width: 256, height: 256, channels: 1, depth: 'uchar' });
    expect((await api.get(`/api/v1/syntheses/${job.id}/preview/7.png`)).status).toBe(404);
  });

  it('when a PNG mask is given, then the study also holds a SEG', async () => {
    const png = (await readFile(HEART_PNG)).toString('base64');
    const submit = await api.post('/api/v1/syntheses', { text: 'Cardiomegaly.', masks: [{ label: 'heart', png }], steps: 2, seed: 5 });
    expect(submit.status).toBe(202);
    const job = await waitForJob(api, submit.body.id);
    expect(job.status).toBe('succeeded');
    expect(job.request.masks).toEqual([{ label: 'heart', width: 256, height: 256 }]);
    const series = await server.store.searchSeries(job.results[0].StudyInstanceUID);
    expect(series.map((s) => firstString(s, TAG.Modality)).sort()).toEqual(['DX', 'SEG', 'SR']);
  });

  it('when the event stream is followed, then it shows progress per step, then done', async () => {
    const submit = await api.post('/api/v1/syntheses', { text: 'Pleural effusion.', steps: 4, count: 2, seed: 3 });
    const events = await readEvents(`${server.url}/api/v1/syntheses/${submit.body.id}/events`);
    const names = events.map((e) => e.event);
    expect(names[0]).toBe('status');
    expect(names.at(-1)).toBe('done');
    const progress = events.filter((e) => e.event === 'progress').map((e) => e.data);
    expect(progress.length).toBeGreaterThanOrEqual(8); // 4 steps x 2 images (plus the snapshot and image starts)
    const fractions = progress.map((p) => p.fraction);
    expect(fractions).toEqual([...fractions].sort((a, b) => a - b));
    expect(progress.at(-1)).toMatchObject({ image: 1, step: 4, steps: 4, count: 2 });
    // each image is reported when its study is queued in the outbox, then again once the store has it
    const results = events.filter((e) => e.event === 'result').map((e) => `${e.data.index}:${e.data.delivered}`);
    expect(results).toEqual(['0:false', '0:true', '1:false', '1:true']);
    expect(events.at(-1)?.data).toMatchObject({ id: submit.body.id, status: 'succeeded' });
    // a finished job's stream answers at once
    const again = await readEvents(`${server.url}/api/v1/syntheses/${submit.body.id}/events`);
    expect(again.map((e) => e.event)).toEqual(['status', 'progress', 'done']);
  });

  it('when a running job and a queued job are canceled, then both end canceled; canceling again is 409', async () => {
    const running = await api.post('/api/v1/syntheses', { text: 'Nodule.', steps: 100, count: 4, seed: 1 });
    const queued = await api.post('/api/v1/syntheses', { text: 'Nodule.', steps: 100, count: 4, seed: 2 });
    await waitForJob(api, running.body.id, (j) => j.status === 'running' && j.progress.step >= 1);
    const cancelQueued = await api.delete(`/api/v1/syntheses/${queued.body.id}`);
    expect(cancelQueued).toMatchObject({ status: 200, body: { id: queued.body.id, status: 'canceled' } });
    const cancelRunning = await api.delete(`/api/v1/syntheses/${running.body.id}`);
    expect(cancelRunning).toMatchObject({ status: 200, body: { status: 'canceled' } });
    const job = await waitForJob(api, running.body.id);
    expect(job.status).toBe('canceled');
    expect(job.progress.fraction).toBeLessThan(1);
    const again = await api.delete(`/api/v1/syntheses/${running.body.id}`);
    expect(again).toMatchObject({ status: 409, body: { error: { code: 'JOB_FINISHED' } } });
  });

  it('when the same idempotency key is sent again, then the same job comes back; with another request, 422', async () => {
    const body = { text: 'Normal chest radiograph.', steps: 2 };
    const first = await api.post('/api/v1/syntheses', body, { 'Idempotency-Key': 'client-42' });
    const second = await api.post('/api/v1/syntheses', { ...body, idempotencyKey: 'client-42' });
    expect(second.status).toBe(202);
    expect(second.body.id).toBe(first.body.id);
    expect(second.headers.get('idempotent-replayed')).toBe('true');
    const job = await waitForJob(api, first.body.id);
    expect(job.idempotencyKey).toBe('client-42');
    const replayAfterDone = await api.post('/api/v1/syntheses', body, { 'Idempotency-Key': 'client-42' });
    expect(replayAfterDone.body).toEqual({ id: first.body.id, status: 'succeeded' });
    const conflict = await api.post('/api/v1/syntheses', { ...body, steps: 3 }, { 'Idempotency-Key': 'client-42' });
    expect(conflict).toMatchObject({ status: 422, body: { error: { code: 'IDEMPOTENCY_CONFLICT', field: 'idempotencyKey' } } });
  });

  it.each([
    [{}, 'text', /at least one of text, masks or boxes/],
    [{ text: 'x', steps: 0 }, 'steps', /steps: Too small: expected number to be >=1/],
    [{ text: 'x', steps: 101 }, 'steps', /at most 100 \(CHEXGEN_MAX_STEPS\)/],
    [{ text: 'x', count: '2' }, 'count', /count: Invalid input: expected number, received string/],
    [{ text: 'x', count: 17 }, 'count', /CHEXGEN_MAX_COUNT/],
    [{ text: 'x'.repeat(201) }, 'text', /at most 200 \(CHEXGEN_MAX_TEXT_LENGTH\)/],
    [{ text: 'x', sex: 'X' }, 'sex', /sex: Invalid option: expected one of "F"\|"M"/],
    [{ text: 'x', view: 'oblique' }, 'view', /"AP supine"/],
    [{ boxes: [{ label: 'nodule', x0: 1, y0: 1, x1: 9, y1: 9 }, { label: 'nodule', x0: 1, y0: 1, y1: 9 }] }, 'boxes[1].x1', /boxes\[1\]\.x1: Invalid input: expected number, received undefined/],
    [{ boxes: [{ label: 'nodule', x0: 50, y0: 1, x1: 9, y1: 9 }] }, 'boxes[0]', /x0 < x1/],
    [{ text: 'x', masks: [{ label: 'heart', png: 'not base64!' }] }, 'masks[0].png', /not valid base64/],
    [{ text: 'x', masks: [{ label: 'heart', png: Buffer.from('GIF89a....').toString('base64') }] }, 'masks[0].png', /not a PNG/],
    [{ text: 'x', masks: [{ label: 'heart', width: 2, height: 2, rle: [1, 2] }] }, 'masks[0].rle', /cover 3 pixels; width x height is 4/],
    [{ text: 'x', masks: [{ label: 'heart', width: 2, height: 2 }] }, 'masks[0].png', /exactly one of png/],
    [{ text: 'x', txt: 'typo' }, 'txt', /txt: unknown field/],
    [{ text: 'x', sampler: 'plms' }, 'sampler', /"dpmpp-2m"\|"euler"\|"ddim"/],
    [{ text: 'x', sourceStudy: '../../etc' }, 'sourceStudy', /DICOM UID/],
    [{ text: 'x', model: 'other-model' }, 'model', /not loaded; this server runs tiny-parity/],
    [{ text: 'x', seed: -1 }, 'seed', /seed: Too small: expected number to be >=0/],
    [{ text: 'x', guidance: 'high' }, 'guidance', /guidance: Invalid input: expected number/],
  ])('when the body is %j, then 400 INVALID_FIELD names %s and the rule', async (body, field, message) => {
    const res = await api.post('/api/v1/syntheses', body);
    expect(res.status).toBe(400);
    expect(res.body.error).toMatchObject({ code: 'INVALID_FIELD', field });
    expect(res.body.error.message).toMatch(message);
  });

  it('when a label is unknown, then the error lists the labels the model supports', async () => {
    const box = await api.post('/api/v1/syntheses', { boxes: [{ label: 'tumour', x0: 10, y0: 10, x1: 50, y1: 50 }] });
    expect(box.body.error).toMatchObject({ code: 'INVALID_FIELD', field: 'boxes[0].label' });
    expect(box.body.error.message).toContain('unknown box label "tumour"; this model supports: right_lung, left_lung, heart, nodule, mass, opacity');
    const mask = await api.post('/api/v1/syntheses', { text: 'x', masks: [{ label: 'liver', width: 1, height: 1, rle: [0, 1] }] });
    expect(mask.body.error).toMatchObject({ code: 'INVALID_FIELD', field: 'masks[0].label' });
    expect(mask.body.error.message).toContain('right_lung, left_lung, heart');
  });

  it('when the body is not JSON, too large or not an object, then 400/413 name the body', async () => {
    expect(await api.post('/api/v1/syntheses', '{"text": ')).toMatchObject({ status: 400, body: { error: { code: 'INVALID_FIELD', field: 'body' } } });
    expect(await api.post('/api/v1/syntheses', '[1,2]')).toMatchObject({ status: 400, body: { error: { field: 'body' } } });
    const huge = await api.post('/api/v1/syntheses', { text: 'x', boxes: Array.from({ length: 3000 }, () => ({ label: 'nodule', x0: 1, y0: 1, x1: 2, y1: 2 })) });
    expect(huge).toMatchObject({ status: 413, body: { error: { code: 'PAYLOAD_TOO_LARGE', field: 'body' } } });
    const text = await fetch(`${server.url}/api/v1/syntheses`, { method: 'POST', headers: { 'content-type': 'text/plain' }, body: 'hello' });
    expect(text.status).toBe(400);
  });

  it('when unknown jobs or routes are asked for, then 404 NOT_FOUND in the error shape', async () => {
    expect(await api.get('/api/v1/syntheses/00000000-0000-4000-8000-000000000000')).toMatchObject({ status: 404, body: { error: { code: 'NOT_FOUND' } } });
    expect(await api.get('/api/v1/syntheses/..%2F..%2Fetc')).toMatchObject({ status: 404, body: { error: { code: 'NOT_FOUND' } } });
    expect(await api.get('/api/v1/nothing-here')).toMatchObject({ status: 404, body: { error: { code: 'NOT_FOUND' } } });
  });

  it('when models, probes, metrics and the OpenAPI document are read, then they describe the server', async () => {
    const models = await api.get('/api/v1/models');
    expect(models.status).toBe(200);
    expect(models.body.models).toEqual([expect.objectContaining({ name: 'tiny-parity', loaded: true, maskLabels: ['right_lung', 'left_lung', 'heart'] })]);
    expect(models.body.limits).toMatchObject({ maxSteps: 100, maxCount: 16, maxTextLength: 200 });
    expect(JSON.stringify(models.body)).not.toMatch(/apiToken|pacsPassword/);
    expect(await api.get('/healthz')).toMatchObject({ status: 200, body: { status: 'ok' } });
    const ready = await api.get('/readyz');
    expect(ready).toMatchObject({ status: 200, body: { status: 'ready', checks: { model: { ok: true }, store: { ok: true }, database: { ok: true }, runner: { ok: true } } } });
    const metrics = await api.get('/metrics');
    expect(metrics.status).toBe(200);
    expect(metrics.body.jobs.succeeded).toBeGreaterThanOrEqual(1);
    expect(metrics.body.imagesTotal).toBeGreaterThanOrEqual(1);
    expect(metrics.body.latencyMs.p50).toBeGreaterThan(0);
    expect(metrics.body.latencyMs.p95).toBeGreaterThanOrEqual(metrics.body.latencyMs.p50);
    const openapi = await api.get('/api/v1/openapi.json');
    expect(openapi.body.openapi).toBe('3.1.0');
  });
});
