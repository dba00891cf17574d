import { randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, readdir, rm, stat, writeFile } from 'node:fs/promises';
import { createServer, request, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ChexgenError } from '../../server/src/errors.js';
import type { DicomStore } from '../../server/src/pacs/DicomStore.js';
import { DicomWebClient } from '../../server/src/pacs/DicomWebClient.js';
import { EmbeddedStore } from '../../server/src/pacs/EmbeddedStore.js';
import { createEmbeddedDicomWebRouter } from '../../server/src/pacs/createEmbeddedDicomWebRouter.js';
import type { DicomJsonDataset } from '../../server/src/dicom/dicomJson.js';
import { decodeMultipart, encodeMultipartRelated } from '../../server/src/pacs/multipartRelated.js';
import { frameCountLie } from '../../server/src/bench/hostileDicom.js';
import { OrthancServer, orthancAvailability } from '../helpers/orthanc.js';
import { inCi } from '../helpers/testEnvironment.js';

const orthanc = orthancAvailability();
const skipOrthanc = !orthanc.ok && !inCi;
if (skipOrthanc) console.warn(`Orthanc PACS tests skipped: ${orthanc.reason}; set CI=true to make this a failure`);

// ---- test instances: small valid Part 10 Secondary Captures written with dcmjs directly ----

type Dcmjs = {
  data: {
    DicomMetaDictionary: { denaturalizeDataset(dataset: Record<string, unknown>): Record<string, unknown> };
    DicomDict: new (meta: Record<string, unknown>) => { dict: Record<string, unknown>; write(): ArrayBuffer };
  };
};
const dcmjs = createRequire(import.meta.url)('dcmjs') as Dcmjs;

type TestInstance = { bytes: Uint8Array; studyUid: string; seriesUid: string; sopUid: string; frames: Uint8Array[] };
type InstanceSpec = {
  study: string;
  series: string;
  sop: string;
  patient: [name: string, id: string];
  date: string;
  frames?: number;
};

let uidCounter = 0;
/** A fresh UID under the 2.25 (UUID-derived) root, unique per test run. */
const newUid = (): string => `2.25.${BigInt(`0x${randomBytes(12).toString('hex')}`)}.${++uidCounter}`;

/** A 64x64, 12-in-16-bit MONOCHROME2 Secondary Capture with pseudo-random pixels; `frames` > 1 gives multi-frame. */
function makeInstance(spec: InstanceSpec, seriesNumber = 1, instanceNumber = 1): TestInstance {
  const frameCount = spec.frames ?? 1;
  const pixelBytes = new Uint8Array(64 * 64 * 2 * frameCount);
  const view = new DataView(pixelBytes.buffer);
  let state = instanceNumber * 7919 + seriesNumber;
  for (let i = 0; i < pixelBytes.length / 2; i++) {
    state = (state * 1103515245 + 12345) >>> 0;
    view.setUint16(i * 2, state >>> 20, true); // 12-bit values, little endian
  }
  const sopClassUid = frameCount > 1 ? '1.2.840.10008.5.1.4.1.1.7.3' : '1.2.840.10008.5.1.4.1.1.7';
  const dataset = {
    SOPClassUID: sopClassUid,
    SOPInstanceUID: spec.sop,
    StudyInstanceUID: spec.study,
    SeriesInstanceUID: spec.series,
    PatientName: spec.patient[0],
    PatientID: spec.patient[1],
    StudyDate: spec.date,
    StudyTime: '101500',
    Modality: 'DX',
    ConversionType: 'SYN',
    SeriesNumber: seriesNumber,
    InstanceNumber: instanceNumber,
    SamplesPerPixel: 1,
    PhotometricInterpretation: 'MONOCHROME2',
    Rows: 64,
    Columns: 64,
    BitsAllocated: 16,
    BitsStored: 12,
    HighBit: 11,
    PixelRepresentation: 0,
    ...(frameCount > 1 ? { NumberOfFrames: frameCount } : {}),
    PixelData: pixelBytes.buffer,
    _vrMap: { PixelData: 'OW' },
  };
  const meta = {
    FileMetaInformationVersion: new Uint8Array([0, 1]).buffer,
    MediaStorageSOPClassUID: sopClassUid,
    MediaStorageSOPInstanceUID: spec.sop,
    TransferSyntaxUID: '1.2.840.10008.1.2.1',
    ImplementationClassUID: '2.25.1',
  };
  const dict = new dcmjs.data.DicomDict(dcmjs.data.DicomMetaDictionary.denaturalizeDataset(meta));
  dict.dict = dcmjs.data.DicomMetaDictionary.denaturalizeDataset(dataset);
  const frames = Array.from({ length: frameCount }, (_, f) => pixelBytes.slice(f * 8192, (f + 1) * 8192));
  return {
    bytes: new Uint8Array(dict.write()),
    studyUid: spec.study,
    seriesUid: spec.series,
    sopUid: spec.sop,
    frames,
  };
}

