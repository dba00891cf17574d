import { ChexgenError } from '../errors.js';
import type { DicomStore, PacsLog, QidoQuery, StoreResult } from './DicomStore.js';
import { TAG, firstString, type DicomJsonDataset } from '../dicom/dicomJson.js';
import { assertDicomUid } from './dicomUid.js';
import { fetchWithRetry, textExcerpt, type HttpResponse, type RetryPolicy } from './fetchWithRetry.js';
import { decodeMultipart, encodeMultipartRelated } from './multipartRelated.js';
import { parsePart10, toDicomJson } from '../dicom/readPart10.js';
import { interpretStowResponse } from './stowResponse.js';

/** Credentials for the PACS: HTTP Basic or a Bearer token. */
export type DicomWebAuth = { kind: 'basic'; username: string; password: string } | { kind: 'bearer'; token: string };

/** Settings of a {@link DicomWebClient}; only `baseUrl` is required. */
export type DicomWebClientOptions = {
  /** DICOMweb root, e.g. `http://orthanc:8042/dicom-web`. Credentials in the URL become Basic auth. */
  baseUrl: string;
  auth?: DicomWebAuth;
  /** Per-attempt limit for the whole exchange, body included (default 30 s). */
  timeoutMs?: number;
  /** Defaults: 4 attempts, 250 ms base delay, 5 s max delay. */
  retry?: Partial<RetryPolicy>;
  /** Injected for tests; default: global fetch, setTimeout, Math.random. */
  fetch?: typeof fetch;
  sleep?: (ms: number) => Promise<void>;
  random?: () => number;
  log?: PacsLog;
};

const DICOM_JSON = 'application/dicom+json';
const DEFAULT_RETRY: RetryPolicy = { attempts: 4, baseDelayMs: 250, maxDelayMs: 5_000 };

/**
 * A {@link DicomStore} backed by a remote DICOMweb server (Orthanc, dcm4chee, a cloud PACS, or our own embedded
 * router). Plain fetch with hand-built multipart bodies; transient failures are retried, refusals are not.
 */
export class DicomWebClient implements DicomStore {
  private readonly baseUrl: string;
  private readonly authorization: string | undefined;
  private readonly deps: Parameters<typeof fetchWithRetry>[2];

  constructor(options: DicomWebClientOptions) {
    const url = new URL(options.baseUrl);
    let auth = options.auth;
    if (auth === undefined && url.username !== '') {
      auth = { kind: 'basic', username: decodeURIComponent(url.username), password: decodeURIComponent(url.password) };
    }
    url.username = '';
    url.password = '';
    this.baseUrl = url.toString().replace(/\/+$/, '');
    this.authorization = authorizationHeader(auth);
    const retry = { ...DEFAULT_RETRY, ...options.retry };
    if (!Number.isInteger(retry.attempts) || retry.attempts < 1) {
      throw new ChexgenError('INVALID_FIELD', `retry.attempts must be an integer >= 1, got ${retry.attempts}`, {
        field: 'retry.attempts',
      });
    }
    this.deps = {
      fetch: options.fetch ?? globalThis.fetch,
      sleep: options.sleep ?? ((ms) => new Promise((resolve) => setTimeout(resolve, ms))),
      random: options.random ?? Math.random,
      timeoutMs: options.timeoutMs ?? 30_000,
      retry,
      log: options.log,
    };
  }

  async store(instances: readonly Uint8Array[]): Promise<StoreResult> {
    if (instances.length === 0) return { stored: [], failed: [] };
    const { body, contentType } = encodeMultipartRelated(instances, 'application/dicom');
    const response = await this.send('POST', '/studies', { 'Content-Type': contentType, Accept: DICOM_JSON }, body);
    const reply = tryParseJson(response.body);
    // 200 all stored, 202 some, 409 none (PS3.18 10.5.3). Orthanc 1.10 answers 400, with a reply but without a
    // Content-Type, when any part is bad, even if others were stored.
    const hasReply = isDataset(reply) && ('00081199' in reply || '00081198' in reply);
    if (!([200, 202, 409].includes(response.status) || (response.status === 400 && hasReply)))
      this.fail(response, 'POST', '/studies');
    const sent = instances.map(sopInstanceUidOf);
    return interpretStowResponse(isDataset(reply) ? reply : {}, sent, response.status);
  }

  searchStudies(query?: QidoQuery): Promise<DicomJsonDataset[]> {
    return this.getJson(`/studies${queryString(query)}`);
  }

  searchSeries(studyUid: string, query?: QidoQuery): Promise<DicomJsonDataset[]> {
    return this.getJson(`/studies/${assertDicomUid(studyUid, 'studyUid')}/series${queryString(query)}`);
  }

  searchInstances(studyUid: string, seriesUid?: string, query?: QidoQuery): Promise<DicomJsonDataset[]> {
    const series = seriesUid === undefined ? '' : `/series/${assertDicomUid(seriesUid, 'seriesUid')}`;
    return this.getJson(`/studies/${assertDicomUid(studyUid, 'studyUid')}${series}/instances${queryString(query)}`);
  }

  searchAllSeries(query?: QidoQuery): Promise<DicomJsonDataset[]> {
    return this.getJson(`/series${queryString(query)}`);
  }

  searchAllInstances(query?: QidoQuery): Promise<DicomJsonDataset[]> {
    return this.getJson(`/instances${queryString(query)}`);
  }

  async retrieveInstance(studyUid: string, seriesUid: string, sopInstanceUid: string): Promise<Uint8Array> {
    const path = instancePath(studyUid, seriesUid, sopInstanceUid);
    const parts = await this.getMultipart(path, 'multipart/related; type="application/dicom"; transfer-syntax=*');
    if (parts.length !== 1) this.unusable('GET', path, `expected 1 part, got ${parts.length}`);
    return parts[0];
  }

