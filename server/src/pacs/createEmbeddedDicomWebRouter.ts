import { randomUUID } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { mkdir, open, rm } from 'node:fs/promises';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { dirname, join } from 'node:path';
import { Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { TLSSocket } from 'node:tls';
import { ChexgenError } from '../errors.js';
import type { PacsLog } from './DicomStore.js';
import type { EmbeddedStore, EmbeddedStoreOutcome } from './EmbeddedStore.js';
import { assertDicomUid } from './dicomUid.js';
import { isHostHeader } from './hostHeader.js';
import { readPart, scanMultipartFile } from './multipartFile.js';
import { encodeMultipartRelated, parseMediaType } from './multipartRelated.js';
import { STOW_FAILURE, buildStowResponse, type StowOutcome } from './stowResponse.js';

/** Settings of {@link createEmbeddedDicomWebRouter}. */
export type EmbeddedDicomWebRouterOptions = {
  /**
   * Path prefix to strip from `req.url` when the handler is used directly as a Node server's listener
   * (e.g. `/dicom-web`). Under Express `app.use('/dicom-web', handler)` leave it out: Express strips the prefix
   * and the handler reads it back from `req.baseUrl`.
   */
  mountPath?: string;
  /**
   * Largest STOW-RS body accepted (CHEXGEN_MAX_STOW_BYTES, default 512 MiB); larger requests get 413. Bodies are
   * streamed to a temp file under the store, never held in memory whole.
   */
  maxBodyBytes?: number;
  log?: PacsLog;
};

/** A Node/Express-compatible request handler; `next` is Express's, absent when used as a plain listener. */
export type DicomWebHandler = (req: IncomingMessage, res: ServerResponse, next?: (error?: unknown) => void) => void;

type Route = { method: 'GET' | 'POST'; segments: string[]; query: URLSearchParams; baseUrl: string | undefined };

const DICOM_JSON = 'application/dicom+json';

/**
 * Serves an {@link EmbeddedStore} over the DICOMweb subset OHIF 3 uses: QIDO-RS (studies, series, instances),
 * WADO-RS (metadata, instances, frames) and STOW-RS (`POST /studies[/{study}]`). BulkDataURIs point back at this
 * handler through the request's own Host, so they stay valid behind a proxy. Path UIDs must match `[0-9.]`.
 *
 * Errors go to `next` when there is one (Express), so the central error handler answers them; otherwise a
 * ChexgenError becomes `{ error: { code, message, field } }` with its status and anything else a plain 500.
 */
export function createEmbeddedDicomWebRouter(
  store: EmbeddedStore,
  options: EmbeddedDicomWebRouterOptions = {},
): DicomWebHandler {
  const mountPath = (options.mountPath ?? '').replace(/\/+$/, '');
  const maxBodyBytes = options.maxBodyBytes ?? 512 * 1024 ** 2;
  return (req, res, next) => {
    const route = parseRoute(req, mountPath);
    if (route === undefined) {
      if (next) next();
      else sendJson(res, 404, { error: { code: 'NOT_FOUND', message: 'not a DICOMweb path' } });
      return;
    }
    handle(store, route, req, res, maxBodyBytes).catch((error: unknown) => {
      if (!req.complete) {
        // An unread body (a refused upload): close the connection after the answer rather than reading it all.
        res.shouldKeepAlive = false;
        req.resume();
      }
      if (next) return next(error);
      if (error instanceof ChexgenError) return sendJson(res, error.status ?? 500, { error: error.toJSON() });
      options.log?.('warn', 'embedded DICOMweb request failed', { url: req.url, error: String(error) });
      sendJson(res, 500, { error: { code: 'INTERNAL', message: 'internal error' } });
    });
  };
}

function parseRoute(req: IncomingMessage, mountPath: string): Route | undefined {
  const method = req.method === 'HEAD' ? 'GET' : req.method;
  const url = new URL(req.url ?? '/', 'http://localhost');
  let path = url.pathname;
  if (mountPath !== '') {
    if (path !== mountPath && !path.startsWith(`${mountPath}/`)) return undefined;
    path = path.slice(mountPath.length);
  }
  const segments = path.split('/').filter((segment) => segment !== '');
  // QIDO across all studies (`/series`, `/instances`, GET only) or anything under `/studies`
  const allStudies = segments.length === 1 && (segments[0] === 'series' || segments[0] === 'instances') && method === 'GET';
  if ((segments[0] !== 'studies' && !allStudies) || (method !== 'GET' && method !== 'POST')) return undefined;
  const expressBase = (req as IncomingMessage & { baseUrl?: string }).baseUrl ?? '';
  const forwarded = String(req.headers['x-forwarded-proto'] ?? '')
    .split(',')[0]
    .trim()
    .toLowerCase();
  const protocol =
    forwarded === 'https' || forwarded === 'http' ? forwarded : (req.socket as TLSSocket).encrypted ? 'https' : 'http';
  // The Host goes into BulkDataURIs and RetrieveURLs: only a well-formed host[:port] (else 400, see handle()).
  const host = isHostHeader(req.headers.host) ? req.headers.host : undefined;
  const baseUrl = host === undefined ? undefined : `${protocol}://${host}${expressBase}${mountPath}`;
  return { method, segments, query: url.searchParams, baseUrl };
}

async function handle(
  store: EmbeddedStore,
  route: Route,
  req: IncomingMessage,
  res: ServerResponse,
  maxBodyBytes: number,
): Promise<void> {
  if (route.baseUrl === undefined) {
    throw new ChexgenError('INVALID_FIELD', `Host: must be a host name or address with an optional port, got ${JSON.stringify(String(req.headers.host ?? 'none').slice(0, 100))}`, { field: 'Host', status: 400 });
  }
  const baseUrl = route.baseUrl;
  // Layout: studies/{study}/series/{series}/instances/{instance}/frames/{list}; odd positions hold identifiers.
  const [, study, , series, , instance, , frameList] = route.segments;
  const studyUid = study === undefined ? '' : assertDicomUid(study, 'studyUid');
  const seriesUid = series === undefined ? '' : assertDicomUid(series, 'seriesUid');
  const sopUid = instance === undefined ? '' : assertDicomUid(instance, 'sopInstanceUid');
  const shape = route.segments.map((segment, i) => (i % 2 === 1 ? '{id}' : segment)).join('/');
  const query = Object.fromEntries(route.query.entries());
  if (route.method === 'POST') {
    if (shape !== 'studies' && shape !== 'studies/{id}') throw methodNotAllowed();
    return stow(store, { ...route, baseUrl }, req, res, maxBodyBytes, study === undefined ? undefined : studyUid);
  }
  switch (shape) {
    case 'studies':
      return sendJson(res, 200, await store.searchStudies(query), DICOM_JSON);
    case 'series':
      return sendJson(res, 200, await store.searchAllSeries(query), DICOM_JSON);
    case 'instances':
      return sendJson(res, 200, await store.searchAllInstances(query), DICOM_JSON);
    case 'studies/{id}/series':
      return sendJson(res, 200, await store.searchSeries(studyUid, query), DICOM_JSON);
    case 'studies/{id}/instances':
      return sendJson(res, 200, await store.searchInstances(studyUid, undefined, query), DICOM_JSON);
    case 'studies/{id}/series/{id}/instances':
      return sendJson(res, 200, await store.searchInstances(studyUid, seriesUid, query), DICOM_JSON);
    case 'studies/{id}/metadata':
      return sendJson(res, 200, await store.metadata(studyUid, undefined, baseUrl), DICOM_JSON);
    case 'studies/{id}/series/{id}/metadata':
      return sendJson(res, 200, await store.metadata(studyUid, seriesUid, baseUrl), DICOM_JSON);
    case 'studies/{id}/series/{id}/instances/{id}/metadata':
      return sendJson(res, 200, await store.metadata(studyUid, seriesUid, baseUrl, sopUid), DICOM_JSON);
    case 'studies/{id}/series/{id}/instances/{id}':
      return sendMultipart(res, [await store.retrieveInstance(studyUid, seriesUid, sopUid)], 'application/dicom');
    case 'studies/{id}/series/{id}/instances/{id}/frames/{id}': {
      const frames = parseFrameList(frameList);
      const read = await store.readFrames(studyUid, seriesUid, sopUid, frames);
      return sendMultipart(res, read.frames, `application/octet-stream; transfer-syntax=${read.transferSyntaxUid}`);
    }
    case 'studies/{id}':
    case 'studies/{id}/series/{id}': {
      const instances = await store.searchInstances(studyUid, series === undefined ? undefined : seriesUid);
      if (instances.length === 0)
        throw new ChexgenError('PACS_NOT_FOUND', `no instances under ${route.segments.join('/')}`, { status: 404 });
      const files = await Promise.all(
        instances.map((i) =>
          store.retrieveInstance(studyUid, String(i['0020000E']?.Value?.[0]), String(i['00080018']?.Value?.[0])),
        ),
      );
      return sendMultipart(res, files, 'application/dicom');
    }
    default:
      throw new ChexgenError('PACS_NOT_FOUND', `unsupported DICOMweb path /${route.segments.join('/')}`, {
        status: 404,
      });
  }
}

async function stow(
  store: EmbeddedStore,
  route: Route & { baseUrl: string },
  req: IncomingMessage,
  res: ServerResponse,
  maxBodyBytes: number,
  studyUid: string | undefined,
): Promise<void> {
  const contentType = req.headers['content-type'] ?? '';
  const { mediaType, params } = parseMediaType(contentType);
  const partType = params.type?.toLowerCase();
  if (mediaType !== 'multipart/related' || (partType !== undefined && partType !== 'application/dicom')) {
    throw new ChexgenError(
      'INVALID_FIELD',
      `STOW-RS needs multipart/related; type="application/dicom", got ${contentType || 'none'}`,
      {
        field: 'Content-Type',
        status: 415,
      },
    );
  }
  const declared = Number(req.headers['content-length'] ?? Number.NaN);
  if (declared > maxBodyBytes) throw tooLarge(maxBodyBytes);
  await store.assertRoom(Number.isFinite(declared) ? declared : 0); // before a byte is written
  const upload = join(store.tempDir, `upload-${randomUUID()}`);
  const outcomes: EmbeddedStoreOutcome[] = [];
  let partCount = 0;
  try {
    const size = await receiveToFile(req, upload, maxBodyBytes);
    await store.assertRoom(size);
    const handle = await open(upload, 'r');
    try {
      let parts;
      try {
        parts = await scanMultipartFile(handle, size, contentType);
      } catch (error) {
        throw new ChexgenError('INVALID_FIELD', `malformed multipart body: ${error instanceof Error ? error.message : String(error)}`, { field: 'body', status: 400 });
      }
      if (parts.length === 0) throw new ChexgenError('INVALID_FIELD', 'STOW-RS request holds no instances', { field: 'body', status: 400 });
      partCount = parts.length;
      // One instance in memory at a time.
      for (const part of parts.filter((p) => isDicomPart(p.headers))) {
        const [outcome] = await store.storeDetailed([await readPart(handle, part)], { studyUid });
        outcomes.push({ ...outcome, index: outcomes.length });
      }
    } finally {
      await handle.close();
    }
  } finally {
    await rm(upload, { force: true });
  }
  const replies: StowOutcome[] = outcomes.map((outcome) =>
    outcome.failureReason === undefined
      ? {
          ...outcome,
          retrieveUrl: `${route.baseUrl}/studies/${outcome.studyUid}/series/${outcome.seriesUid}/instances/${outcome.sopInstanceUid}`,
        }
      : outcome,
  );
  for (let i = outcomes.length; i < partCount; i++) replies.push({ failureReason: STOW_FAILURE.cannotUnderstand });
  const storedStudies = new Set(outcomes.flatMap((o) => (o.failureReason === undefined ? [o.studyUid] : [])));
  const study = studyUid ?? (storedStudies.size === 1 ? [...storedStudies][0] : undefined);
  const failures = replies.filter((reply) => reply.failureReason !== undefined).length;
  const status = failures === 0 ? 200 : failures === replies.length ? 409 : 202;
  sendJson(
    res,
    status,
    buildStowResponse(replies, study === undefined ? undefined : `${route.baseUrl}/studies/${study}`),
    DICOM_JSON,
  );
}

function parseFrameList(list: string): number[] {
  const frames = list.split(',').map((item) => Number(item));
  if (!/^\d+(,\d+)*$/.test(list) || frames.some((frame) => frame < 1 || !Number.isSafeInteger(frame))) {
    throw new ChexgenError(
      'INVALID_FIELD',
      `frame list must be 1-based numbers like 1 or 1,3, got ${JSON.stringify(list)}`,
      {
        field: 'frames',
        status: 400,
      },
    );
  }
  return frames;
}

/**
 * Streams a request body into a new file at `path` and returns its size; past `maxBytes` the transfer stops with
 * 413 and the file is removed. Only what arrived is ever on disk, never the whole body in memory.
 */
async function receiveToFile(req: IncomingMessage, path: string, maxBytes: number): Promise<number> {
  await mkdir(dirname(path), { recursive: true });
  let size = 0;
  const counter = new Transform({
    transform(chunk: Buffer, _encoding, callback) {
      size += chunk.length;
      callback(size > maxBytes ? tooLarge(maxBytes) : null, chunk);
    },
  });
  try {
    await pipeline(req, counter, createWriteStream(path, { flags: 'wx' }));
  } catch (error) {
    await rm(path, { force: true });
    if (error instanceof ChexgenError) throw error;
    throw new ChexgenError('INVALID_FIELD', `STOW-RS body could not be received: ${error instanceof Error ? error.message : String(error)}`, { field: 'body', status: 400, cause: error });
  }
  return size;
}

function tooLarge(maxBytes: number): ChexgenError {
  return new ChexgenError('PAYLOAD_TOO_LARGE', `STOW-RS body is larger than ${maxBytes} bytes (CHEXGEN_MAX_STOW_BYTES)`, { field: 'body', status: 413 });
}

/** A part is a DICOM instance when it says so, or says nothing (the request's `type` applies). */
function isDicomPart(headers: Record<string, string>): boolean {
  return headers['content-type'] === undefined || parseMediaType(headers['content-type']).mediaType === 'application/dicom';
}

function methodNotAllowed(): ChexgenError {
  return new ChexgenError('INVALID_FIELD', 'method not allowed on this DICOMweb path', {
    field: 'method',
    status: 405,
  });
}

function sendJson(res: ServerResponse, status: number, body: unknown, contentType = 'application/json'): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'Content-Type': `${contentType}; charset=utf-8`, 'Content-Length': Buffer.byteLength(text) });
  res.end(text);
}

function sendMultipart(res: ServerResponse, parts: readonly Uint8Array[], type: string): void {
  const { body, contentType } = encodeMultipartRelated(parts, type);
  res.writeHead(200, { 'Content-Type': contentType, 'Content-Length': body.length });
  res.end(body);
}
