import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parse } from 'csv-parse/sync';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ServerHandle } from '../../server/src/composition/startChexgenServer.js';
import { firstString, TAG } from '../../server/src/pacs/index.js';
import { apiClient, newDataDir, readEvents, startTestServer } from '../helpers/testServer.js';

// Cohorts end to end: the real server (tiny model, embedded store, SQLite in a temp dir) plans the subjects, runs
// them as ordinary jobs and lists their studies in the manifest.

async function waitForCohort(api: ReturnType<typeof apiClient>, id: string, timeoutMs = 120_000): Promise<any> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const { body } = await api.get(`/api/v1/cohorts/${id}`);
    if (['succeeded', 'failed', 'canceled'].includes(body.status)) return body;
    if (Date.now() > deadline) throw new Error(`cohort ${id} did not finish: ${JSON.stringify(body).slice(0, 400)}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** A manifest of real-annotation layout, with two 64-px mask PNGs (bit0 right lung, bit1 left lung). */
async function writeAnnotations(dir: string): Promise<string> {
  await mkdir(join(dir, 'masks'), { recursive: true });
  const mask = Buffer.alloc(64 * 64);
  for (let y = 10; y < 54; y++) {
    for (let x = 6; x < 28; x++) mask[y * 64 + x] = 1;
    for (let x = 36; x < 58; x++) mask[y * 64 + x] = 2;
  }
  await sharp(mask, { raw: { width: 64, height: 64, channels: 1 } }).png().toFile(join(dir, 'masks', 'a.png'));
  await sharp(mask, { raw: { width: 64, height: 64, channels: 1 } }).png().toFile(join(dir, 'masks', 'b.png'));
  const manifest = join(dir, 'manifest.csv');
  await writeFile(manifest, [
    'id,split,mask_file,mask_channels',
    'a,train,masks/a.png,bit0=right_lung;bit1=left_lung_incl_retrocardiac',
    'b,eval,masks/b.png,bit0=right_lung;bit1=left_lung',
    'c,train,../outside.png,bit0=right_lung',
  ].join('\n'));
  return manifest;
}

describe('cohorts (tiny model, embedded store)', () => {
  let server: ServerHandle;
  let api: ReturnType<typeof apiClient>;

  beforeAll(async () => {
    const dataDir = await newDataDir();
    server = await startTestServer(dataDir, { layoutsManifest: await writeAnnotations(join(dataDir, 'annotations')), maxCohortSize: '50' });
    api = apiClient(server.url);
  }, 600_000);
  afterAll(async () => server?.close());

  it('when a cohort is submitted, then every subject becomes a study and the manifests list them with their labels', async () => {
    const submit = await api.post('/api/v1/cohorts', {
      size: 4, seed: 21, sex: { F: 1, M: 1 }, ageBands: { '60-69': 1 }, view: { PA: 1 }, findings: { nodule: 0.5, cardiomegaly: 0.5 }, steps: 1,
    });
    expect(submit.status).toBe(202);
    expect(submit.body).toMatchObject({ id: expect.any(String), status: 'queued', size: 4, seed: 21 });
    expect(submit.headers.get('location')).toBe(`/api/v1/cohorts/${submit.body.id}`);
    const events = readEvents(`${server.url}/api/v1/cohorts/${submit.body.id}/events`);
    const cohort = await waitForCohort(api, submit.body.id);
    expect(cohort).toMatchObject({ status: 'succeeded', size: 4, progress: { done: 4, failed: 0, total: 4, fraction: 1 } });
    const stream = await events;
    expect(stream.at(-1)).toMatchObject({ event: 'done', data: { status: 'succeeded' } });
    expect(stream.filter((e) => e.event === 'progress').length).toBeGreaterThanOrEqual(1);

    const manifest = (await api.get(cohort.manifest.json)).body;
    expect(manifest.subjects).toHaveLength(4);
    for (const subject of manifest.subjects) {
      expect(subject).toMatchObject({ status: 'succeeded', delivered: true, ageBand: '60-69', view: 'PA', layout: 'template', maskLabels: ['right_lung', 'left_lung', 'heart'] });
      expect(subject.age).toBeGreaterThanOrEqual(60);
      expect(subject.age).toBeLessThanOrEqual(69);
      expect(subject.prompt).toMatch(new RegExp(`^sex: (male|female), age: ${subject.age}, view: PA\\. `));
      expect(subject.boxes.map((b: { label: string }) => b.label)).toEqual(subject.findings.includes('nodule') ? ['nodule'] : []);
      const [study] = await server.store.searchStudies({ StudyInstanceUID: subject.StudyInstanceUID });
      expect(firstString(study, TAG.StudyInstanceUID)).toBe(subject.StudyInstanceUID);
      expect((await server.store.searchSeries(subject.StudyInstanceUID)).map((s) => firstString(s, TAG.Modality)).sort()).toEqual(['DX', 'SEG', 'SR']);
    }
    expect(new Set(manifest.subjects.map((s: { StudyInstanceUID: string }) => s.StudyInstanceUID)).size).toBe(4);

    const sheet = await api.get(cohort.contactSheet);
    expect(sheet.headers.get('content-type')).toBe('image/png');
    const sheetMeta = await sharp(sheet.body as Buffer).metadata();
    expect(sheetMeta.width).toBeGreaterThan(4 * 180);
    const etag = sheet.headers.get('etag');
    expect(etag).toMatch(/^"[0-9a-f]{16,}"$/); // the sheet is cached until its subjects change (issue 13)
    const again = await fetch(`${server.url}${cohort.contactSheet}`, { headers: { 'If-None-Match': etag ?? '' } });
    expect(again.status).toBe(304);
    expect((await api.get(cohort.contactSheet)).body).toEqual(sheet.body);
    const csv = await api.get(cohort.manifest.csv);
    expect(csv.headers.get('content-type')).toMatch(/^text\/csv/);
    const rows = parse(csv.body.toString('utf8'), { columns: true }) as Record<string, string>[];
    expect(rows.map((r) => r.study_instance_uid)).toEqual(manifest.subjects.map((s: { StudyInstanceUID: string }) => s.StudyInstanceUID));
    expect(rows[0]).toMatchObject({ subject: '0', status: 'succeeded', age_band: '60-69', mask_labels: 'right_lung;left_lung;heart', seed: '21', steps: '1' });
  });

  it('when the same idempotency key is sent again, then the same cohort comes back; with another request, 422', async () => {
    const body = { size: 2, seed: 5, steps: 1, idempotencyKey: 'cohort-key-1' };
    const first = await api.post('/api/v1/cohorts', body);
    const again = await api.post('/api/v1/cohorts', body);
    expect(again.status).toBe(202);
    expect(again.body.id).toBe(first.body.id);
    expect(again.headers.get('idempotent-replayed')).toBe('true');
    const other = await api.post('/api/v1/cohorts', { ...body, size: 3 });
    expect(other.status).toBe(422);
    expect(other.body.error).toMatchObject({ code: 'IDEMPOTENCY_CONFLICT', field: 'idempotencyKey' });
    await waitForCohort(api, first.body.id);
  });

  it('when layouts come from the annotations, then only the configured split is used and masks come from its files', async () => {
    const submit = await api.post('/api/v1/cohorts', { size: 3, seed: 2, layout: 'annotations', steps: 1 });
    expect(submit.status).toBe(202);
    const cohort = await waitForCohort(api, submit.body.id);
    expect(cohort.status).toBe('succeeded');
    const manifest = (await api.get(cohort.manifest.json)).body;
    expect(manifest.subjects.map((s: { layout: string }) => s.layout)).toEqual(['annotation:a', 'annotation:a', 'annotation:a']);
    expect(manifest.subjects[0].maskLabels).toEqual(['right_lung', 'left_lung']);
    const models = (await api.get('/api/v1/models')).body;
    expect(models.models[0]).toMatchObject({ layouts: ['templates', 'annotations'], findings: expect.arrayContaining(['nodule', 'cardiomegaly']) });
    expect(models.limits.maxCohortSize).toBe(50);
  });

  it('when a cohort is canceled, then subjects not made are canceled and the manifest says so', async () => {
    const submit = await api.post('/api/v1/cohorts', { size: 30, seed: 9, steps: 3 });
    const canceled = await api.delete(`/api/v1/cohorts/${submit.body.id}`);
    expect([200, 202]).toContain(canceled.status);
    const cohort = await waitForCohort(api, submit.body.id);
    expect(cohort.status).toBe('canceled');
    expect(cohort.progress.canceled).toBeGreaterThan(20);
    expect(cohort.progress.done + cohort.progress.canceled + cohort.progress.failed).toBe(30);
    const manifest = (await api.get(cohort.manifest.json)).body;
    expect(manifest.subjects.filter((s: { status: string }) => s.status === 'canceled').every((s: { StudyInstanceUID: null }) => s.StudyInstanceUID === null)).toBe(true);
    expect((await api.delete(`/api/v1/cohorts/${submit.body.id}`)).status).toBe(409);
  });

  it.each([
    [{ size: 0 }, 'size'],
    [{ size: 51 }, 'size'],
    [{}, 'size'],
    [{ size: 2, sex: { X: 1 } }, 'sex.X'],
    [{ size: 2, sex: { F: 0, M: 0 } }, 'sex'],
    [{ size: 2, ageBands: { '70-40': 1 } }, 'ageBands["70-40"]'],
    [{ size: 2, findings: { nodule: 1.5 } }, 'findings.nodule'],
    [{ size: 2, findings: { unicorn: 0.5 } }, 'findings.unicorn'],
    [{ size: 2, layout: 'random' }, 'layout'],
    [{ size: 2, sampler: 'plms' }, 'sampler'],
    [{ size: 2, colour: 'red' }, 'colour'],
    [{ size: 2, model: 'other-model' }, 'model'],
  ])('when the body is %j, then 400 names %s', async (body, field) => {
    const res = await api.post('/api/v1/cohorts', body);
    expect(res.status).toBe(400);
    expect(res.body.error).toMatchObject({ code: 'INVALID_FIELD', field });
  });

  it('when an unknown cohort is asked for, then 404', async () => {
    expect((await api.get('/api/v1/cohorts/00000000-0000-4000-8000-000000000000')).status).toBe(404);
    expect((await api.get('/api/v1/cohorts/../../etc/passwd')).status).toBe(404);
  });
});

describe('cohorts across a restart', () => {
  it('when the server stops mid-cohort and starts again on the same data dir, then every subject is made exactly once', async () => {
    const dataDir = await newDataDir();
    const first = await startTestServer(dataDir);
    let api = apiClient(first.url);
    const submit = await api.post('/api/v1/cohorts', { size: 6, seed: 4, steps: 2 });
    expect(submit.status).toBe(202);
    const deadline = Date.now() + 60_000;
    while ((await api.get(`/api/v1/cohorts/${submit.body.id}`)).body.progress.done < 1 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    await first.close();
    const second = await startTestServer(dataDir);
    try {
      api = apiClient(second.url);
      const cohort = await waitForCohort(api, submit.body.id);
      expect(cohort).toMatchObject({ status: 'succeeded', progress: { done: 6, total: 6 } });
      const uids = (await api.get(cohort.manifest.json)).body.subjects.map((s: { StudyInstanceUID: string }) => s.StudyInstanceUID);
      expect(new Set(uids).size).toBe(6);
      const stored = await second.store.searchStudies({});
      expect(stored.map((s) => firstString(s, TAG.StudyInstanceUID)).sort()).toEqual([...uids].sort());
    } finally {
      await second.close();
    }
  });
});