/** Two studies: A with series A1 (single- and 3-frame instance) and A2 (one instance); B with one instance. */
function makeFixture() {
  const [studyA, seriesA1, seriesA2, studyB, seriesB1] = [newUid(), newUid(), newUid(), newUid(), newUid()];
  const alice: [string, string] = ['Contract^Alice', `PA${uidCounter}`];
  const a1 = makeInstance({ study: studyA, series: seriesA1, sop: newUid(), patient: alice, date: '20240115' }, 1, 1);
  const a2 = makeInstance(
    { study: studyA, series: seriesA1, sop: newUid(), patient: alice, date: '20240115', frames: 3 },
    1,
    2,
  );
  const a3 = makeInstance({ study: studyA, series: seriesA2, sop: newUid(), patient: alice, date: '20240115' }, 2, 1);
  const b1 = makeInstance({
    study: studyB,
    series: seriesB1,
    sop: newUid(),
    patient: ['Other^Bob', `PB${uidCounter}`],
    date: '20230601',
  });
  return { a1, a2, a3, b1, alice, all: [a1, a2, a3, b1] };
}

const valueOf = (dataset: DicomJsonDataset, tag: string): unknown => dataset[tag]?.Value?.[0];
const uidsOf = (datasets: DicomJsonDataset[], tag: string): string[] =>
  datasets.map((d) => String(valueOf(d, tag))).sort();
const sorted = (values: string[]): string[] => [...values].sort();

async function rejection(promise: Promise<unknown>): Promise<ChexgenError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(ChexgenError);
  return error as ChexgenError;
}

/** Serves the embedded router on a real loopback HTTP server at /dicom-web. */
async function serveEmbedded(store: EmbeddedStore, maxBodyBytes?: number): Promise<{ server: Server; root: string }> {
  const server = createServer(createEmbeddedDicomWebRouter(store, { mountPath: '/dicom-web', maxBodyBytes }));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { server, root: `http://127.0.0.1:${(server.address() as AddressInfo).port}/dicom-web` };
}

const closeServer = (server: Server): Promise<void> => new Promise((resolve) => server.close(() => resolve()));

// ---- the contract, run against each implementation ----

type Opened = { store: DicomStore; close(): Promise<void> };
const targets: { name: string; skip: boolean; open(): Promise<Opened> }[] = [
  {
    name: 'DicomWebClient -> real Orthanc',
    skip: skipOrthanc,
    async open() {
      const server = await OrthancServer.create();
      return { store: new DicomWebClient({ baseUrl: server.dicomWebUrl }), close: () => server.dispose() };
    },
  },
  {
    name: 'DicomWebClient -> embedded router over HTTP',
    skip: false,
    async open() {
      const dataDir = await mkdtemp(join(tmpdir(), 'chexgen-pacs-'));
      const { server, root } = await serveEmbedded(await EmbeddedStore.open({ dataDir }));
      return {
        store: new DicomWebClient({ baseUrl: root }),
        close: async () => (await closeServer(server), await rm(dataDir, { recursive: true })),
      };
    },
  },
  {
    name: 'EmbeddedStore directly',
    skip: false,
    async open() {
      const dataDir = await mkdtemp(join(tmpdir(), 'chexgen-pacs-'));
      return { store: await EmbeddedStore.open({ dataDir }), close: () => rm(dataDir, { recursive: true }) };
    },
  },
];

