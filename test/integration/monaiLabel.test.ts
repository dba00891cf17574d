import busboy from 'busboy';
import { rm } from 'node:fs/promises';
import { Readable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readPart10 } from '../../server/src/dicom/readPart10.js';
import type { ServerHandle } from '../../server/src/composition/startChexgenServer.js';
import { apiClient, newDataDir, startTestServer } from '../helpers/testServer.js';

/**
 * Part 3 of issue 14: the MONAI-Label-compatible surface under /monai-label, driven by the exact requests MONAI
 * Label's clients send (read from MONAILabel's monailabel/client/client.py and plugins/ohifv3 MonaiLabelClient.js):
 * the Python client's hand-made multipart body with the boundary `----------lImIt_of_THE_fIle_eW_$`, `params` as
 * `json.dumps` writes it with its own `client_id`, string image ids and `?image=` for none; the OHIF plugin's
 * browser FormData with its `result_*` params, the SeriesInstanceUID as image and `output=image`, from another origin.
 */

const TOKEN = 'monai-label-test-token-0123456789';
const VIEWER_ORIGIN = 'http://viewer.example:3000';
const PYTHON_BOUNDARY = '----------lImIt_of_THE_fIle_eW_$';

/** The body MONAILabelUtils.encode_multipart_formdata builds for `fields` (no files): lines joined and ended by CRLF. */
function pythonClientBody(fields: Record<string, string>): Buffer {
  const lines: string[] = [];
  for (const [key, value] of Object.entries(fields)) lines.push(`--${PYTHON_BOUNDARY}`, `Content-Disposition: form-data; name="${key}"`, '', value);
  lines.push(`--${PYTHON_BOUNDARY}--`, '');
  return Buffer.from(lines.map((l) => `${l}\r\n`).join(''), 'utf8');
}

