import { ChexgenError } from '../errors.js';
import { isDicomKeyword } from '../dicom/dicomKeyword.js';
import { isDicomUid } from '../pacs/dicomUid.js';

/** What a DICOMweb request does: QIDO-RS search, WADO-RS retrieve, STOW-RS store, or a WADO-URI retrieve. */
export type DicomWebRequestKind = 'search' | 'retrieve' | 'store' | 'wado-uri';

/** Which root a request arrived under: `/dicom-web` (QIDO/WADO-RS/STOW) or `/wado` (WADO-URI). */
export type DicomWebRoot = 'dicom-web' | 'wado';

/** Settings of {@link checkDicomWebRequest}. */
export type DicomWebAllowlistOptions = {
  root: DicomWebRoot;
  /** Whether STOW-RS (`POST /studies[/{study}]`) is allowed (CHEXGEN_DICOMWEB_STOW). */
  allowStow: boolean;
};

/**
 * The DICOMweb resources a viewer needs (PS3.18 10.4-10.6), as segment patterns below the root: `{uid}` is a DICOM
 * UID, `{frames}` a frame list like `1,3`, `{bulk}` the rest of a bulk data path (tags and item numbers).
 * Everything else a PACS serves under its DICOMweb root (Orthanc: `servers`, its peer and SSRF surface) is refused.
 */
const RESOURCES: readonly { pattern: string; kind: 'search' | 'retrieve' }[] = [
  { pattern: 'studies', kind: 'search' },
  { pattern: 'series', kind: 'search' },
  { pattern: 'instances', kind: 'search' },
  { pattern: 'studies/{uid}', kind: 'retrieve' },
  { pattern: 'studies/{uid}/metadata', kind: 'retrieve' },
  { pattern: 'studies/{uid}/rendered', kind: 'retrieve' },
  { pattern: 'studies/{uid}/series', kind: 'search' },
  { pattern: 'studies/{uid}/instances', kind: 'search' },
  { pattern: 'studies/{uid}/series/{uid}', kind: 'retrieve' },
  { pattern: 'studies/{uid}/series/{uid}/metadata', kind: 'retrieve' },
  { pattern: 'studies/{uid}/series/{uid}/rendered', kind: 'retrieve' },
  { pattern: 'studies/{uid}/series/{uid}/instances', kind: 'search' },
  { pattern: 'studies/{uid}/series/{uid}/instances/{uid}', kind: 'retrieve' },
  { pattern: 'studies/{uid}/series/{uid}/instances/{uid}/metadata', kind: 'retrieve' },
  { pattern: 'studies/{uid}/series/{uid}/instances/{uid}/rendered', kind: 'retrieve' },
  { pattern: 'studies/{uid}/series/{uid}/instances/{uid}/frames/{frames}', kind: 'retrieve' },
  { pattern: 'studies/{uid}/series/{uid}/instances/{uid}/frames/{frames}/rendered', kind: 'retrieve' },
  { pattern: 'studies/{uid}/series/{uid}/instances/{uid}/bulk/{bulk}', kind: 'retrieve' },
];
/** STOW-RS targets (PS3.18 10.5). */
const STORE_PATTERNS = new Set(['studies', 'studies/{uid}']);

/** Query keys per request kind; QIDO also takes attribute filters (dictionary keywords or tag paths). */
const SEARCH_KEYS = new Set(['limit', 'offset', 'fuzzymatching', 'includefield']);
const RETRIEVE_KEYS = new Set(['accept', 'charset', 'quality', 'viewport', 'window', 'annotation']);
/** WADO-URI (PS3.18 9.1.2), without `anonymize` (it would make the PACS rewrite an object). */
const WADO_URI_KEYS = new Set([
  'requestType', 'studyUID', 'seriesUID', 'objectUID', 'contentType', 'charset', 'annotation', 'rows', 'columns', 'region',
  'windowCenter', 'windowWidth', 'frameNumber', 'imageQuality', 'presentationUID', 'presentationSeriesUID', 'transferSyntax',
]);
const ATTRIBUTE_TAG_PATH = /^[0-9A-Fa-f]{8}(\.[0-9A-Fa-f]{8}){0,7}$/;
const FRAME_LIST = /^[1-9][0-9]{0,8}(,[1-9][0-9]{0,8}){0,255}$/;
const BULK_SEGMENT = /^(?:[0-9A-Fa-f]{8}|[0-9]{1,6})$/;

/** Longest query string and most parameters one request may carry. */
export const MAX_QUERY_LENGTH = 4096;
export const MAX_QUERY_PARAMETERS = 64;

/**
 * Request headers that make a server act on another method than the request line says. Orthanc honours
 * `X-HTTP-Method-Override` (and `?_method=`), which would turn a GET or POST into a PUT or DELETE behind the proxy.
 */
export const METHOD_OVERRIDE_HEADERS: readonly string[] = ['x-http-method-override', 'x-http-method', 'x-method-override'];

/**
 * Decides whether a DICOMweb request may pass: its method, its path (one of {@link RESOURCES}, or STOW-RS where
 * allowed), its query keys and its headers (no method overrides). `url` is the part below the root, as sent
 * (`/studies?PatientName=A*`); check it with normaliseProxyPath first, which refuses dot segments and escapes.
 *
 * @returns what kind of request it is.
 * @throws ChexgenError 400 INVALID_FIELD for a method-override header or a query key outside the allowlist (field:
 * the header or `query.<key>`), 404 NOT_FOUND for a path outside it (field `path`), 405 INVALID_FIELD for a method
 * it does not allow (field `method`).
 */