for (const target of targets) {
  describe.skipIf(target.skip)(`DicomStore contract: ${target.name}`, () => {
    const fixture = makeFixture();
    const { a1, a2, a3, b1 } = fixture;
    let opened: Opened;
    let store: DicomStore;

    beforeAll(async () => {
      opened = await target.open();
      store = opened.store;
    });
    afterAll(async () => opened?.close());

    it('when instances are stored, then every SOPInstanceUID is acknowledged', async () => {
      const result = await store.store(fixture.all.map((instance) => instance.bytes));
      expect(result.failed).toEqual([]);
      expect(sorted(result.stored)).toEqual(sorted(fixture.all.map((instance) => instance.sopUid)));
    });

    it('when studies are searched by PatientID, name wildcard or date range, then QIDO finds the right study', async () => {
      const [found, ...others] = await store.searchStudies({ PatientID: fixture.alice[1] });
      expect(others).toEqual([]);
      expect(valueOf(found, '0020000D')).toBe(a1.studyUid);
      expect(Number(valueOf(found, '00201208'))).toBe(3); // NumberOfStudyRelatedInstances
      expect(found['00080061']?.Value).toContain('DX'); // ModalitiesInStudy
      expect(uidsOf(await store.searchStudies({ PatientName: 'Contract^A*' }), '0020000D')).toEqual([a1.studyUid]);
      expect(uidsOf(await store.searchStudies({ PatientName: 'Contract^Alice' }), '0020000D')).toEqual([a1.studyUid]);
      const inJanuary = uidsOf(await store.searchStudies({ StudyDate: '20240101-20240131' }), '0020000D');
      expect(inJanuary).toContain(a1.studyUid);
      expect(inJanuary).not.toContain(b1.studyUid);
      expect(uidsOf(await store.searchStudies({ StudyInstanceUID: b1.studyUid }), '0020000D')).toEqual([b1.studyUid]);
    });

    it('when series and instances are searched, then QIDO lists them with counts', async () => {
      const series = await store.searchSeries(a1.studyUid);
      expect(uidsOf(series, '0020000E')).toEqual(sorted([a1.seriesUid, a3.seriesUid]));
      const seriesA1 = series.find((s) => valueOf(s, '0020000E') === a1.seriesUid) as DicomJsonDataset;
      expect(Number(valueOf(seriesA1, '00201209'))).toBe(2); // NumberOfSeriesRelatedInstances
      expect(uidsOf(await store.searchInstances(a1.studyUid, a1.seriesUid), '00080018')).toEqual(
        sorted([a1.sopUid, a2.sopUid]),
      );
      expect(await store.searchInstances(a1.studyUid)).toHaveLength(3);
    });

    it('when series and instances are searched across studies by their UID, then QIDO names their study (and series)', async () => {
      const [series, ...moreSeries] = await store.searchAllSeries({ SeriesInstanceUID: a3.seriesUid });
      expect(moreSeries).toEqual([]);
      expect([valueOf(series, '0020000E'), valueOf(series, '0020000D')]).toEqual([a3.seriesUid, a1.studyUid]);
      const [instance, ...moreInstances] = await store.searchAllInstances({ SOPInstanceUID: b1.sopUid });
      expect(moreInstances).toEqual([]);
      expect([valueOf(instance, '00080018'), valueOf(instance, '0020000E'), valueOf(instance, '0020000D')]).toEqual([b1.sopUid, b1.seriesUid, b1.studyUid]);
      expect(await store.searchAllSeries({ SeriesInstanceUID: '1.2.3.999' })).toEqual([]);
    });

    it('when an instance is retrieved, then the Part 10 bytes round-trip exactly', async () => {
      const bytes = await store.retrieveInstance(a2.studyUid, a2.seriesUid, a2.sopUid);
      expect(Buffer.from(bytes).equals(Buffer.from(a2.bytes))).toBe(true);
    });

    it('when frames are retrieved, then they are the exact pixel bytes in request order', async () => {
      const frames = await store.retrieveFrames(a2.studyUid, a2.seriesUid, a2.sopUid, [3, 1]);
      expect(frames.map((f) => Buffer.from(f).toString('hex'))).toEqual(
        [a2.frames[2], a2.frames[0]].map((f) => Buffer.from(f).toString('hex')),
      );
      const [single] = await store.retrieveFrames(a1.studyUid, a1.seriesUid, a1.sopUid, [1]);
      expect(Buffer.from(single).equals(Buffer.from(a1.frames[0]))).toBe(true);
    });

    it('when metadata is retrieved, then it is DICOM JSON with a BulkDataURI for Pixel Data', async () => {
      const study = await store.retrieveMetadata(a1.studyUid);
      expect(uidsOf(study, '00080018')).toEqual(sorted([a1.sopUid, a2.sopUid, a3.sopUid]));
      for (const instance of study) {
        expect(instance['7FE00010'].BulkDataURI).toContain(String(valueOf(instance, '00080018')));
        expect(instance['7FE00010'].Value).toBeUndefined();
        expect(instance['00100010']).toEqual({ vr: 'PN', Value: [{ Alphabetic: 'Contract^Alice' }] });
        expect(instance['00280010']).toEqual({ vr: 'US', Value: [64] });
      }
      expect(uidsOf(await store.retrieveMetadata(a3.studyUid, a3.seriesUid), '00080018')).toEqual([a3.sopUid]);
    });

    it('when an instance is stored again, then it is acknowledged and not duplicated', async () => {
      expect(await store.store([a1.bytes])).toEqual({ stored: [a1.sopUid], failed: [] });
      expect(await store.searchInstances(a1.studyUid, a1.seriesUid)).toHaveLength(2);
    });

    it('when a batch mixes a non-DICOM part with a valid one, then the valid one is stored and the other reported', async () => {
      const extra = makeInstance({
        study: b1.studyUid,
        series: newUid(),
        sop: newUid(),
        patient: ['Other^Bob', 'PB'],
        date: '20230601',
      });
      const result = await store.store([new TextEncoder().encode('not a DICOM file'), extra.bytes]);
      expect(result.stored).toEqual([extra.sopUid]);
      expect(result.failed).toEqual([expect.objectContaining({ index: 0 })]);
      expect(await store.searchInstances(extra.studyUid, extra.seriesUid)).toHaveLength(1);
    });

    it('when a missing instance is retrieved, then PACS_NOT_FOUND is raised', async () => {
      expect((await rejection(store.retrieveInstance(a1.studyUid, a1.seriesUid, newUid()))).code).toBe(
        'PACS_NOT_FOUND',
      );
    });
  });
}