/** Python's json.dumps (", " and ": " separators) of JSON values. */
function pythonJsonDumps(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(pythonJsonDumps).join(', ')}]`;
  if (value !== null && typeof value === 'object') return `{${Object.entries(value).map(([k, v]) => `${JSON.stringify(k)}: ${pythonJsonDumps(v)}`).join(', ')}}`;
  return value === null ? 'null' : JSON.stringify(value);
}

/** Python's urllib.parse.quote_plus for the characters our ids and names use. */
const quotePlus = (s: string): string => encodeURIComponent(s).replace(/%20/g, '+');

/** The request MONAILabelClient.infer(model, image_id, params) sends, with the Authorization header update_auth sets. */
async function pythonClientInfer(base: string, model: string, imageId: string, params: Record<string, unknown>) {
  const body = pythonClientBody({ params: pythonJsonDumps({ ...params, client_id: null }) });
  return fetch(`${base}/monai-label/infer/${quotePlus(model)}?image=${quotePlus(imageId)}`, {
    method: 'POST',
    headers: { 'content-type': `multipart/form-data; boundary=${PYTHON_BOUNDARY}`, 'content-length': String(body.length), authorization: `Bearer ${TOKEN}`, 'accept-encoding': 'identity' },
    body,
  });
}

/** A multipart/form-data reply read with busboy (not with our own writer): fields, and files by name. */
async function readMultipart(res: Response): Promise<{ fields: Record<string, string>; files: Record<string, { filename: string; type: string; data: Buffer }> }> {
  const fields: Record<string, string> = {};
  const files: Record<string, { filename: string; type: string; data: Buffer }> = {};
  const body = Buffer.from(await res.arrayBuffer());
  await new Promise<void>((resolve, reject) => {
    const parser = busboy({ headers: { 'content-type': res.headers.get('content-type') ?? '' } });
    parser.on('field', (name, value) => (fields[name] = value));
    parser.on('file', (name, stream, info) => {
      const chunks: Buffer[] = [];
      stream.on('data', (c: Buffer) => chunks.push(c)).on('end', () => (files[name] = { filename: info.filename ?? '', type: info.mimeType, data: Buffer.concat(chunks) }));
    });
    parser.on('close', resolve).on('error', reject);
    Readable.from([body]).pipe(parser);
  });
  return { fields, files };
}

describe('MONAI Label clients against /monai-label', () => {
  let dataDir = '';
  let server: ServerHandle;
  let base = '';
  let modelName = '';
  let api: ReturnType<typeof apiClient>;
  let firstStudy = '';
  let firstImageSeries = '';

  const jobsTotal = async (): Promise<number> => {
    const { body } = await api.get('/metrics');
    return Object.values(body.jobs as Record<string, number>).reduce((a, b) => a + b, 0);
  };

  beforeAll(async () => {
    dataDir = await newDataDir();
    server = await startTestServer(dataDir, { apiToken: TOKEN, monaiLabelOrigins: VIEWER_ORIGIN, maxSteps: '4' });
    base = server.url;
    api = apiClient(base, TOKEN);
    modelName = (await api.get('/api/v1/models')).body.models[0].name;
  });

  afterAll(async () => {
    await server?.close();
    if (dataDir !== '') await rm(dataDir, { recursive: true, force: true });
  });

  it('GET /auth/ says auth is on without a token; /info/ needs the token and lists the model as type others with array labels and no top-level config', async () => {
    expect(await (await fetch(`${base}/monai-label/auth/`)).json()).toEqual({ enabled: true, client_id: 'chexgen', realm: '' });
    expect((await fetch(`${base}/monai-label/info/`)).status).toBe(401);
    const res = await fetch(`${base}/monai-label/info/`, { headers: { authorization: `Bearer ${TOKEN}` } });
    expect(res.status).toBe(200);
    const info = (await res.json()) as any;
    expect(info).not.toHaveProperty('config');
    expect(info.labels).toEqual(['right_lung', 'left_lung', 'heart']);
    expect(Object.keys(info.models)).toEqual([modelName]);
    expect(info.models[modelName]).toMatchObject({ type: 'others', labels: ['right_lung', 'left_lung', 'heart'], dimension: 2 });
    expect(info.models[modelName]).not.toHaveProperty('config');
    expect((await fetch(`${base}/monai-label/auth/token/valid`, { headers: { authorization: `Bearer ${TOKEN}` } })).status).toBe(200);
    expect((await fetch(`${base}/monai-label/auth/token/valid`, { headers: { authorization: 'Bearer wrong-token-0123456789' } })).status).toBe(401);
  });

  it('the Python client\'s infer ($ boundary, its own client_id, image "") runs a durable job and answers multipart params + the synthetic image as DICOM', async () => {
    const res = await pythonClientInfer(base, modelName, '', { text: 'Cardiomegaly.', sex: 'F', age: 70, view: 'PA', steps: 1, seed: 7 });
    expect(res.status, await res.clone().text()).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^multipart\/form-data; boundary=/);
    const { fields, files } = await readMultipart(res);
    const params = JSON.parse(fields.params ?? '{}');
    expect(params).toMatchObject({ synthetic: true, model: modelName, seed: 7, source: null, ignoredParams: ['client_id'] });
    const image = files.image;
    expect(image?.filename).toBe(`${params.SOPInstanceUID}.dcm`);
    expect(image?.type).toBe('application/dicom');
    const dataset = readPart10(new Uint8Array(image?.data ?? []));
    expect(dataset).toMatchObject({ SOPClassUID: '1.2.840.10008.5.1.4.1.1.7', SOPInstanceUID: params.SOPInstanceUID, StudyInstanceUID: params.StudyInstanceUID, ConversionType: 'SYN' });
    // an ordinary job of the job API, succeeded and delivered to the store
    const job = (await api.get(params.job)).body;
    expect(job).toMatchObject({ id: params.jobId, status: 'succeeded', request: { text: 'Cardiomegaly.', sex: 'F', age: 70, steps: 1, seed: 7, count: 1 } });
    expect(job.results[0]).toMatchObject({ StudyInstanceUID: params.StudyInstanceUID, delivered: true });
    firstStudy = params.StudyInstanceUID;
    firstImageSeries = params.SeriesInstanceUIDs[0];
  });

  it('the Python client with a StudyInstanceUID as image links that study in the SR; with an id not in the store it gets 404 naming image', async () => {
    const res = await pythonClientInfer(base, modelName, firstStudy, { text: 'Normal chest.', steps: 1, seed: 8, result_extension: '.nii.gz' });
    expect(res.status, await res.clone().text()).toBe(200);
    const params = JSON.parse((await readMultipart(res)).fields.params ?? '{}');
    expect(params.source).toEqual({ StudyInstanceUID: firstStudy, linkedInSr: true, masksFromSeg: false });
    expect(params.ignoredParams).toEqual(['result_extension', 'client_id']);
    expect((await api.get(params.job)).body.request.sourceStudy).toBe(firstStudy);
    const missing = await pythonClientInfer(base, modelName, '1.2.3.999', { text: 'Normal chest.' });
    expect(missing.status).toBe(404);
    expect(await missing.json()).toMatchObject({ error: { code: 'NOT_FOUND', field: 'image' }, detail: expect.stringMatching(/^NOT_FOUND: image: no study, series or instance 1\.2\.3\.999/) });
  });

  it('with a SOPInstanceUID as image and useImageSegmentation, the masks come from the SEG of that image\'s study', async () => {
    const mask = { label: 'heart', width: 4, height: 4, rle: [5, 2, 2, 2, 5] };
    const withSeg = await pythonClientInfer(base, modelName, '', { text: 'Cardiomegaly.', steps: 1, seed: 10, masks: [mask] } as Record<string, unknown>);
    expect(withSeg.status, await withSeg.clone().text()).toBe(200);
    const made = JSON.parse((await readMultipart(withSeg)).fields.params ?? '{}');
    expect(made.SeriesInstanceUIDs).toHaveLength(3); // image, SEG, SR
    const res = await pythonClientInfer(base, modelName, made.SOPInstanceUID, { text: 'Cardiomegaly.', steps: 1, seed: 11, useImageSegmentation: true, linkImage: false });
    expect(res.status, await res.clone().text()).toBe(200);
    const params = JSON.parse((await readMultipart(res)).fields.params ?? '{}');
    expect(params.source).toEqual({ StudyInstanceUID: made.StudyInstanceUID, SeriesInstanceUID: made.SeriesInstanceUIDs[0], SOPInstanceUID: made.SOPInstanceUID, linkedInSr: false, masksFromSeg: true });
    const job = (await api.get(params.job)).body;
    expect(job.request.sourceStudy).toBeUndefined();
    expect(job.request.masks).toEqual([expect.objectContaining({ label: 'heart', source: 'seg' })]);
    const noImage = await pythonClientInfer(base, modelName, '', { text: 'x', useImageSegmentation: true });
    expect(noImage.status).toBe(400);
    expect(((await noImage.json()) as any).error.field).toBe('params.useImageSegmentation');
  });

  it('MONAI Label\'s OHIF plugin from another origin: preflight, then FormData with its result_* params, the SeriesInstanceUID as image and output=image', async () => {
    const preflight = await fetch(`${base}/monai-label/infer/${modelName}?image=${firstImageSeries}&output=image`, {
      method: 'OPTIONS', headers: { origin: VIEWER_ORIGIN, 'access-control-request-method': 'POST', 'access-control-request-headers': 'authorization' },
    });
    expect(preflight.status).toBe(204);
    expect(preflight.headers.get('access-control-allow-origin')).toBe(VIEWER_ORIGIN);
    expect(preflight.headers.get('access-control-allow-methods')).toContain('POST');
    expect(preflight.headers.get('access-control-allow-headers')?.toLowerCase()).toContain('authorization');
    const form = new FormData();
    form.append('params', JSON.stringify({ text: 'Small left pleural effusion.', steps: 1, seed: 9, result_extension: '.nrrd', result_dtype: 'uint8', result_compress: false, restore_label_idx: false }));
    const res = await fetch(`${base}/monai-label/infer/${encodeURIComponent(modelName)}?image=${firstImageSeries}&output=image`, {
      method: 'POST', body: form, headers: { origin: VIEWER_ORIGIN, accept: 'application/json, multipart/form-data', authorization: `Bearer ${TOKEN}` },
    });
    expect(res.status, await res.clone().text()).toBe(200);
    expect(res.headers.get('access-control-allow-origin')).toBe(VIEWER_ORIGIN);
    expect(res.headers.get('content-type')).toBe('application/dicom');
    const dataset = readPart10(new Uint8Array(await res.arrayBuffer()));
    expect(dataset).toMatchObject({ SOPClassUID: '1.2.840.10008.5.1.4.1.1.7', ConversionType: 'SYN' });
    expect(dataset.StudyInstanceUID).not.toBe(firstStudy);
  });

  it('a browser page of another origin gets 403 for its preflight and its simple multipart POST, and no job is made (CSRF)', async () => {
    const before = await jobsTotal();
    const preflight = await fetch(`${base}/monai-label/info/`, { method: 'OPTIONS', headers: { origin: 'http://evil.example', 'access-control-request-method': 'GET' } });
    expect(preflight.status).toBe(403);
    const form = new FormData();
    form.append('params', JSON.stringify({ text: 'Normal chest.', steps: 1 }));
    const res = await fetch(`${base}/monai-label/infer/${modelName}?image=`, { method: 'POST', body: form, headers: { origin: 'http://evil.example', authorization: `Bearer ${TOKEN}` } });
    expect(res.status).toBe(403);
    expect(await res.json()).toMatchObject({ error: { code: 'FORBIDDEN', field: 'Origin' } });
    expect(await jobsTotal()).toBe(before);
  });

  it.each([
    ['params that are not JSON', () => pythonInferRaw('{not json'), 400, 'params'],
    ['a rule of our fields', () => pythonClientInfer(base, modelName, '', { text: 'x', steps: 50 }), 400, 'params.steps'],
    ['no text, masks or boxes', () => pythonClientInfer(base, modelName, '', { result_extension: '.nrrd' }), 400, 'params.text'],
    ['an image id that is not a UID', () => pythonClientInfer(base, modelName, 'image-17', { text: 'x' }), 400, 'image'],
    ['another model', () => pythonClientInfer(base, 'segmentation_spleen', '', { text: 'x' }), 404, 'model'],
    ['an uploaded file', () => uploadInfer(), 400, 'file'],
    ['output=dicom_seg', () => fetch(`${base}/monai-label/infer/${modelName}?image=&output=dicom_seg`, { method: 'POST', headers: { authorization: `Bearer ${TOKEN}` } }), 400, 'output'],
  ] as const)('%s gets %i naming %s, and makes no job', async (_name, send, status, field) => {
    const before = await jobsTotal();
    const res = await send();
    expect(res.status).toBe(status);
    const body = (await res.json()) as any;
    expect(body.error.field).toBe(field);
    expect(body.detail).toMatch(new RegExp(`^${body.error.code}: `));
    expect(await jobsTotal()).toBe(before);
  });

  function pythonInferRaw(params: string) {
    const body = pythonClientBody({ params });
    return fetch(`${base}/monai-label/infer/${modelName}?image=`, { method: 'POST', headers: { 'content-type': `multipart/form-data; boundary=${PYTHON_BOUNDARY}`, authorization: `Bearer ${TOKEN}` }, body });
  }

  /** MONAILabelClient.infer(..., file=path): a `file` part with the image (chexgen takes images from the store). */
  function uploadInfer() {
    const text = [`--${PYTHON_BOUNDARY}`, 'Content-Disposition: form-data; name="params"', '', pythonJsonDumps({ text: 'x', client_id: null }),
      `--${PYTHON_BOUNDARY}`, 'Content-Disposition: form-data; name="file"; filename="image.nii.gz"', 'Content-Type: application/octet-stream', '', 'NIFTI-BYTES',
      `--${PYTHON_BOUNDARY}--`, ''].map((l) => `${l}\r\n`).join('');
    return fetch(`${base}/monai-label/infer/${modelName}?image=`, { method: 'POST', headers: { 'content-type': `multipart/form-data; boundary=${PYTHON_BOUNDARY}`, authorization: `Bearer ${TOKEN}` }, body: text });
  }
});
