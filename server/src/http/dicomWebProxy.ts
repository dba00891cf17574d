import {
  Agent as HttpAgent,
  request as httpRequest,
  type IncomingHttpHeaders,
  type IncomingMessage,
  type OutgoingHttpHeaders,
  type ServerResponse,
} from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';
import type { TLSSocket } from 'node:tls';
import { ChexgenError } from '../errors.js';
import { isHostHeader } from '../pacs/hostHeader.js';
import { checkDicomWebRequest, type DicomWebAllowlistOptions, type DicomWebRoot } from './dicomWebAllowlist.js';
import {
  type EmbeddedStore,
  createEmbeddedDicomWebRouter,
  type DicomWebAuth,
  type DicomWebHandler,
  type PacsLog,
} from '../pacs/index.js';

/** Settings of {@link createDicomWebProxy}. */
export type DicomWebProxyOptions = {
  /** The one upstream root every request goes to, e.g. `http://orthanc:8042/dicom-web`. Credentials in it become Basic auth. */
  target: string;
  /** PACS credentials, added server-side to every request (clients' own Authorization/Cookie are removed). */
  auth?: DicomWebAuth;
  /** Longest wait for the TCP (and TLS) connection to the PACS (default 10 s); then 504. */
  connectTimeoutMs?: number;
  /** Longest silence on the PACS socket while a request is in flight (default 120 s); then 504 or a cut stream. */
  idleTimeoutMs?: number;
  /** Which DICOMweb surface this proxy serves: `dicom-web` (QIDO/WADO-RS/STOW, the default) or `wado` (WADO-URI). */
  root?: DicomWebRoot;
  /** Whether STOW-RS passes (`POST /studies[/{study}]`; default true, CHEXGEN_DICOMWEB_STOW). */
  allowStow?: boolean;
  log?: PacsLog;
};

/** A mounted proxy: the request handler plus what it forwards to and a way to drop its pooled connections. */
export type DicomWebProxy = DicomWebHandler & { readonly target: string; close(): void };

/**
 * The only client request headers forwarded: content negotiation, the STOW body's type and length, and cache
 * validators. Everything else (credentials, cookies, hop-by-hop and forwarding headers, method overrides, vendor
 * extensions the PACS might act on) stays here; Host and the forwarding headers are set by the proxy itself.
 */
const FORWARDED_REQUEST_HEADERS = new Set([
  'accept',
  'accept-encoding',
  'content-type',
  'content-length',
  'if-none-match',
  'if-modified-since',
]);
/** Response headers never passed back: hop-by-hop ones, upstream cookies and auth challenges (the PACS login is ours). */
const DROPPED_RESPONSE_HEADERS = new Set([
  'connection',
  'keep-alive',
  'proxy-connection',
  'proxy-authenticate',
  'te',
  'trailer',
  'transfer-encoding',
  'upgrade',
  'set-cookie',
  'www-authenticate',
]);

/**
 * A reverse proxy to ONE configured DICOMweb root, for `app.use('/dicom-web', proxy)` (and, with Orthanc's WADO-URI
 * root as target and `root: 'wado'`, `app.use('/wado', wadoProxy)`). The target is fixed here; a request can only
 * choose the path below it, and {@link normaliseProxyPath} refuses dot segments, encoded slashes and backslashes,
 * control characters and absolute URLs with 400 before anything is sent. Then the allowlist
 * ({@link checkDicomWebRequest}) lets through only the DICOMweb resources a viewer needs, with their methods and query
 * keys, and refuses method overrides (`X-HTTP-Method-Override`, `?_method=`), which Orthanc would honour: the rest of
 * the PACS (Orthanc's `/dicom-web/servers` peer API: add or delete peers, fetch any URL, send studies out) stays
 * unreachable. Only content-negotiation, body and cache-validator headers are forwarded. The Host header is kept (`changeOrigin: false`) and repeated in a
 * `Forwarded: proto=...;host=...` header: Orthanc builds BulkDataURIs from them, so they point back through this
 * origin, with https when the browser used it (TLS here, or `X-Forwarded-Proto: https` from a proxy in front).
 * This holds when the PACS's DICOMweb root path equals our mount path (`/dicom-web` on both, Orthanc's default).
 * The PACS credentials are added here and never reach the browser; a 401/407 from the PACS becomes 502
 * `PACS_REJECTED`, an unreachable PACS 502 `PACS_UNAVAILABLE`, a timeout 504 `PACS_UNAVAILABLE`.
 *
 * Bodies stream in both directions, so MOUNT IT BEFORE ANY BODY PARSER (`express.json()` and the like): a parser that
 * consumed a STOW body leaves nothing to forward (the proxy answers 500 and logs that mistake).
 */