// ---- what only the embedded router and store do ----

/** A raw HTTP GET, so tests can set Host and X-Forwarded-Proto (fetch does not allow overriding Host). */
function rawGet(
  url: string,
  headers: Record<string, string>,
): Promise<{ status: number; headers: Record<string, unknown>; body: Buffer }> {
  return new Promise((resolve, reject) => {
    request(url, { headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }));
    })
      .on('error', reject)
      .end();
  });
}

describe('embedded DICOMweb router', () => {
  const fixture = makeFixture();
  const { a2 } = fixture;
  let dataDir: string;
  let server: Server;
  let root: string;

  beforeAll(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'chexgen-pacs-'));
    const store = await EmbeddedStore.open({ dataDir });
    await store.store(fixture.all.map((instance) => instance.bytes));
    ({ server, root } = await serveEmbedded(store));
  });
  afterAll(async () => {
    await closeServer(server);
    await rm(dataDir, { recursive: true });
  });

  it('when metadata is asked through a proxy, then BulkDataURI uses its Host and scheme and serves the frames OHIF asks for', async () => {
    const path = `/dicom-web/studies/${a2.studyUid}/series/${a2.seriesUid}/metadata`;
    const reply = await rawGet(`${root.replace('/dicom-web', '')}${path}`, {
      Host: 'viewer.example:8443',
      'X-Forwarded-Proto': 'https',
    });
    expect(reply.status).toBe(200);
    expect(reply.headers['content-type']).toMatch(/^application\/dicom\+json/);
    const [first, second] = JSON.parse(reply.body.toString()) as DicomJsonDataset[];
    expect(first['7FE00010'].BulkDataURI).toBe(
      `https://viewer.example:8443/dicom-web/studies/${a2.studyUid}/series/${a2.seriesUid}/instances/${fixture.a1.sopUid}/frames/1`,
    );
    expect(second['7FE00010'].BulkDataURI).toMatch(
      new RegExp(`/instances/${a2.sopUid.replace(/\./g, '\\.')}/frames/1,2,3$`),
    );
    const frames = await fetch(
      `${root}/studies/${a2.studyUid}/series/${a2.seriesUid}/instances/${a2.sopUid}/frames/2`,
      {
        headers: { Accept: 'multipart/related; type=application/octet-stream; transfer-syntax=*' }, // OHIF's exact header
      },
    );
    const contentType = frames.headers.get('content-type') ?? '';
    const [part] = decodeMultipart(new Uint8Array(await frames.arrayBuffer()), contentType);
    expect(part.headers['content-type']).toBe('application/octet-stream; transfer-syntax=1.2.840.10008.1.2.1');
    expect(Buffer.from(part.body).equals(Buffer.from(a2.frames[1]))).toBe(true);
  });

  it('when the Host header is not a plain host[:port], then metadata is refused with 400 instead of copying it into BulkDataURIs', async () => {
    const path = `/dicom-web/studies/${a2.studyUid}/series/${a2.seriesUid}/metadata`;
    for (const host of ['evil.example/phish?x=', 'a"b', 'x@evil.example']) {
      const reply = await rawGet(`${root.replace('/dicom-web', '')}${path}`, { Host: host });
      expect(reply.status, host).toBe(400);
      expect(reply.body.toString()).not.toContain('BulkDataURI');
    }
  });

  it('when a path segment is not a UID, then the answer is 400 INVALID_FIELD and nothing is read', async () => {
    for (const path of [
      '/studies/..%2F..%2Fetc/series',
      `/studies/${a2.studyUid}/series/1.2.abc/metadata`,
      '/studies/1..2/metadata',
    ]) {
      const reply = await fetch(`${root}${path}`);
      expect(reply.status, path).toBe(400);
      expect(((await reply.json()) as { error: { code: string } }).error.code).toBe('INVALID_FIELD');
    }
    expect(
      (await fetch(`${root}/studies/${a2.studyUid}/series/${a2.seriesUid}/instances/${a2.sopUid}/frames/0`)).status,
    ).toBe(400);
  });

  it('when QIDO pages with limit/offset and includefield, then results are paged and the field ignored', async () => {
    const page = (await (
      await fetch(`${root}/studies?limit=1&offset=1&includefield=00081030&fuzzymatching=false`)
    ).json()) as unknown[];
    expect(page).toHaveLength(1);
    expect((await fetch(`${root}/studies?limit=-3`)).status).toBe(400);
  });

  it('when QIDO gets wildcard patterns, then the nine-star one answers and one over the cap gets 400 naming the key', async () => {
    const nine = await fetch(`${root}/studies?PatientName=${encodeURIComponent(`*${'a*'.repeat(9)}b`)}`);
    expect(nine.status).toBe(200);
    expect(await nine.json()).toEqual([]);
    const over = await fetch(`${root}/studies?PatientName=${encodeURIComponent('a*'.repeat(17))}`);
    expect(over.status).toBe(400);
    const { error } = (await over.json()) as { error: { field: string; message: string } };
    expect(error.field).toBe('PatientName');
    expect(error.message).toContain('wildcards');
  });

  it('when STOW is not multipart/related or targets another study, then it answers 415 or 409 with a FailureReason', async () => {
    const single = await fetch(`${root}/studies`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/dicom' },
      body: a2.bytes,
    });
    expect(single.status).toBe(415);
    const boundary = 'x-boundary';
    const body = Buffer.concat([
      Buffer.from(`--${boundary}\r\nContent-Type: application/dicom\r\n\r\n`),
      a2.bytes,
      Buffer.from(`\r\n--${boundary}--\r\n`),
    ]);
    const wrongStudy = await fetch(`${root}/studies/${fixture.b1.studyUid}`, {
      method: 'POST',
      headers: { 'Content-Type': `multipart/related; type=application/dicom; boundary=${boundary}` },
      body,
    });
    expect(wrongStudy.status).toBe(409);
    const reply = (await wrongStudy.json()) as DicomJsonDataset;
    expect(reply['00081198'].Value).toEqual([expect.objectContaining({ '00081197': { vr: 'US', Value: [0xa900] } })]);
  });

  it('when mounted Express-style, then the prefix comes from req.baseUrl and errors go to next()', async () => {
    const store = await EmbeddedStore.open({ dataDir });
    const handler = createEmbeddedDicomWebRouter(store);
    const errors: unknown[] = [];
    const express = createServer((req, res) => {
      Object.assign(req, { baseUrl: '/dicom-web', url: (req.url ?? '').slice('/dicom-web'.length) }); // what app.use('/dicom-web') does
      handler(req, res, (error?: unknown) => {
        errors.push(error);
        res.writeHead(418).end();
      });
    });
    await new Promise<void>((resolve) => express.listen(0, '127.0.0.1', resolve));
    const origin = `http://127.0.0.1:${(express.address() as AddressInfo).port}`;
    const [meta] = (await (
      await fetch(`${origin}/dicom-web/studies/${a2.studyUid}/series/${a2.seriesUid}/metadata`)
    ).json()) as DicomJsonDataset[];
    expect(meta['7FE00010'].BulkDataURI).toMatch(new RegExp(`^${origin}/dicom-web/studies/`));
    const one = await fetch(
      `${origin}/dicom-web/studies/${a2.studyUid}/series/${a2.seriesUid}/instances/${a2.sopUid}/metadata`,
    );
    expect(((await one.json()) as DicomJsonDataset[]).map((d) => valueOf(d, '00080018'))).toEqual([a2.sopUid]);
    expect((await fetch(`${origin}/dicom-web/studies/${newUid()}/metadata`)).status).toBe(418);
    expect(errors).toEqual([expect.objectContaining({ code: 'PACS_NOT_FOUND' })]);
    await closeServer(express);
  });
});

