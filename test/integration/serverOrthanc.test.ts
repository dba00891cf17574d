import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ServerHandle } from '../../server/src/composition/startChexgenServer.js';
import { orthancAvailability, OrthancServer } from '../helpers/orthanc.js';
import { apiClient, newDataDir, startTestServer, waitForJob } from '../helpers/testServer.js';
import { inCi } from '../helpers/testEnvironment.js';
import { segSizeLie } from '../../server/src/bench/hostileDicom.js';
import { DicomWebClient } from '../../server/src/pacs/DicomWebClient.js';

// The server delivering to a real Orthanc over DICOMweb, including an Orthanc outage during a job.
const orthanc = orthancAvailability();
const skip = !orthanc.ok && !inCi;
if (skip) console.warn(`server + Orthanc tests skipped: ${orthanc.reason}; set CI=true to make this a failure`);

describe.skipIf(skip)('synthesis server with a real Orthanc', () => {
  let pacs: OrthancServer;
  let server: ServerHandle;
  let api: ReturnType<typeof apiClient>;
  const instancesOf = async (uid: string) => ((await (await fetch(`${pacs.dicomWebUrl}/studies/${uid}/instances`)).json()) as unknown[]).length;
  const studiesWith = async (uid: string) =>
    ((await (await fetch(`${pacs.dicomWebUrl}/studies?StudyInstanceUID=${uid}`)).json()) as unknown[]).length;

  beforeAll(async () => {
    pacs = await OrthancServer.create();
    server = await startTestServer(await newDataDir(), { pacsUrl: pacs.dicomWebUrl });
    api = apiClient(server.url);
  }, 600_000);
  afterAll(async () => {
    await server?.close();
    await pacs?.dispose();
  });

  it('when a job runs, then its study is in Orthanc with image, SEG and SR', async () => {
    const { body } = await api.post('/api/v1/syntheses', { text: 'Cardiomegaly.', masks: [{ label: 'heart', width: 2, height: 2, rle: [1, 2, 1] }], steps: 2, seed: 3 });
    const job = await waitForJob(api, body.id);
    expect(job.status).toBe('succeeded');
    expect(await instancesOf(job.results[0].StudyInstanceUID)).toBe(3);
    expect((await api.get('/readyz')).body.checks.store).toMatchObject({ ok: true });
  });

  it('when a mask names a 1 KB SEG in Orthanc that claims 8192 x 8192 pixels, then the request is refused by the mask limits and no job is made', async () => {
    const lie = segSizeLie();
    const stored = await new DicomWebClient({ baseUrl: pacs.dicomWebUrl }).store([lie.bytes]);
    expect(stored.stored).toEqual([lie.sopUid]); // Orthanc takes it: the check has to be ours
    const before = (await api.get('/metrics')).body.jobs.queued;
    const reply = await api.post('/api/v1/syntheses', { text: 'x', steps: 1, masks: [{ seg: { StudyInstanceUID: lie.studyUid } }] });
    expect(reply.status).toBe(400);
    expect(reply.body.error).toMatchObject({ code: 'INVALID_FIELD', field: 'masks[0].seg' });
    expect(reply.body.error.message).toContain('CHEXGEN_MAX_MASK_PIXELS');
    expect((await api.get('/metrics')).body.jobs.queued).toBe(before);
  });

  it('when Orthanc is down during a job, then the study waits, and arrives once when Orthanc is back', async () => {
    await pacs.stop();
    const { body } = await api.post('/api/v1/syntheses', { text: 'Effusion.', steps: 2, seed: 8 });
    const waiting = await waitForJob(api, body.id, (j) => j.results.length === 1);
    expect(waiting).toMatchObject({ status: 'running', results: [{ delivered: false }] });
    let ready = await api.get('/readyz'); // cached for 5 s
    for (let i = 0; i < 50 && ready.status === 200; i++) {
      await new Promise((resolve) => setTimeout(resolve, 200));
      ready = await api.get('/readyz');
    }
    expect(ready).toMatchObject({ status: 503, body: { status: 'not ready', checks: { store: { ok: false } } } });
    await pacs.start();
    const job = await waitForJob(api, body.id, undefined, 120_000);
    expect(job).toMatchObject({ status: 'succeeded', results: [{ delivered: true }] });
    const uid = job.results[0].StudyInstanceUID;
    expect(await studiesWith(uid)).toBe(1);
    expect(await instancesOf(uid)).toBe(2);
  }, 180_000);
});