export function createDicomWebProxy(options: DicomWebProxyOptions): DicomWebProxy {
  const target = new URL(options.target);
  if (target.protocol !== 'http:' && target.protocol !== 'https:') {
    throw new ChexgenError('INVALID_FIELD', `the PACS URL must be http(s), got ${target.protocol}`, {
      field: 'target',
    });
  }
  if (target.search !== '' || target.hash !== '') {
    throw new ChexgenError('INVALID_FIELD', 'the PACS URL must not carry a query or fragment', { field: 'target' });
  }
  const urlAuth: DicomWebAuth | undefined =
    target.username !== ''
      ? { kind: 'basic', username: decodeURIComponent(target.username), password: decodeURIComponent(target.password) }
      : undefined;
  target.username = '';
  target.password = '';
  const authorization = authorizationHeader(options.auth ?? urlAuth);
  const basePath = target.pathname.replace(/\/+$/, '');
  const secure = target.protocol === 'https:';
  const agent = secure
    ? new HttpsAgent({ keepAlive: true, maxSockets: 64 })
    : new HttpAgent({ keepAlive: true, maxSockets: 64 });
  const send = secure ? httpsRequest : httpRequest;
  const connectTimeoutMs = options.connectTimeoutMs ?? 10_000;
  const idleTimeoutMs = options.idleTimeoutMs ?? 120_000;
  const origin = target.origin;

  const root = options.root ?? 'dicom-web';
  const allowStow = options.allowStow ?? true;

  const handler = (req: IncomingMessage, res: ServerResponse): void => {
    const method = req.method ?? 'GET';
    let path: string;
    try {
      path = normaliseProxyPath(req.url ?? '/');
      checkDicomWebRequest(method, path, req.headers, { root, allowStow });
    } catch (error) {
      req.resume();
      if (error instanceof ChexgenError && error.status === 405) res.setHeader('Allow', allowStow && root === 'dicom-web' ? 'GET, HEAD, POST' : 'GET, HEAD');
      return sendError(res, error instanceof Error ? error : new Error(String(error)));
    }
    if (req.readableEnded && hasBody(req)) {
      options.log?.('warn', 'the DICOMweb proxy is mounted after a body parser: the body is gone', { url: req.url });
      return sendError(res, new Error('the DICOMweb proxy must be mounted before any body parser'));
    }
    const queryAt = path.indexOf('?');
    const pathname = queryAt === -1 ? path : path.slice(0, queryAt);
    const query = queryAt === -1 ? '' : path.slice(queryAt);
    // `/wado?requestType=WADO...` arrives as `/?...` below the mount and must reach `<root>?...`, not `<root>/?...`.
    const upstreamPath = `${pathname === '/' && basePath !== '' ? basePath : basePath + pathname}${query}`;
    const headers = forwardedRequestHeaders(req, authorization, target.host);

    const forward = (retried: boolean): void => {
      const upstream = send({
        hostname: target.hostname.replace(/^\[(.*)\]$/, '$1'), // IPv6 literals go without brackets
        port: target.port,
        method,
        path: upstreamPath,
        headers,
        agent,
      });
      let connectTimer: NodeJS.Timeout | undefined;
      upstream.on('socket', (socket) => {
        if (!(socket as { connecting?: boolean }).connecting) return; // a pooled, already connected socket
        const message = `no connection to the PACS at ${origin} within ${connectTimeoutMs} ms`;
        connectTimer = setTimeout(() => upstream.destroy(timeoutError(message)), connectTimeoutMs);
        socket.once(secure ? 'secureConnect' : 'connect', () => clearTimeout(connectTimer));
      });
      upstream.setTimeout(idleTimeoutMs, () =>
        upstream.destroy(timeoutError(`the PACS at ${origin} sent nothing for ${idleTimeoutMs} ms`)),
      );
      upstream.on('response', (reply) => {
        clearTimeout(connectTimer);
        const status = reply.statusCode ?? 502;
        if (status === 401 || status === 407) {
          reply.resume();
          options.log?.('warn', 'the PACS refused the configured credentials', { target: origin, status });
          const message = `the PACS at ${origin} refused the server's credentials (HTTP ${status}); check CHEXGEN_PACS_USER, CHEXGEN_PACS_PASSWORD or CHEXGEN_PACS_TOKEN`;
          return sendError(res, new ChexgenError('PACS_REJECTED', message, { status: 502 }));
        }
        res.writeHead(status, reply.statusMessage, forwardedResponseHeaders(reply.headers));
        reply.pipe(res);
        reply.on('close', () => {
          if (!reply.complete) res.destroy(); // the PACS cut the reply short: do not let it look complete
        });
      });
      upstream.on('error', (error: NodeJS.ErrnoException) => {
        clearTimeout(connectTimer);
        // A pooled keep-alive socket the PACS closed meanwhile: safe to repeat once when there is no body to resend.
        const stale = upstream.reusedSocket && error.code === 'ECONNRESET';
        if (stale && !retried && !hasBody(req) && !res.headersSent) return forward(true);
        if (res.headersSent) return void res.destroy(error);
        options.log?.('warn', 'PACS request failed', { target: origin, url: req.url, error: error.message });
        const timedOut = error.code === TIMEOUT_CODE;
        const message = timedOut
          ? error.message
          : `the PACS at ${origin} is unreachable: ${error.code ?? error.message}`;
        sendError(res, new ChexgenError('PACS_UNAVAILABLE', message, { status: timedOut ? 504 : 502, cause: error }));
      });
      res.once('close', () => {
        if (!res.writableFinished) upstream.destroy(); // the client went away: stop the PACS transfer too
      });
      if (hasBody(req)) req.pipe(upstream);
      else upstream.end();
    };
    forward(false);
  };
  return Object.assign(handler, { target: `${origin}${basePath}`, close: () => agent.destroy() });
}