describe('EmbeddedStore on disk', () => {
  it('when reopened, then the index is rebuilt from the files, leftovers are cleared and stray files skipped', async () => {
    const dataDir = await mkdtemp(join(tmpdir(), 'chexgen-pacs-'));
    const fixture = makeFixture();
    await (await EmbeddedStore.open({ dataDir })).store(fixture.all.map((instance) => instance.bytes));
    await mkdir(join(dataDir, '.tmp'), { recursive: true });
    await writeFile(join(dataDir, '.tmp', 'interrupted.part'), 'half a file');
    await mkdir(join(dataDir, '1.2', '1.3'), { recursive: true });
    await writeFile(join(dataDir, '1.2', '1.3', '1.4.dcm'), fixture.b1.bytes); // UIDs do not match the path
    const warnings: string[] = [];
    const reopened = await EmbeddedStore.open({ dataDir, log: (_level, message) => void warnings.push(message) });
    expect(await reopened.searchStudies()).toHaveLength(2);
    const { a2 } = fixture;
    const [frame] = await reopened.retrieveFrames(a2.studyUid, a2.seriesUid, a2.sopUid, [3]);
    expect(Buffer.from(frame).equals(Buffer.from(a2.frames[2]))).toBe(true);
    expect(await readdir(join(dataDir, '.tmp')).catch(() => [])).toEqual([]);
    expect(warnings).toEqual(['embedded store skips a file whose UIDs do not match its path']);
    await rm(dataDir, { recursive: true });
  });
});

