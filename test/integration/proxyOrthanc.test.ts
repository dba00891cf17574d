import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer as createHttpServer, request, type IncomingHttpHeaders, type Server } from 'node:http';
import { createRequire } from 'node:module';
import { createServer as createTcpServer, connect, type AddressInfo, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import express from 'express';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openStore } from '../../server/src/composition/openStore.js';
import { loadConfig } from '../../server/src/config/loadConfig.js';
import { createDicomWebProxy, createDicomWebRoute, type DicomWebProxy } from '../../server/src/http/dicomWebProxy.js';
import type { DicomJsonDataset } from '../../server/src/dicom/dicomJson.js';
import { decodeMultipart, encodeMultipartRelated } from '../../server/src/pacs/multipartRelated.js';
import { OrthancServer, orthancAvailability } from '../helpers/orthanc.js';
import { inCi } from '../helpers/testEnvironment.js';

const orthanc = orthancAvailability();
const skipOrthanc = !orthanc.ok && !inCi;
if (skipOrthanc) console.warn(`DICOMweb proxy tests skipped: ${orthanc.reason}; set CI=true to make this a failure`);

// ---- a small valid Part 10 Secondary Capture, written with dcmjs directly ----

type Dcmjs = {
  data: {
    DicomMetaDictionary: { denaturalizeDataset(dataset: Record<string, unknown>): Record<string, unknown> };
    DicomDict: new (meta: Record<string, unknown>) => { dict: Record<string, unknown>; write(): ArrayBuffer };
  };
};
const dcmjs = createRequire(import.meta.url)('dcmjs') as Dcmjs;
const newUid = (): string => `2.25.${BigInt(`0x${randomBytes(12).toString('hex')}`)}`;

type TestInstance = { bytes: Uint8Array; study: string; series: string; sop: string; pixels: Uint8Array };

/** A 32x32, 12-in-16-bit MONOCHROME2 Secondary Capture with random pixels. */
function makeInstance(): TestInstance {
  const [study, series, sop] = [newUid(), newUid(), newUid()];
  const pixels = new Uint8Array(32 * 32 * 2);
  const view = new DataView(pixels.buffer);
  for (let i = 0; i < 32 * 32; i++) view.setUint16(i * 2, (i * 37) % 4096, true);
  const dataset = {
    SOPClassUID: '1.2.840.10008.5.1.4.1.1.7',
    SOPInstanceUID: sop,
    StudyInstanceUID: study,
    SeriesInstanceUID: series,
    PatientName: 'Proxy^Test',
    PatientID: `PX${sop.slice(-6)}`,
    StudyDate: '20260131',
    Modality: 'DX',
    ConversionType: 'SYN',
    SeriesNumber: 1,
    InstanceNumber: 1,
    SamplesPerPixel: 1,
    PhotometricInterpretation: 'MONOCHROME2',
    Rows: 32,
    Columns: 32,
    BitsAllocated: 16,
    BitsStored: 12,
    HighBit: 11,
    PixelRepresentation: 0,
    PixelData: pixels.buffer,
    _vrMap: { PixelData: 'OW' },
  };
  const meta = {
    FileMetaInformationVersion: new Uint8Array([0, 1]).buffer,
    MediaStorageSOPClassUID: dataset.SOPClassUID,
    MediaStorageSOPInstanceUID: sop,
    TransferSyntaxUID: '1.2.840.10008.1.2.1',
    ImplementationClassUID: '2.25.1',
  };
  const dict = new dcmjs.data.DicomDict(dcmjs.data.DicomMetaDictionary.denaturalizeDataset(meta));
  dict.dict = dcmjs.data.DicomMetaDictionary.denaturalizeDataset(dataset);
  return { bytes: new Uint8Array(dict.write()), study, series, sop, pixels };
}

// ---- plumbing: raw HTTP requests (no URL normalisation), servers on port 0, a recording TCP relay ----

type RawReply = { status: number; headers: IncomingHttpHeaders; body: Buffer };