/**
 * Checks the part of a request URL below the proxy's mount point and returns it unchanged when it is safe to append
 * to the PACS root: it must start with a single `/`, and no path segment may be `.` or `..` or hold, once
 * percent-decoded, a `/`, `\` or control character (CR, LF, NUL, ...). Empty segments (`//`) and malformed
 * percent escapes are refused too. The query string is kept as sent but must not decode to control characters.
 * @throws ChexgenError `INVALID_FIELD` (status 400, field `path`) naming the rule broken.
 */
export function normaliseProxyPath(url: string): string {
  const reject = (rule: string): never => {
    throw new ChexgenError('INVALID_FIELD', `refused DICOMweb path: ${rule}`, { field: 'path', status: 400 });
  };
  if (!url.startsWith('/') || url.startsWith('//'))
    reject('it must be a path starting with one "/", not an absolute URL');
  const queryAt = url.indexOf('?');
  const pathname = queryAt === -1 ? url : url.slice(0, queryAt);
  const query = queryAt === -1 ? '' : url.slice(queryAt);
  if (/[\\\u0000-\u0020\u007f]/.test(url)) reject('backslashes, spaces and control characters are not allowed');
  const segments = pathname.split('/').slice(1);
  segments.forEach((segment, i) => {
    if (segment === '' && i < segments.length - 1) reject('empty path segments ("//") are not allowed');
    const decoded = decode(segment) ?? reject('malformed percent escape');
    if (decoded === '.' || decoded === '..') reject('"." and ".." segments are not allowed');
    if (/[/\\\u0000-\u001f\u007f]/.test(decoded))
      reject('encoded slashes, backslashes and control characters are not allowed');
  });
  const decodedQuery = decode(query.replace(/\+/g, ' ')) ?? reject('malformed percent escape in the query');
  if (/[\u0000-\u001f\u007f]/.test(decodedQuery)) reject('control characters are not allowed in the query');
  return url;
}