// ---- what only a real Orthanc can show: authentication and an outage ----

describe('EmbeddedStore against header-size lies (issue 13, item 3)', () => {
  let dataDir: string;
  beforeAll(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'chexgen-pacs-lies-'));
  });
  afterAll(async () => rm(dataDir, { recursive: true, force: true }));

  it('when an instance of under 1 KB claims 2^31 frames, then STOW refuses it naming NumberOfFrames and nothing is stored', async () => {
    const store = await EmbeddedStore.open({ dataDir: join(dataDir, 'stow') });
    const lie = frameCountLie();
    expect(lie.bytes.length).toBeLessThan(1024);
    const result = await store.store([lie.bytes]);
    expect(result.stored).toEqual([]);
    expect(result.failed).toEqual([expect.objectContaining({ sopInstanceUid: lie.sopUid, reason: expect.stringContaining('NumberOfFrames') })]);
    expect(await store.searchStudies({ StudyInstanceUID: lie.studyUid })).toEqual([]);
    expect(await readdir(join(dataDir, 'stow'))).not.toContain(lie.studyUid);
  });

  it('when the Pixel Data is shorter than NumberOfFrames x Rows x Columns x bits say, then STOW refuses it', async () => {
    const store = await EmbeddedStore.open({ dataDir: join(dataDir, 'short') });
    const result = await store.store([frameCountLie({ frames: 2 }).bytes]);
    expect(result.failed[0]?.reason).toMatch(/Pixel Data holds 64 bytes.*needs 128/);
  });

  it('when an honest instance decodes to more than the pixel cap, then STOW refuses it naming the cap', async () => {
    const store = await EmbeddedStore.open({ dataDir: join(dataDir, 'cap'), maxPixelBytes: 4096 });
    const fixture = makeFixture();
    const result = await store.store([fixture.a1.bytes]);
    expect(result.failed[0]?.reason).toContain('more than 4096 bytes');
  });

  it('when such a file is already on disk (stored before the check), then a reopened store skips it and its metadata is a 404, not a crash', async () => {
    const folder = join(dataDir, 'disk');
    const lie = frameCountLie();
    const honest = makeFixture().a2;
    await (await EmbeddedStore.open({ dataDir: folder })).store([honest.bytes]);
    await mkdir(join(folder, lie.studyUid, lie.seriesUid), { recursive: true });
    await writeFile(join(folder, lie.studyUid, lie.seriesUid, `${lie.sopUid}.dcm`), lie.bytes);
    const warnings: string[] = [];
    const store = await EmbeddedStore.open({ dataDir: folder, log: (level, message) => level === 'warn' && warnings.push(message) });
    expect(warnings.join('\n')).toContain('skips');
    expect(await store.searchStudies({ StudyInstanceUID: lie.studyUid })).toEqual([]);
    await expect(store.metadata(lie.studyUid, undefined, 'http://x/dicom-web')).rejects.toMatchObject({ code: 'PACS_NOT_FOUND' });
    const [meta] = await store.metadata(honest.studyUid, honest.seriesUid, 'http://x/dicom-web', honest.sopUid);
    expect((meta['7FE00010'] as { BulkDataURI: string }).BulkDataURI).toMatch(/\/frames\/1,2,3$/);
  });
});

