import { describe, expect, it } from 'vitest';
import { ChexgenError } from '../errors.js';
import { DicomWebClient, type DicomWebClientOptions } from './DicomWebClient.js';
import { encodeMultipartRelated } from './multipartRelated.js';

type Call = { url: string; method: string; headers: Record<string, string> };
type Reply = Response | Error | 'hang';

/** A fetch that replays `replies` in order and records each call; 'hang' waits until the request is aborted. */
function fakeFetch(replies: Reply[]): { fetch: typeof fetch; calls: Call[] } {
  const calls: Call[] = [];
  const fetch = async (input: string | URL | Request, init?: RequestInit): Promise<Response> => {
    calls.push({
      url: String(input),
      method: init?.method ?? 'GET',
      headers: { ...(init?.headers as Record<string, string>) },
    });
    const reply = replies.shift() ?? new Error('no reply scripted');
    if (reply === 'hang') {
      return new Promise((_, reject) => init?.signal?.addEventListener('abort', () => reject(init.signal?.reason)));
    }
    if (reply instanceof Error) throw reply;
    return reply;
  };
  return { fetch: fetch as typeof globalThis.fetch, calls };
}

function client(replies: Reply[], options: Partial<DicomWebClientOptions> = {}) {
  const fake = fakeFetch(replies);
  const sleeps: number[] = [];
  const dicomWeb = new DicomWebClient({
    baseUrl: 'http://pacs.test/dicom-web/',
    fetch: fake.fetch,
    sleep: async (ms) => void sleeps.push(ms),
    random: () => 0.5,
    retry: { attempts: 3, baseDelayMs: 100, maxDelayMs: 1_000 },
    ...options,
  });
  return { dicomWeb, calls: fake.calls, sleeps };
}

const json = (body: unknown, status = 200): Response =>
  new Response(JSON.stringify(body), { status, headers: { 'Content-Type': 'application/dicom+json' } });
const study = { '0020000D': { vr: 'UI', Value: ['1.2.3'] } };

async function caught(promise: Promise<unknown>): Promise<ChexgenError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(ChexgenError);
  return error as ChexgenError;
}

describe('DicomWebClient retries', () => {
  it('when the PACS answers 5xx twice and then 200, then the call succeeds after two backoff sleeps', async () => {
    const { dicomWeb, calls, sleeps } = client([
      new Response('busy', { status: 503 }),
      new Response('oops', { status: 500 }),
      json([study]),
    ]);
    await expect(dicomWeb.searchStudies({ PatientID: 'P1' })).resolves.toEqual([study]);
    expect(calls).toHaveLength(3);
    expect(calls[2].url).toBe('http://pacs.test/dicom-web/studies?PatientID=P1');
    expect(sleeps).toEqual([75, 150]); // ceilings 100 and 200 ms, jitter 0.5 -> 75% of each
  });

  it('when the PACS answers 400, then there is no retry and the error names status, path and reply', async () => {
    const { dicomWeb, calls, sleeps } = client([
      new Response('{"Message":"Bad file format"}', { status: 400, statusText: 'Bad Request' }),
    ]);
    const error = await caught(dicomWeb.searchSeries('1.2.3'));
    expect(error.code).toBe('PACS_REJECTED');
    expect(error.message).toContain('GET /dicom-web/studies/1.2.3/series answered HTTP 400 Bad Request');
    expect(error.message).toContain('Bad file format');
    expect(calls).toHaveLength(1);
    expect(sleeps).toEqual([]);
  });

  it('when the PACS answers 404, then the error is PACS_NOT_FOUND', async () => {
    const { dicomWeb } = client([new Response('nope', { status: 404 })]);
    expect((await caught(dicomWeb.retrieveMetadata('1.2.3'))).code).toBe('PACS_NOT_FOUND');
  });

  it('when every attempt fails at the network level, then PACS_UNAVAILABLE reports attempts and cause', async () => {
    const refused = Object.assign(new TypeError('fetch failed'), {
      cause: Object.assign(new Error('connect'), { code: 'ECONNREFUSED' }),
    });
    const { dicomWeb, calls } = client([refused, refused, refused]);
    const error = await caught(dicomWeb.searchStudies());
    expect(error.code).toBe('PACS_UNAVAILABLE');
    expect(error.message).toMatch(/GET \/dicom-web\/studies failed after 3 attempts: fetch failed: ECONNREFUSED/);
    expect(calls).toHaveLength(3);
  });

  it('when the PACS does not answer in time, then the attempt is aborted and retried', async () => {
    const { dicomWeb, calls } = client(['hang', json([])], { timeoutMs: 20 });
    await expect(dicomWeb.searchStudies()).resolves.toEqual([]);
    expect(calls).toHaveLength(2);
  });
});