/** What `/dicom-web` fronts: the configured PACS (its DICOMweb root and credentials) or the embedded store the jobs write to. */
export type DicomWebTarget =
  | { kind: 'pacs'; url: string; auth?: DicomWebAuth }
  | { kind: 'embedded'; store: EmbeddedStore };

/** Which handlers serve `/dicom-web` and `/wado`, built by {@link createDicomWebRoute}. */
export type DicomWebRoute = {
  /** For `app.use('/dicom-web', route.dicomWeb)`. */
  dicomWeb: DicomWebHandler;
  /** For `app.use('/wado', route.wado)`: the PACS's WADO-URI, or a 404 JSON with the embedded store. */
  wado: DicomWebHandler;
  /** Drops pooled PACS connections. */
  close(): void;
};

/**
 * The handlers of `/dicom-web` and `/wado` for a target the composition root chose once: a
 * {@link createDicomWebProxy} to the PACS (WADO-URI at the sibling `wado` path, Orthanc's layout), or the embedded
 * store's router (the same instance the jobs write to: two EmbeddedStores on one folder keep separate indexes),
 * both behind the same allowlist.
 */
export function createDicomWebRoute(
  target: DicomWebTarget,
  options: { allowStow?: boolean; maxStowBytes?: number; log?: PacsLog; connectTimeoutMs?: number; idleTimeoutMs?: number } = {},
): DicomWebRoute {
  const allowStow = options.allowStow ?? true;
  if (target.kind === 'pacs') {
    const common = { auth: target.auth, log: options.log, connectTimeoutMs: options.connectTimeoutMs, idleTimeoutMs: options.idleTimeoutMs, allowStow };
    const dicomWeb = createDicomWebProxy({ target: target.url, root: 'dicom-web', ...common });
    const wado = createDicomWebProxy({ target: siblingWadoUrl(target.url), root: 'wado', ...common });
    return {
      dicomWeb,
      wado,
      close: () => {
        dicomWeb.close();
        wado.close();
      },
    };
  }
  return {
    dicomWeb: withAllowlist(createEmbeddedDicomWebRouter(target.store, { log: options.log, maxBodyBytes: options.maxStowBytes }), { root: 'dicom-web', allowStow }),
    wado: (req, res) => {
      req.resume();
      sendError(
        res,
        new ChexgenError(
          'PACS_NOT_FOUND',
          'the embedded store has no WADO-URI; the viewer uses WADO-RS under /dicom-web',
          { status: 404 },
        ),
      );
    },
    close: () => undefined,
  };
}

/** The embedded store's router behind the same allowlist as the proxy, so both answer the same requests. */
function withAllowlist(handler: DicomWebHandler, options: DicomWebAllowlistOptions): DicomWebHandler {
  return (req, res, next) => {
    try {
      checkDicomWebRequest(req.method ?? 'GET', normaliseProxyPath(req.url ?? '/'), req.headers, options);
    } catch (error) {
      req.resume();
      if (next !== undefined) return next(error);
      return sendError(res, error instanceof Error ? error : new Error(String(error)));
    }
    handler(req, res, next);
  };
}