describe('embedded STOW on disk: streaming, cap and quota (issue 13, item 9)', () => {
  /** Sends a STOW body in two halves and calls `between` after the first half was sent. */
  function stowInHalves(root: string, body: Buffer, contentType: string, between: () => Promise<void>): Promise<{ status: number; body: string }> {
    return new Promise((resolve, reject) => {
      const req = request(`${root}/studies`, { method: 'POST', headers: { 'Content-Type': contentType } }, (res) => {
        let text = '';
        res.on('data', (chunk: Buffer) => (text += chunk.toString()));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: text }));
      });
      req.on('error', reject);
      const half = Math.floor(body.length / 2);
      req.write(body.subarray(0, half));
      between().then(() => req.end(body.subarray(half)), reject);
    });
  }
  const uploads = async (dataDir: string): Promise<string[]> => (await readdir(join(dataDir, '.tmp')).catch(() => [])).filter((f) => f.startsWith('upload-'));

  it('when a STOW body is arriving, then it goes to a temp file under the store, not into memory, and the file is gone afterwards', async () => {
    const dataDir = await mkdtemp(join(tmpdir(), 'chexgen-stow-'));
    const store = await EmbeddedStore.open({ dataDir });
    const { server, root } = await serveEmbedded(store);
    const instances = [makeFixture().a2, makeFixture().a2];
    const { body, contentType } = encodeMultipartRelated(instances.map((i) => i.bytes), 'application/dicom');
    let seenOnDisk = 0;
    const reply = await stowInHalves(root, body, contentType, async () => {
      for (let i = 0; i < 100 && seenOnDisk < body.length / 2; i++) {
        await new Promise((r) => setTimeout(r, 20));
        const [file] = await uploads(dataDir);
        if (file !== undefined) seenOnDisk = (await stat(join(dataDir, '.tmp', file)).catch(() => ({ size: 0 }))).size;
      }
    });
    expect(reply.status).toBe(200);
    expect(seenOnDisk).toBeGreaterThanOrEqual(Math.floor(body.length / 2));
    expect(await uploads(dataDir)).toEqual([]);
    for (const instance of instances) expect(await store.searchInstances(instance.studyUid)).toHaveLength(1);
    await closeServer(server);
  });

  it('when a chunked STOW body passes the cap, then it is cut off with 413 and its temp file removed', async () => {
    const dataDir = await mkdtemp(join(tmpdir(), 'chexgen-stow-'));
    const store = await EmbeddedStore.open({ dataDir });
    const { server, root } = await serveEmbedded(store, 20_000);
    const { body, contentType } = encodeMultipartRelated([makeFixture().a2.bytes], 'application/dicom');
    const reply = await stowInHalves(root, body, contentType, async () => undefined).catch((error: NodeJS.ErrnoException) => ({ status: error.code === 'ECONNRESET' ? 413 : 0, body: '' }));
    expect(reply.status).toBe(413);
    expect(await uploads(dataDir)).toEqual([]);
    await closeServer(server);
  });

  it('when a STOW would take the store past CHEXGEN_STORE_QUOTA_BYTES, then it gets 507 STORAGE_FULL and nothing is stored', async () => {
    const dataDir = await mkdtemp(join(tmpdir(), 'chexgen-stow-'));
    const fixture = makeFixture();
    const store = await EmbeddedStore.open({ dataDir, quotaBytes: fixture.a1.bytes.length + 1000 });
    const { server, root } = await serveEmbedded(store);
    const first = encodeMultipartRelated([fixture.a1.bytes], 'application/dicom');
    expect((await fetch(`${root}/studies`, { method: 'POST', headers: { 'Content-Type': first.contentType }, body: first.body })).status).toBe(200);
    const second = encodeMultipartRelated([fixture.a2.bytes], 'application/dicom');
    const reply = await fetch(`${root}/studies`, { method: 'POST', headers: { 'Content-Type': second.contentType }, body: second.body });
    expect(reply.status).toBe(507);
    const { error } = (await reply.json()) as { error: { code: string; message: string } };
    expect(error.code).toBe('STORAGE_FULL');
    expect(error.message).toContain('CHEXGEN_STORE_QUOTA_BYTES');
    expect(await store.searchInstances(fixture.a2.studyUid, fixture.a2.seriesUid)).toHaveLength(1);
    const direct = await store.store([fixture.a3.bytes]); // deliveries from the outbox meet the quota too
    expect(direct.failed).toEqual([expect.objectContaining({ reason: expect.stringContaining('CHEXGEN_STORE_QUOTA_BYTES') })]);
    await closeServer(server);
  });

  it('when the disk would keep less than CHEXGEN_DISK_RESERVE_BYTES free, then a STOW gets 507 naming it', async () => {
    const dataDir = await mkdtemp(join(tmpdir(), 'chexgen-stow-'));
    const store = await EmbeddedStore.open({ dataDir, reserveBytes: 2 ** 60 });
    const { server, root } = await serveEmbedded(store);
    const { body, contentType } = encodeMultipartRelated([makeFixture().a1.bytes], 'application/dicom');
    const reply = await fetch(`${root}/studies`, { method: 'POST', headers: { 'Content-Type': contentType }, body });
    expect(reply.status).toBe(507);
    expect(((await reply.json()) as { error: { message: string } }).error.message).toContain('CHEXGEN_DISK_RESERVE_BYTES');
    await closeServer(server);
  });
});

