import busboy from 'busboy';
import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { ChexgenError } from '../errors.js';
import type { JobService } from '../jobs/JobService.js';
import type { ModelSummary } from '../http/routes/modelsRoutes.js';
import type { Job, JobEvent } from '../jobs/jobTypes.js';
import type { DicomStore } from '../pacs/DicomStore.js';
import { monaiLabelInfo } from './monaiLabelInfo.js';
import { multipartFormData } from './multipartFormData.js';
import { parseInferParams } from './parseInferParams.js';
import { InferJobFailed, runInferJob } from './runInferJob.js';

describe('parseInferParams', () => {
  it('keeps our synthesis fields, lists the fields clients add in the order sent, and reads our two options', () => {
    const parsed = parseInferParams('{"text": "Cardiomegaly.", "client_id": null, "steps": 3, "result_extension": ".nrrd", "label_prompt": [1], "linkImage": false}');
    expect(parsed).toEqual({ synthesis: { text: 'Cardiomegaly.', steps: 3 }, options: { useImageSegmentation: false, linkImage: false }, ignored: ['client_id', 'result_extension', 'label_prompt'] });
  });

  it('takes no params or "" as {}, and refuses what is not a JSON object, naming params', () => {
    expect(parseInferParams(undefined).synthesis).toEqual({});
    expect(parseInferParams('  ').ignored).toEqual([]);
    for (const raw of ['{oops', '[1, 2]', '"text"', 'null']) {
      expect(() => parseInferParams(raw)).toThrowError(expect.objectContaining({ code: 'INVALID_FIELD', field: 'params' }));
    }
    expect(() => parseInferParams('{"useImageSegmentation": "yes"}')).toThrowError(expect.objectContaining({ field: 'params.useImageSegmentation' }));
  });
});

describe('monaiLabelInfo', () => {
  const summary: ModelSummary = { name: 'm1', version: '1.0.0', resolution: 256, loaded: true, maskLabels: ['right_lung', 'heart'], boxLabels: ['nodule'], defaultSteps: 20, defaultGuidance: 2.5, defaultSpatialGuidance: 1.5, samplers: ['euler'], findings: [], layouts: ['templates'], licence: '' };
  it('lists only the loaded model, typed others, with array labels and no config anywhere', () => {
    const info = monaiLabelInfo([summary, { ...summary, name: 'other', loaded: false }], '0.1.0');
    expect(Object.keys(info.models)).toEqual(['m1']);
    expect(info.labels).toEqual(['right_lung', 'heart']);
    expect(JSON.stringify(info)).not.toContain('"config"');
  });
});

describe('multipartFormData', () => {
  it('is read back part by part by busboy, the file with its name and type', async () => {
    const dicom = Buffer.from('DICM\r\n--chexgen-not-the-boundary\r\n');
    const { contentType, body } = multipartFormData([
      { name: 'params', contentType: 'application/json', body: '{"a":1}' },
      { name: 'image', filename: '1.2.3.dcm', contentType: 'application/dicom', body: dicom },
    ]);
    const parts: { name: string; value: string | Buffer; filename?: string; type?: string }[] = [];
    await new Promise<void>((resolve, reject) => {
      const parser = busboy({ headers: { 'content-type': contentType } });
      parser.on('field', (name, value) => parts.push({ name, value }));
      parser.on('file', (name, stream, info) => {
        const chunks: Buffer[] = [];
        stream.on('data', (c: Buffer) => chunks.push(c)).on('end', () => parts.push({ name, value: Buffer.concat(chunks), filename: info.filename, type: info.mimeType }));
      });
      parser.on('close', resolve).on('error', reject);
      Readable.from([body]).pipe(parser);
    });
    expect(parts).toEqual([
      { name: 'params', value: '{"a":1}' },
      { name: 'image', value: dicom, filename: '1.2.3.dcm', type: 'application/dicom' },
    ]);
  });

  it('refuses part names that would need quoting', () => {
    expect(() => multipartFormData([{ name: 'a"b', contentType: 'text/plain', body: '' }])).toThrow(/unsafe/);
  });
});

describe('runInferJob: how a job\'s end becomes the answer', () => {
  const queued: Job = {
    id: 'j1', kind: 'synthesis', request: { count: 1, seed: 1, model: 'm' }, requestHash: '', status: 'queued', progress: { image: 0, count: 1, step: 0, steps: 1, fraction: 0 },
    results: [], error: null, idempotencyKey: null, cancelRequested: false, attempts: 0, createdAt: '', updatedAt: '',
  };
  /** A job service whose job ends as `end` says (or never), after the waiter subscribed. */
  function fakeJobs(end: Partial<Job> | undefined): JobService {
    let listener: ((event: JobEvent) => void) | undefined;
    return {
      submit: async () => ({ job: queued, created: true }),
      get: async () => queued,
      subscribe: (_id: string, l: (event: JobEvent) => void) => {
        listener = l;
        if (end !== undefined) setTimeout(() => listener?.({ type: 'done', jobId: 'j1', job: { ...queued, ...end } }), 5);
        return () => (listener = undefined);
      },
    } as unknown as JobService;
  }
  const store = {} as DicomStore;

  it('a job that does not end in time: 504 naming the job, which goes on', async () => {
    const error = await runInferJob(fakeJobs(undefined), store, { count: 1 }, 30).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ChexgenError);
    expect(error).toMatchObject({ code: 'UNAVAILABLE', status: 504, message: expect.stringContaining('GET /api/v1/syntheses/j1') });
  });

  it.each([
    [{ code: 'PACS_UNAVAILABLE', message: 'the store stayed unreachable' }, 503],
    [{ code: 'STORAGE_FULL', message: 'disk full' }, 507],
    [{ code: 'INTERRUPTED', message: 'crashed 3 times' }, 503],
    [{ code: 'INTERNAL', message: 'a bug' }, 500],
  ])('a failed job (%o) answers %i with the job\'s own error code', async (jobError, status) => {
    const error = await runInferJob(fakeJobs({ status: 'failed', error: jobError }), store, { count: 1 }, 1000).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(InferJobFailed);
    expect(error).toMatchObject({ status, body: { code: jobError.code, message: `synthesis job j1 failed: ${jobError.message}` } });
  });

  it('a canceled job answers 409 JOB_FINISHED', async () => {
    await expect(runInferJob(fakeJobs({ status: 'canceled' }), store, { count: 1 }, 1000)).rejects.toMatchObject({ code: 'JOB_FINISHED', status: 409 });
  });
});