describe('DicomWebClient requests', () => {
  it('when Basic auth is configured (or given in the URL), then every request carries it', async () => {
    const { dicomWeb, calls } = client([json([]), json([])], { baseUrl: 'http://alice:s%3Acret@pacs.test/dicom-web' });
    await dicomWeb.searchStudies();
    expect(calls[0].headers.Authorization).toBe(`Basic ${Buffer.from('alice:s:cret').toString('base64')}`);
    expect(calls[0].url).toBe('http://pacs.test/dicom-web/studies');
    const bearer = client([json([])], { auth: { kind: 'bearer', token: 'tok' } });
    await bearer.dicomWeb.searchStudies();
    expect(bearer.calls[0].headers.Authorization).toBe('Bearer tok');
  });

  it('when a QIDO value holds ^ or wildcards, then they are sent literally (Orthanc matches nothing on %5E)', async () => {
    const { dicomWeb, calls } = client([json([])]);
    await dicomWeb.searchStudies({ PatientName: 'Doe^J*', StudyDescription: 'a b&c', limit: 5, offset: undefined });
    expect(calls[0].url).toBe(
      'http://pacs.test/dicom-web/studies?PatientName=Doe^J*&StudyDescription=a%20b%26c&limit=5',
    );
  });

  it('when a UID holds path characters, then INVALID_FIELD is thrown before any request', async () => {
    const { dicomWeb, calls } = client([]);
    const error = await caught(dicomWeb.retrieveInstance('1.2', '../../etc', '1.3'));
    expect(error).toMatchObject({ code: 'INVALID_FIELD', field: 'seriesUid' });
    expect(calls).toHaveLength(0);
  });

  it('when frames come back as multipart, then each part is one frame in request order', async () => {
    const { body, contentType } = encodeMultipartRelated(
      [new Uint8Array([1, 2]), new Uint8Array([3, 4])],
      'application/octet-stream',
    );
    const { dicomWeb, calls } = client([new Response(body, { headers: { 'Content-Type': contentType } })]);
    const frames = await dicomWeb.retrieveFrames('1.2', '1.3', '1.4', [2, 1]);
    expect(frames.map((frame) => [...frame])).toEqual([
      [1, 2],
      [3, 4],
    ]);
    expect(calls[0].url).toBe('http://pacs.test/dicom-web/studies/1.2/series/1.3/instances/1.4/frames/2,1');
    expect(calls[0].headers.Accept).toContain('multipart/related; type="application/octet-stream"');
  });

  it('when STOW gets 400 with a reply that acknowledges nothing, then each unreadable part is a failure', async () => {
    // Orthanc 1.10's answer to a non-DICOM part: 400 and empty sequences, FailedSOPSequence present but empty
    const { dicomWeb, calls } = client([json({ '00081198': { vr: 'SQ' }, '00081199': { vr: 'SQ' } }, 400)]);
    const result = await dicomWeb.store([new Uint8Array([1, 2, 3])]);
    expect(result).toEqual({ stored: [], failed: [{ index: 0, reason: 'not acknowledged by the PACS (HTTP 400)' }] });
    expect(calls[0].method).toBe('POST');
    expect(calls[0].headers['Content-Type']).toMatch(/^multipart\/related; type="application\/dicom"; boundary=/);
  });

  it('when STOW gets 401, then it throws PACS_REJECTED with a credentials hint', async () => {
    const { dicomWeb } = client([new Response('Unauthorized', { status: 401, statusText: 'Unauthorized' })]);
    const error = await caught(dicomWeb.store([new Uint8Array([1])]));
    expect(error.code).toBe('PACS_REJECTED');
    expect(error.message).toMatch(/check the PACS credentials.*HTTP 401/);
  });
});