/** Orthanc's WADO-URI root beside its DICOMweb root: `http://h:8042/dicom-web` -> `http://h:8042/wado`. */
export function siblingWadoUrl(dicomWebUrl: string): string {
  const url = new URL(dicomWebUrl);
  const parts = url.pathname.replace(/\/+$/, '').split('/');
  parts[parts.length - 1] = 'wado';
  url.pathname = parts.join('/') || '/wado';
  return url.toString();
}

function forwardedRequestHeaders(req: IncomingMessage, authorization: string | undefined, targetHost: string): OutgoingHttpHeaders {
  const headers: OutgoingHttpHeaders = {};
  for (const [name, value] of Object.entries(req.headers)) {
    if (value !== undefined && FORWARDED_REQUEST_HEADERS.has(name)) headers[name] = value;
  }
  // The scheme the browser used: a TLS socket, or what a TLS-terminating proxy in front of us says (http/https only).
  const claimed = String(req.headers['x-forwarded-proto'] ?? '')
    .split(',')[0]
    .trim()
    .toLowerCase();
  const encrypted = (req.socket as TLSSocket).encrypted === true;
  const proto = claimed === 'http' || claimed === 'https' ? claimed : encrypted ? 'https' : 'http';
  const host = req.headers.host ?? '';
  headers['x-forwarded-proto'] = proto;
  if (req.socket.remoteAddress !== undefined) headers['x-forwarded-for'] = req.socket.remoteAddress;
  // The client's Host stays (Orthanc builds BulkDataURIs from it) when it is a well-formed host[:port]; else the PACS's.
  headers.host = isHostHeader(host) ? host : targetHost;
  if (isHostHeader(host)) {
    headers['x-forwarded-host'] = host;
    // Orthanc's DICOMweb plugin (1.7) builds BulkDataURIs from `Forwarded` (it ignores X-Forwarded-*) and does not
    // unquote it, so the host goes in bare; only a well-formed host:port gets there.
    headers.forwarded = `proto=${proto};host=${host}`;
  }
  if (authorization !== undefined) headers.authorization = authorization;
  return headers;
}

function forwardedResponseHeaders(headers: IncomingHttpHeaders): OutgoingHttpHeaders {
  const named = String(headers.connection ?? '')
    .toLowerCase()
    .split(',')
    .map((h) => h.trim());
  const out: OutgoingHttpHeaders = {};
  for (const [name, value] of Object.entries(headers)) {
    if (value !== undefined && !DROPPED_RESPONSE_HEADERS.has(name) && !named.includes(name)) out[name] = value;
  }
  return out;
}

function authorizationHeader(auth: DicomWebAuth | undefined): string | undefined {
  if (auth === undefined) return undefined;
  if (auth.kind === 'bearer') return `Bearer ${auth.token}`;
  return `Basic ${Buffer.from(`${auth.username}:${auth.password}`, 'utf8').toString('base64')}`;
}

function hasBody(req: IncomingMessage): boolean {
  return req.headers['transfer-encoding'] !== undefined || Number(req.headers['content-length'] ?? 0) > 0;
}

function decode(text: string): string | undefined {
  try {
    return decodeURIComponent(text);
  } catch {
    return undefined;
  }
}

const TIMEOUT_CODE = 'ETIMEDOUT_PACS';
function timeoutError(message: string): NodeJS.ErrnoException {
  return Object.assign(new Error(message), { code: TIMEOUT_CODE });
}

/** Answers `{ error: { code, message, field } }` (a plain Error becomes 500 INTERNAL), unless a reply already began. */
function sendError(res: ServerResponse, error: Error): void {
  if (res.headersSent) return void res.destroy(error);
  const status = error instanceof ChexgenError ? (error.status ?? 500) : 500;
  const body =
    error instanceof ChexgenError ? { error: error.toJSON() } : { error: { code: 'INTERNAL', message: error.message } };
  const text = JSON.stringify(body);
  res.writeHead(status, {
    'Content-Type': 'application/json; charset=utf-8',
    'Content-Length': Buffer.byteLength(text),
    'Cache-Control': 'no-store',
  });
  res.end(text);
}
