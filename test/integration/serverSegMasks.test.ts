import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ServerHandle } from '../../server/src/composition/startChexgenServer.js';
import { readStudySegmentation } from '../../server/src/pacs/readStudySegmentation.js';
import { apiClient, newDataDir, startTestServer, waitForJob } from '../helpers/testServer.js';

// Masks by reference to a DICOM SEG in the store (e.g. drawn in the viewer): the server reads the SEG at submission,
// stores its segments as run lengths with the job, and the new study's SEG carries the same pixels.
const LIMITS = { maxMaskPixels: 16_777_216, maxMasks: 16 };
const fixture = (name: string) => fileURLToPath(new URL(`../fixtures/masks/${name}`, import.meta.url));

describe('masks from a SEG in the store (tiny model, embedded store)', () => {
  let server: ServerHandle;
  let api: ReturnType<typeof apiClient>;
  let sourceStudy: string;
  let dataDir: string;

  beforeAll(async () => {
    dataDir = await newDataDir();
    server = await startTestServer(dataDir);
    api = apiClient(server.url);
    const png = async (name: string) => (await readFile(fixture(name))).toString('base64');
    const submit = await api.post('/api/v1/syntheses', {
      text: 'Normal chest.', steps: 1, seed: 1,
      masks: [{ label: 'heart', png: await png('heart-256.png') }, { label: 'right_lung', png: await png('right-lung-256.png') }],
    });
    const job = await waitForJob(api, submit.body.id);
    expect(job.status).toBe('succeeded');
    sourceStudy = job.results[0].StudyInstanceUID;
  }, 600_000);
  afterAll(async () => server?.close());

  it('when masks name a SEG by its study, then every known segment is used and the new SEG has the same pixels', async () => {
    const submit = await api.post('/api/v1/syntheses', { text: 'Cardiomegaly.', steps: 1, seed: 2, masks: [{ seg: { StudyInstanceUID: sourceStudy } }] });
    expect(submit.status).toBe(202);
    const job = await waitForJob(api, submit.body.id);
    expect(job.status).toBe('succeeded');
    expect(job.request.masks.map((m: { label: string }) => m.label).sort()).toEqual(['heart', 'right_lung']);
    const before = await readStudySegmentation(server.store, sourceStudy, undefined, 'seg', LIMITS);
    const after = await readStudySegmentation(server.store, job.results[0].StudyInstanceUID, undefined, 'seg', LIMITS);
    for (const mask of before) {
      const same = after.find((m) => m.label === mask.label);
      expect(same?.data).toEqual(mask.data);
      expect(mask.data.some((v) => v === 1)).toBe(true);
    }
  });

  it('when a label picks one segment, then only that one is used; a segment the SEG lacks is a 400 naming the field', async () => {
    const one = await api.post('/api/v1/syntheses', { text: 'x', steps: 1, masks: [{ seg: { StudyInstanceUID: sourceStudy }, label: 'Heart' }] });
    expect(one.status).toBe(202);
    const job = await waitForJob(api, one.body.id);
    expect(job.request.masks.map((m: { label: string }) => m.label)).toEqual(['heart']);
    const missing = await api.post('/api/v1/syntheses', { text: 'x', steps: 1, masks: [{ seg: { StudyInstanceUID: sourceStudy }, label: 'left_lung' }] });
    expect(missing.status).toBe(400);
    expect(missing.body.error).toMatchObject({ code: 'INVALID_FIELD', field: 'masks[0].seg' });
    expect(missing.body.error.message).toMatch(/no segment "left_lung".*heart/);
  });

  it('when the study has no SEG or the reference is malformed, then the request is refused and no job is made', async () => {
    const none = await api.post('/api/v1/syntheses', { text: 'x', masks: [{ seg: { StudyInstanceUID: '1.2.3.4' } }] });
    expect(none.status).toBe(422);
    expect(none.body.error).toMatchObject({ code: 'PACS_NOT_FOUND', field: 'masks[0].seg' });
    const bad = await api.post('/api/v1/syntheses', { text: 'x', masks: [{ seg: { StudyInstanceUID: '../etc' } }] });
    expect(bad.status).toBe(400);
    expect(bad.body.error.field).toBe('masks[0].seg.StudyInstanceUID');
    const both = await api.post('/api/v1/syntheses', { text: 'x', masks: [{ seg: { StudyInstanceUID: sourceStudy }, png: 'AAAA' }] });
    expect(both.status).toBe(400);
    expect(both.body.error.field).toBe('masks[0].png');
  });

  it('when a job with SEG masks has ended and the retention is 0 days, then a restart purges their pixels from jobs.sqlite; uploaded masks stay (issue 13)', async () => {
    const png = (await readFile(fixture('heart-256.png'))).toString('base64');
    const submit = await api.post('/api/v1/syntheses', { text: 'x', steps: 1, seed: 4, masks: [{ seg: { StudyInstanceUID: sourceStudy }, label: 'right_lung' }, { label: 'heart', png }] });
    const job = await waitForJob(api, submit.body.id);
    expect(job.request.masks).toEqual([{ label: 'right_lung', width: 256, height: 256, source: 'seg' }, { label: 'heart', width: 256, height: 256 }]);
    expect((await server.jobs.get(job.id)).request.masks?.[0].rle.length).toBeGreaterThan(1);
    await server.close();
    server = await startTestServer(dataDir, { segMaskRetentionDays: '0' });
    api = apiClient(server.url);
    const [seg, uploaded] = (await server.jobs.get(job.id)).request.masks ?? [];
    expect(seg).toMatchObject({ label: 'right_lung', rle: [], purged: true });
    expect(uploaded.rle.length).toBeGreaterThan(1);
    expect((await api.get(`/api/v1/syntheses/${job.id}`)).body.request.masks[0]).toEqual({ label: 'right_lung', width: 256, height: 256, source: 'seg', purged: true });
  }, 120_000);
});