export function checkDicomWebRequest(
  method: string,
  url: string,
  headers: Readonly<Record<string, unknown>>,
  options: DicomWebAllowlistOptions,
): DicomWebRequestKind {
  for (const name of METHOD_OVERRIDE_HEADERS) {
    if (headers[name] !== undefined) refuse(400, name, `${name}: method-override headers are not allowed through /${options.root}`);
  }
  const queryAt = url.indexOf('?');
  const pathname = queryAt === -1 ? url : url.slice(0, queryAt);
  const query = queryAt === -1 ? '' : url.slice(queryAt + 1);
  const keys = queryKeys(query);
  const read = method === 'GET' || method === 'HEAD';

  if (options.root === 'wado') {
    if (pathname !== '/' && pathname !== '') refuse(404, 'path', `path: WADO-URI takes no path below /wado, got ${JSON.stringify(pathname.slice(0, 100))}`);
    if (!read) refuse(405, 'method', `method: ${method} is not allowed on /wado (GET and HEAD only)`);
    checkKeys(keys, (key) => WADO_URI_KEYS.has(key), 'WADO-URI parameters');
    return 'wado-uri';
  }

  const segments = pathname.split('/').slice(1);
  if (segments.length > 1 && segments.at(-1) === '') segments.pop(); // one trailing slash is harmless
  const pattern = patternOf(segments);
  const resource = RESOURCES.find((r) => r.pattern === pattern);
  if (resource === undefined) {
    refuse(404, 'path', `path: /dicom-web${pathname.slice(0, 100)} is not a DICOMweb resource this server passes on (studies, series, instances, metadata, frames, rendered, bulk data)`);
  }
  if (method === 'POST') {
    if (!STORE_PATTERNS.has(pattern)) refuse(405, 'method', `method: POST is allowed only on /dicom-web/studies and /dicom-web/studies/{study} (STOW-RS)`);
    if (!options.allowStow) refuse(405, 'method', 'method: storing through /dicom-web is switched off on this server (CHEXGEN_DICOMWEB_STOW=false)');
    checkKeys(keys, () => false, 'STOW-RS parameters');
    return 'store';
  }
  if (!read) refuse(405, 'method', `method: ${method} is not allowed through /dicom-web (GET, HEAD${options.allowStow ? ', and POST for STOW-RS' : ''})`);
  if (resource.kind === 'search') {
    checkKeys(keys, (key) => SEARCH_KEYS.has(key) || isDicomKeyword(key) || ATTRIBUTE_TAG_PATH.test(key), 'QIDO-RS parameters');
  } else {
    checkKeys(keys, (key) => RETRIEVE_KEYS.has(key), 'WADO-RS parameters');
  }
  return resource.kind;
}

/** The pattern a path matches (`studies/{uid}/series`), or '' when a segment is neither a known word nor an id. */
function patternOf(segments: readonly string[]): string {
  const out: string[] = [];
  for (let i = 0; i < segments.length; i++) {
    const segment = segments[i];
    const previous = segments[i - 1];
    if (previous === 'bulk' && out.at(-1) === 'bulk') {
      const rest = segments.slice(i);
      if (rest.length > 16 || !rest.every((s) => BULK_SEGMENT.test(s))) return '';
      out.push('{bulk}');
      break;
    }
    if (previous === 'frames' && out.at(-1) === 'frames') {
      if (!FRAME_LIST.test(segment)) return '';
      out.push('{frames}');
    } else if ((previous === 'studies' || previous === 'series' || previous === 'instances') && isDicomUid(segment)) {
      out.push('{uid}');
    } else if (/^[a-z]{1,16}$/.test(segment)) {
      out.push(segment);
    } else {
      return '';
    }
  }
  return out.join('/');
}

/** The decoded keys of a query string, in order; malformed escapes were refused earlier (normaliseProxyPath). */
function queryKeys(query: string): string[] {
  if (query === '') return [];
  if (query.length > MAX_QUERY_LENGTH) refuse(400, 'query', `query: at most ${MAX_QUERY_LENGTH} characters, got ${query.length}`);
  const parts = query.split('&').filter((part) => part !== '');
  if (parts.length > MAX_QUERY_PARAMETERS) refuse(400, 'query', `query: at most ${MAX_QUERY_PARAMETERS} parameters, got ${parts.length}`);
  return parts.map((part) => {
    const raw = part.split('=', 1)[0];
    try {
      return decodeURIComponent(raw.replace(/\+/g, ' '));
    } catch {
      return refuse(400, 'query', 'query: malformed percent escape');
    }
  });
}

function checkKeys(keys: readonly string[], allowed: (key: string) => boolean, what: string): void {
  for (const key of keys) {
    const shown = JSON.stringify(key.slice(0, 64));
    if (key.startsWith('_')) refuse(400, `query.${key.slice(0, 64)}`, `query: ${shown} is not allowed (no method overrides or private parameters)`);
    if (!allowed(key)) refuse(400, `query.${key.slice(0, 64)}`, `query: ${shown} is not one of the ${what} this server passes on`);
  }
}

function refuse(status: 400 | 404 | 405, field: string, message: string): never {
  throw new ChexgenError(status === 404 ? 'NOT_FOUND' : 'INVALID_FIELD', `refused DICOMweb request: ${message}`, { field, status });
}