/** Sends `path` exactly as written (fetch would resolve `..` before sending). */
function rawRequest(
  port: number,
  options: { method?: string; path: string; headers?: Record<string, string>; body?: Buffer },
): Promise<RawReply> {
  return new Promise((resolve, reject) => {
    const req = request({
      host: '127.0.0.1',
      port,
      method: options.method ?? 'GET',
      path: options.path,
      headers: options.headers,
    });
    req.on('response', (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(options.body);
  });
}

const json = <T>(reply: RawReply): T => JSON.parse(reply.body.toString('utf8')) as T;

async function listen(server: Server): Promise<number> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return (server.address() as AddressInfo).port;
}

const close = (server: Server | ReturnType<typeof createTcpServer>): Promise<void> =>
  new Promise((resolve) => server.close(() => resolve()));

/** A transparent TCP relay in front of Orthanc that keeps every byte Orthanc is sent, to prove what reached it. */
async function startRelay(targetPort: number) {
  let received = '';
  const sockets = new Set<Socket>();
  const server = createTcpServer((client) => {
    const upstream = connect(targetPort, '127.0.0.1');
    for (const socket of [client, upstream]) {
      sockets.add(socket);
      socket.on('close', () => sockets.delete(socket));
      socket.on('error', () => (client.destroy(), upstream.destroy()));
    }
    client.on('data', (chunk: Buffer) => (received += chunk.toString('latin1')));
    client.pipe(upstream).on('error', () => undefined);
    upstream.pipe(client).on('error', () => undefined);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as AddressInfo).port,
    /** Request lines (`GET /dicom-web/studies HTTP/1.1`) Orthanc was sent so far. */
    requestLines: (): string[] => received.match(/^(?:GET|HEAD|POST|PUT|DELETE|OPTIONS) \S+ HTTP\/1\.1$/gm) ?? [],
    received: (): string => received,
    close: async () => {
      for (const socket of sockets) socket.destroy();
      await close(server);
    },
  };
}

const USERS = { chexgen: 'pacs-secret' };
const SERVER_AUTH = `Basic ${Buffer.from('chexgen:pacs-secret').toString('base64')}`;
const CLIENT_AUTH = `Basic ${Buffer.from('mallory:guess').toString('base64')}`;

describe.skipIf(skipOrthanc)('DICOMweb proxy -> real Orthanc with authentication', () => {
  let pacs: OrthancServer;
  let relay: Awaited<ReturnType<typeof startRelay>>;
  let proxy: DicomWebProxy;
  let wadoProxy: DicomWebProxy;
  let app: Server;
  let port: number;
  const instance = makeInstance();

  beforeAll(async () => {
    pacs = await OrthancServer.create({ users: USERS });
    relay = await startRelay(pacs.port);
    const auth = { kind: 'basic' as const, username: 'chexgen', password: 'pacs-secret' };
    proxy = createDicomWebProxy({ target: `http://127.0.0.1:${relay.port}/dicom-web`, auth });
    wadoProxy = createDicomWebProxy({ target: `http://127.0.0.1:${relay.port}/wado`, root: 'wado', auth });
    const application = express();
    application.use('/dicom-web', proxy);
    application.use('/wado', wadoProxy);
    application.use(express.json()); // body parsers come after the proxy
    app = createHttpServer(application);
    port = await listen(app);
  });

  afterAll(async () => {
    proxy?.close();
    wadoProxy?.close();
    if (app) await close(app);
    await relay?.close();
    await pacs?.dispose();
  });

  it('when Orthanc is asked directly without credentials, then it refuses (authentication is really on)', async () => {
    const reply = await fetch(`${pacs.dicomWebUrl}/studies`);
    expect(reply.status).toBe(401);
  });

  it('when a client STOWs through the proxy with its own Authorization and Cookie, then the server credentials replace them', async () => {
    const { body, contentType } = encodeMultipartRelated([instance.bytes], 'application/dicom');
    const reply = await rawRequest(port, {
      method: 'POST',
      path: '/dicom-web/studies',
      headers: {
        'Content-Type': contentType,
        Accept: 'application/dicom+json',
        Authorization: CLIENT_AUTH,
        Cookie: 'session=abc',
      },
      body,
    });
    expect(reply.status).toBe(200);
    const stow = json<DicomJsonDataset>(reply);
    expect(stow['00081198']?.Value?.length ?? 0).toBe(0); // FailedSOPSequence: Orthanc always sends it, empty
    const stored = stow['00081199']?.Value as DicomJsonDataset[];
    expect(stored.map((item) => item['00081155']?.Value?.[0])).toEqual([instance.sop]);
    const sent = relay.received();
    expect(sent).toContain(`authorization: ${SERVER_AUTH}`);
    expect(sent).not.toContain(CLIENT_AUTH);
    expect(sent.toLowerCase()).not.toContain('cookie:');
  });

  it('when a client searches studies through the proxy without credentials, then QIDO answers from Orthanc', async () => {
    const reply = await rawRequest(port, { path: `/dicom-web/studies?StudyInstanceUID=${instance.study}` });
    expect(reply.status).toBe(200);
    expect(reply.headers['content-type']).toContain('application/dicom+json');
    expect(reply.headers['www-authenticate']).toBeUndefined();
    const studies = json<DicomJsonDataset[]>(reply);
    expect(studies.map((study) => study['0020000D']?.Value?.[0])).toEqual([instance.study]);
  });

  it('when metadata is read through the proxy, then its BulkDataURIs point back through our origin and work', async () => {
    const path = `/dicom-web/studies/${instance.study}/series/${instance.series}/metadata`;
    const reply = await rawRequest(port, { path });
    expect(reply.status).toBe(200);
    const [metadata] = json<DicomJsonDataset[]>(reply);
    const bulk = (metadata['7FE00010'] as { BulkDataURI?: string } | undefined)?.BulkDataURI ?? '';
    expect(bulk.startsWith(`http://127.0.0.1:${port}/dicom-web/studies/${instance.study}/`)).toBe(true);
    const pixels = await fetch(bulk, { headers: { Accept: 'multipart/related; type="application/octet-stream"' } });
    expect(pixels.status).toBe(200);
    const parts = decodeMultipart(new Uint8Array(await pixels.arrayBuffer()), pixels.headers.get('content-type') ?? '');
    expect(Buffer.from(parts[0].body).equals(Buffer.from(instance.pixels))).toBe(true);
  });

  it('when the browser reached us by another name over TLS, then the BulkDataURIs use that Host and https (no changeOrigin)', async () => {
    const path = `/dicom-web/studies/${instance.study}/series/${instance.series}/metadata`;
    const reply = await rawRequest(port, {
      path,
      headers: { Host: 'viewer.example:8443', 'X-Forwarded-Proto': 'https' },
    });
    const [metadata] = json<DicomJsonDataset[]>(reply);
    const bulk = (metadata['7FE00010'] as { BulkDataURI?: string } | undefined)?.BulkDataURI ?? '';
    expect(bulk.startsWith(`https://viewer.example:8443/dicom-web/studies/${instance.study}/`)).toBe(true);
  });

  it('when a frame is retrieved through the proxy, then the pixel bytes stream back unchanged', async () => {
    const path = `/dicom-web/studies/${instance.study}/series/${instance.series}/instances/${instance.sop}/frames/1`;
    const reply = await rawRequest(port, {
      path,
      headers: { Accept: 'multipart/related; type="application/octet-stream"' },
    });
    expect(reply.status).toBe(200);
    const parts = decodeMultipart(reply.body, String(reply.headers['content-type']));
    expect(Buffer.from(parts[0].body).equals(Buffer.from(instance.pixels))).toBe(true);
  });

  it('when WADO-URI is asked through /wado, then Orthanc returns the Part 10 object', async () => {
    const query = `requestType=WADO&studyUID=${instance.study}&seriesUID=${instance.series}&objectUID=${instance.sop}&contentType=application/dicom`; // Orthanc does not decode %2F here
    const reply = await rawRequest(port, { path: `/wado?${query}` });
    expect(reply.status).toBe(200);
    expect(reply.headers['content-type']).toContain('application/dicom');
    expect(reply.body.subarray(128, 132).toString('latin1')).toBe('DICM');
  });

  it.each([
    '/dicom-web/../../system',
    '/dicom-web/studies/../../system',
    '/dicom-web/%2e%2e/%2e%2e/system',
    '/dicom-web/.%2E/system',
    '/dicom-web/studies%2f..%2f..%2fsystem',
    '/dicom-web/studies%5c..%5c..%5csystem',
    '/dicom-web/studies%0d%0aX-Injected:%201/system',
    '/dicom-web//system',
    '/wado/../system',
    '/wado/%2e%2e/system',
  ])('when a client tries the path escape %s, then it gets 400 and Orthanc never sees the request', async (path) => {
    const before = relay.requestLines().length;
    const reply = await rawRequest(port, { path });
    expect(reply.status).toBe(400);
    expect(json<{ error: { code: string; field: string } }>(reply).error).toMatchObject({
      code: 'INVALID_FIELD',
      field: 'path',
    });
    expect(reply.body.toString()).not.toContain('DicomAet'); // no /system reply from Orthanc
    expect(relay.requestLines().length).toBe(before);
  });

  it('when a client sends an absolute URL in the request line, then it gets 400 and Orthanc never sees it', async () => {
    const before = relay.requestLines().length;
    const reply = await rawRequest(port, { path: `http://127.0.0.1:${pacs.port}/dicom-web/../system` });
    expect(reply.status).toBe(400);
    expect(relay.requestLines().length).toBe(before);
  });

  it('when a client tries DELETE, then it gets 405 and Orthanc never sees it', async () => {
    const before = relay.requestLines().length;
    const reply = await rawRequest(port, { method: 'DELETE', path: `/dicom-web/studies/${instance.study}` });
    expect(reply.status).toBe(405);
    expect(relay.requestLines().length).toBe(before);
  });

  describe('when the proxy is turned against the PACS (issue 13, item 1)', () => {
    /** An "outside host" the PACS must never be made to contact. */
    let outside: Server;
    let outsidePort: number;
    const outsideRequests: string[] = [];
    const direct = (path: string, init: RequestInit = {}) =>
      fetch(`${pacs.url}${path}`, { ...init, headers: { ...pacs.authorization(), ...(init.headers ?? {}) } });
    const peers = async (): Promise<string[]> => (await (await direct('/dicom-web/servers')).json()) as string[];
    const studyStillThere = async (): Promise<boolean> => {
      const reply = await direct(`/dicom-web/studies?StudyInstanceUID=${instance.study}`);
      return ((await reply.json()) as unknown[]).length === 1;
    };

    beforeAll(async () => {
      outside = createHttpServer((req, res) => {
        outsideRequests.push(`${req.method} ${req.url}`);
        req.resume();
        res.end('{}');
      });
      outsidePort = await listen(outside);
      // A peer an administrator configured on the PACS: the attacks below try to use, change or delete it.
      const put = await direct('/dicom-web/servers/partner', { method: 'PUT', body: JSON.stringify({ Url: `http://127.0.0.1:${outsidePort}/dicom-web/` }) });
      expect(put.status).toBe(200);
    });
    afterAll(async () => {
      await direct('/dicom-web/servers/partner', { method: 'DELETE' });
      if (outside) await close(outside);
    });

    it('when a client adds a PACS peer with POST and X-HTTP-Method-Override: PUT, then it is refused and Orthanc never sees it', async () => {
      const before = relay.requestLines().length;
      const reply = await rawRequest(port, {
        method: 'POST',
        path: '/dicom-web/servers/evil',
        headers: { 'Content-Type': 'application/json', 'X-HTTP-Method-Override': 'PUT' },
        body: Buffer.from(JSON.stringify({ Url: `http://127.0.0.1:${outsidePort}/dicom-web/` })),
      });
      expect(reply.status).toBe(400);
      expect(json<{ error: { field: string } }>(reply).error.field).toBe('x-http-method-override');
      expect(relay.requestLines().length).toBe(before);
      expect(await peers()).toEqual(['partner']);
    });

    it.each([
      ['GET', '/dicom-web/servers/partner?_method=DELETE'],
      ['GET', '/dicom-web/servers'],
      ['POST', '/dicom-web/servers/partner/stow'],
      ['POST', '/dicom-web/servers/partner/get'],
      ['POST', '/dicom-web/servers/partner/retrieve'],
      ['GET', '/dicom-web/info'],
    ])('when a client calls Orthanc\'s peer API (%s %s), then it is refused, Orthanc never sees it and no outside host is contacted', async (method, path) => {
      const before = relay.requestLines().length;
      const body = method === 'POST' ? Buffer.from(JSON.stringify({ Resources: [instance.study], Uri: '/studies' })) : undefined;
      const reply = await rawRequest(port, { method, path, headers: body ? { 'Content-Type': 'application/json' } : {}, body });
      expect([400, 404]).toContain(reply.status);
      expect(json<{ error: { code: string; message: string } }>(reply).error.message).toMatch(/refused DICOMweb request/);
      expect(relay.requestLines().length).toBe(before);
      expect(await peers()).toEqual(['partner']);
      expect(outsideRequests).toEqual([]);
    });

    it.each([
      ['GET', `?_method=DELETE`, {}],
      ['GET', `/metadata?_method=DELETE`, {}],
      ['POST', ``, { 'X-HTTP-Method-Override': 'DELETE' }],
      ['GET', ``, { 'X-HTTP-Method-Override': 'DELETE' }],
      ['GET', ``, { 'X-HTTP-Method': 'DELETE' }],
      ['GET', ``, { 'X-Method-Override': 'DELETE' }],
    ])('when a client tries to delete the study with %s and %j %j, then it is refused and the study is still in Orthanc', async (method, suffix, headers) => {
      const before = relay.requestLines().length;
      const reply = await rawRequest(port, { method, path: `/dicom-web/studies/${instance.study}${suffix}`, headers: headers as Record<string, string> });
      expect(reply.status).toBeGreaterThanOrEqual(400);
      expect(reply.status).toBeLessThan(500);
      expect(relay.requestLines().length).toBe(before);
      expect(await studyStillThere()).toBe(true);
    });

    it.each(['/dicom-web/../peers', '/dicom-web/%2e%2e/peers', '/dicom-web/studies/../../peers', '/wado/../peers', '/wado/../../tools/execute-script'])(
      'when a client climbs out of the DICOMweb root with %s, then it gets 400 and Orthanc never sees it',
      async (path) => {
        const before = relay.requestLines().length;
        const reply = await rawRequest(port, { method: 'POST', path, headers: { 'Content-Type': 'application/json' }, body: Buffer.from('{}') });
        expect(reply.status).toBe(400);
        expect(relay.requestLines().length).toBe(before);
      },
    );

    it('when a client sends unknown query keys or headers, then the keys are refused and the headers are not forwarded', async () => {
      const refused = await rawRequest(port, { path: `/dicom-web/studies?StudyInstanceUID=${instance.study}&expand=1` });
      expect(refused.status).toBe(400);
      expect(json<{ error: { field: string } }>(refused).error.field).toBe('query.expand');
      const anonymize = await rawRequest(port, { path: `/wado?requestType=WADO&studyUID=${instance.study}&seriesUID=${instance.series}&objectUID=${instance.sop}&anonymize=yes` });
      expect(anonymize.status).toBe(400);
      const accepted = await rawRequest(port, {
        path: `/dicom-web/studies?StudyInstanceUID=${instance.study}&limit=5&includefield=00081030`,
        headers: { 'X-Orthanc-Debug': 'yes', 'X-Custom-Thing': 'z', Accept: 'application/dicom+json' },
      });
      expect(accepted.status).toBe(200);
      const sent = relay.received().toLowerCase();
      expect(sent).not.toContain('x-orthanc-debug');
      expect(sent).not.toContain('x-custom-thing');
    });
  });

  it('when all the checks above ran, then every request Orthanc saw stayed under its DICOMweb and WADO roots', () => {
    const lines = relay.requestLines();
    expect(lines.length).toBeGreaterThanOrEqual(6);
    for (const line of lines) expect(line).toMatch(/^(GET|POST) \/(dicom-web\/studies|wado\?)[^ ]* HTTP\/1\.1$/);
    const paths = lines.map((line) => line.split(' ')[1].split('?')[0]);
    expect(paths.join('\n')).not.toMatch(/\.\.|%2e|%2f|%5c|system/i);
  });

  it('when the server holds wrong PACS credentials, then the client gets 502 PACS_REJECTED and no login prompt', async () => {
    const wrong = createDicomWebProxy({
      target: pacs.dicomWebUrl,
      auth: { kind: 'basic', username: 'chexgen', password: 'nope' },
    });
    const application = express().use('/dicom-web', wrong);
    const server = createHttpServer(application);
    const wrongPort = await listen(server);
    try {
      const reply = await rawRequest(wrongPort, { path: '/dicom-web/studies' });
      expect(reply.status).toBe(502);
      expect(json<{ error: { code: string } }>(reply).error.code).toBe('PACS_REJECTED');
      expect(reply.headers['www-authenticate']).toBeUndefined();
    } finally {
      wrong.close();
      await close(server);
    }
  });

  it('when the PACS is given as a URL with credentials through openStore and createDicomWebRoute, then QIDO works and the description hides them', async () => {
    const opened = await openStore(loadConfig({}, { pacsUrl: `http://chexgen:pacs-secret@127.0.0.1:${pacs.port}/dicom-web`, dataDir: '/nonexistent' }));
    const route = createDicomWebRoute(opened);
    const server = createHttpServer(express().use('/dicom-web', route.dicomWeb).use('/wado', route.wado));
    const routePort = await listen(server);
    try {
      expect(opened.description).toBe(`PACS http://127.0.0.1:${pacs.port}/dicom-web`);
      expect(opened.kind).toBe('pacs');
      const reply = await rawRequest(routePort, { path: `/dicom-web/studies?StudyInstanceUID=${instance.study}` });
      expect(reply.status).toBe(200);
      expect(json<DicomJsonDataset[]>(reply)).toHaveLength(1);
    } finally {
      route.close();
      await close(server);
    }
  });

  it('when Orthanc is stopped, then the proxy answers 502 PACS_UNAVAILABLE as JSON, and recovers after a restart', async () => {
    const direct = createDicomWebProxy({
      target: pacs.dicomWebUrl,
      auth: { kind: 'basic', username: 'chexgen', password: 'pacs-secret' },
    });
    const server = createHttpServer(express().use('/dicom-web', direct));
    const directPort = await listen(server);
    try {
      expect((await rawRequest(directPort, { path: '/dicom-web/studies' })).status).toBe(200); // pools a socket
      await pacs.stop();
      const reply = await rawRequest(directPort, { path: '/dicom-web/studies' });
      expect(reply.status).toBe(502);
      expect(reply.headers['content-type']).toContain('application/json');
      const { error } = json<{ error: { code: string; message: string } }>(reply);
      expect(error.code).toBe('PACS_UNAVAILABLE');
      expect(error.message).toContain(`127.0.0.1:${pacs.port}`);
      await pacs.start();
      expect((await rawRequest(directPort, { path: '/dicom-web/studies' })).status).toBe(200);
    } finally {
      direct.close();
      await close(server);
    }
  });
});

describe('DICOMweb proxy against a PACS that misbehaves (stub upstreams)', () => {
  it('when the PACS URL is an IPv6 literal, then requests reach it with the path appended under its root', async () => {
    const upstream = createHttpServer((req, res) => res.end(`${req.method} ${req.url}`));
    await new Promise<void>((resolve) => upstream.listen(0, '::1', resolve));
    const proxy = createDicomWebProxy({ target: `http://[::1]:${(upstream.address() as AddressInfo).port}/dicom-web` });
    const server = createHttpServer(express().use('/dicom-web', proxy));
    const port = await listen(server);
    try {
      const reply = await rawRequest(port, { path: '/dicom-web/studies?limit=1' });
      expect(reply.body.toString()).toBe('GET /dicom-web/studies?limit=1');
    } finally {
      proxy.close();
      await close(server);
      await close(upstream);
    }
  });

  it('when the PACS accepts the connection but never answers, then the client gets 504 PACS_UNAVAILABLE', async () => {
    const silent = createTcpServer(() => undefined);
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    const silentPort = (silent.address() as AddressInfo).port;
    const proxy = createDicomWebProxy({ target: `http://127.0.0.1:${silentPort}/dicom-web`, idleTimeoutMs: 300 });
    const server = createHttpServer(express().use('/dicom-web', proxy));
    const port = await listen(server);
    try {
      const reply = await rawRequest(port, { path: '/dicom-web/studies' });
      expect(reply.status).toBe(504);
      expect(json<{ error: { code: string } }>(reply).error.code).toBe('PACS_UNAVAILABLE');
    } finally {
      proxy.close();
      await close(server);
      silent.close();
    }
  });

  it('when a body parser runs before the proxy, then a STOW gets a 500 naming the mounting mistake', async () => {
    const upstream = createHttpServer((_req, res) => res.end('reached'));
    const upstreamPort = await listen(upstream);
    const proxy = createDicomWebProxy({ target: `http://127.0.0.1:${upstreamPort}/dicom-web` });
    const server = createHttpServer(
      express()
        .use(express.raw({ type: '*/*' }))
        .use('/dicom-web', proxy),
    );
    const port = await listen(server);
    try {
      const reply = await rawRequest(port, {
        method: 'POST',
        path: '/dicom-web/studies',
        headers: { 'Content-Type': 'multipart/related; type="application/dicom"; boundary=x' },
        body: Buffer.from('--x--\r\n'),
      });
      expect(reply.status).toBe(500);
      expect(reply.body.toString()).toContain('before any body parser');
    } finally {
      proxy.close();
      await close(server);
      await close(upstream);
    }
  });
});

describe('createDicomWebRoute without a PACS', () => {
  let dataDir: string;
  beforeAll(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'chexgen-route-'));
  });
  afterAll(async () => rm(dataDir, { recursive: true, force: true }));

  it('when CHEXGEN_PACS_URL is empty, then /dicom-web is the embedded store under <dataDir>/store and /wado is a 404', async () => {
    const opened = await openStore(loadConfig({}, { pacsUrl: '', dataDir }));
    const route = createDicomWebRoute(opened);
    const server = createHttpServer(express().use('/dicom-web', route.dicomWeb).use('/wado', route.wado));
    const port = await listen(server);
    try {
      expect(opened.description).toBe(`embedded store ${join(dataDir, 'store')}`);
      expect(opened.kind === 'embedded' ? opened.store.dataDir : undefined).toBe(join(dataDir, 'store'));
      const instance = makeInstance();
      const { body, contentType } = encodeMultipartRelated([instance.bytes], 'application/dicom');
      const stow = await rawRequest(port, {
        method: 'POST',
        path: '/dicom-web/studies',
        headers: { 'Content-Type': contentType },
        body,
      });
      expect(stow.status).toBe(200);
      const qido = await rawRequest(port, { path: '/dicom-web/studies' });
      expect(json<DicomJsonDataset[]>(qido).map((s) => s['0020000D']?.Value?.[0])).toEqual([instance.study]);
      const wado = await rawRequest(port, { path: '/wado?requestType=WADO' });
      expect(wado.status).toBe(404);
      expect(json<{ error: { code: string } }>(wado).error.code).toBe('PACS_NOT_FOUND');
    } finally {
      route.close();
      await close(server);
    }
  });

  it('when the embedded store gets method overrides, unknown paths or a STOW while STOW is off, then it refuses them like the proxy', async () => {
    const opened = await openStore(loadConfig({}, { pacsUrl: '', dataDir }));
    const route = createDicomWebRoute(opened, { allowStow: false });
    const server = createHttpServer(express().use('/dicom-web', route.dicomWeb).use((error: { status?: number }, _req: express.Request, res: express.Response, _next: express.NextFunction) => {
      res.status(error.status ?? 500).json({ error });
    }));
    const port = await listen(server);
    try {
      expect((await rawRequest(port, { path: '/dicom-web/studies?_method=DELETE' })).status).toBe(400);
      expect((await rawRequest(port, { path: '/dicom-web/studies', headers: { 'X-HTTP-Method-Override': 'DELETE' } })).status).toBe(400);
      expect((await rawRequest(port, { path: '/dicom-web/servers' })).status).toBe(404);
      const instance = makeInstance();
      const { body, contentType } = encodeMultipartRelated([instance.bytes], 'application/dicom');
      const stow = await rawRequest(port, { method: 'POST', path: '/dicom-web/studies', headers: { 'Content-Type': contentType }, body });
      expect(stow.status).toBe(405);
      expect(await opened.store.searchStudies({ StudyInstanceUID: instance.study })).toEqual([]);
    } finally {
      route.close();
      await close(server);
    }
  });
});