describe.skipIf(skipOrthanc)('DicomWebClient with a real Orthanc: auth and outage', () => {
  it('when Orthanc requires Basic auth, then a client without it gets a clear 401 error and one with it stores', async () => {
    const server = await OrthancServer.create({ users: { chexgen: 's3cret' } });
    try {
      const { a1 } = makeFixture();
      const anonymous = new DicomWebClient({ baseUrl: server.dicomWebUrl });
      const error = await rejection(anonymous.store([a1.bytes]));
      expect(error.code).toBe('PACS_REJECTED');
      expect(error.message).toMatch(/check the PACS credentials.*POST \/dicom-web\/studies answered HTTP 401/);
      const authorized = new DicomWebClient({
        baseUrl: server.dicomWebUrl,
        auth: { kind: 'basic', username: 'chexgen', password: 's3cret' },
      });
      expect(await authorized.store([a1.bytes])).toEqual({ stored: [a1.sopUid], failed: [] });
    } finally {
      await server.dispose();
    }
  });

  it('when Orthanc is down, then store fails with PACS_UNAVAILABLE after its attempts; after restart it succeeds and old data is kept', async () => {
    const server = await OrthancServer.create();
    try {
      const { a1, a3 } = makeFixture();
      const retries: unknown[] = [];
      const client = new DicomWebClient({
        baseUrl: server.dicomWebUrl,
        timeoutMs: 5_000,
        retry: { attempts: 3, baseDelayMs: 20, maxDelayMs: 100 },
        log: (_level, _message, fields) => void retries.push(fields?.attempt),
      });
      expect((await client.store([a1.bytes])).stored).toEqual([a1.sopUid]);
      await server.stop();
      const error = await rejection(client.store([a3.bytes]));
      expect(error.code).toBe('PACS_UNAVAILABLE');
      expect(error.message).toMatch(/POST \/dicom-web\/studies failed after 3 attempts/);
      expect(retries).toEqual([1, 2]);
      await server.start();
      expect(await client.store([a3.bytes])).toEqual({ stored: [a3.sopUid], failed: [] });
      expect(uidsOf(await client.searchInstances(a1.studyUid), '00080018')).toEqual(sorted([a1.sopUid, a3.sopUid]));
    } finally {
      await server.dispose();
    }
  });
});