  retrieveMetadata(studyUid: string, seriesUid?: string): Promise<DicomJsonDataset[]> {
    const series = seriesUid === undefined ? '' : `/series/${assertDicomUid(seriesUid, 'seriesUid')}`;
    return this.getJson(`/studies/${assertDicomUid(studyUid, 'studyUid')}${series}/metadata`);
  }

  async retrieveFrames(
    studyUid: string,
    seriesUid: string,
    sopInstanceUid: string,
    frames: readonly number[],
  ): Promise<Uint8Array[]> {
    if (frames.length === 0 || !frames.every((frame) => Number.isInteger(frame) && frame >= 1)) {
      throw new ChexgenError(
        'INVALID_FIELD',
        `frames must be a non-empty list of integers >= 1, got [${frames.join(', ')}]`,
        {
          field: 'frames',
          status: 400,
        },
      );
    }
    const path = `${instancePath(studyUid, seriesUid, sopInstanceUid)}/frames/${frames.join(',')}`;
    const parts = await this.getMultipart(
      path,
      'multipart/related; type="application/octet-stream"; transfer-syntax=*',
    );
    if (parts.length !== frames.length)
      this.unusable('GET', path, `asked for ${frames.length} frame(s), got ${parts.length}`);
    return parts;
  }

  private async getJson(path: string): Promise<DicomJsonDataset[]> {
    const response = await this.send('GET', path, { Accept: DICOM_JSON });
    if (response.status === 204) return [];
    if (response.status !== 200) this.fail(response, 'GET', path);
    const parsed = tryParseJson(response.body);
    if (!Array.isArray(parsed) || !parsed.every(isDataset))
      this.unusable('GET', path, `not a DICOM JSON array: ${textExcerpt(response.body)}`);
    return parsed;
  }

  private async getMultipart(path: string, accept: string): Promise<Uint8Array[]> {
    const response = await this.send('GET', path, { Accept: accept });
    if (response.status !== 200) this.fail(response, 'GET', path);
    const contentType = response.headers.get('content-type') ?? '';
    if (!contentType.toLowerCase().startsWith('multipart/')) return [response.body]; // single-part answer
    try {
      return decodeMultipart(response.body, contentType).map((part) => part.body);
    } catch (error) {
      return this.unusable('GET', path, error instanceof Error ? error.message : String(error));
    }
  }

  private send(
    method: string,
    path: string,
    headers: Record<string, string>,
    body?: Uint8Array,
  ): Promise<HttpResponse> {
    const allHeaders = this.authorization === undefined ? headers : { ...headers, Authorization: this.authorization };
    return fetchWithRetry(`${this.baseUrl}${path}`, { method, headers: allHeaders, body }, this.deps);
  }

  /** Maps a 4xx answer to PACS_NOT_FOUND (404) or PACS_REJECTED, quoting status, path and the reply. */
  private fail(response: HttpResponse, method: string, path: string): never {
    const where = `${method} ${new URL(`${this.baseUrl}${path}`).pathname}`;
    const detail =
      `${where} answered HTTP ${response.status} ${response.statusText}: ${textExcerpt(response.body)}`.trim();
    if (response.status === 404)
      throw new ChexgenError('PACS_NOT_FOUND', `PACS has no such object: ${detail}`, { status: 404 });
    const hint = response.status === 401 || response.status === 403 ? ' (check the PACS credentials)' : '';
    throw new ChexgenError('PACS_REJECTED', `PACS rejected the request${hint}: ${detail}`, { status: 502 });
  }

  private unusable(method: string, path: string, why: string): never {
    const where = `${method} ${new URL(`${this.baseUrl}${path}`).pathname}`;
    throw new ChexgenError('PACS_REJECTED', `PACS sent an unusable answer to ${where}: ${why}`, { status: 502 });
  }
}

function authorizationHeader(auth: DicomWebAuth | undefined): string | undefined {
  if (auth === undefined) return undefined;
  if (auth.kind === 'bearer') return `Bearer ${auth.token}`;
  return `Basic ${Buffer.from(`${auth.username}:${auth.password}`, 'utf8').toString('base64')}`;
}

function instancePath(studyUid: string, seriesUid: string, sopInstanceUid: string): string {
  return `/studies/${assertDicomUid(studyUid, 'studyUid')}/series/${assertDicomUid(seriesUid, 'seriesUid')}/instances/${assertDicomUid(sopInstanceUid, 'sopInstanceUid')}`;
}

// Orthanc 1.10 matches nothing when `^` (PN component separator) or `*`/`?` arrive percent-encoded, so those stay
// literal; they are legal in a URL query anyway.
function queryString(query: QidoQuery | undefined): string {
  const pairs = Object.entries(query ?? {})
    .filter((entry): entry is [string, string | number | boolean] => entry[1] !== undefined)
    .map(
      ([key, value]) =>
        `${encodeURIComponent(key)}=${encodeURIComponent(String(value)).replace(/%5E/gi, '^').replace(/%3F/gi, '?')}`,
    );
  return pairs.length === 0 ? '' : `?${pairs.join('&')}`;
}

function sopInstanceUidOf(instance: Uint8Array): string | undefined {
  try {
    return firstString(toDicomJson(parsePart10(instance, { headerOnly: true }).dataset), TAG.SOPInstanceUID);
  } catch {
    return undefined; // not Part 10: the PACS will refuse it and the result will say so
  }
}

function tryParseJson(body: Uint8Array): unknown {
  try {
    return JSON.parse(Buffer.from(body.buffer, body.byteOffset, body.byteLength).toString('utf8'));
  } catch {
    return undefined;
  }
}

function isDataset(value: unknown): value is DicomJsonDataset {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
