import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';
import { ChexgenError } from '../errors.js';

/** The repository root (defaults for the models and data folders are inside it). */
export const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');

/**
 * The onnxruntime execution providers CHEXGEN_EP may name. Config reads and checks the setting; the runtime owns its
 * own type of the same names, and the composition root, which passes one to the other, is where TypeScript holds
 * them equal.
 */
export const EXECUTION_PROVIDER_NAMES = ['cpu', 'cuda'] as const;

/** Every setting, its environment variable, default and meaning. docs/configuration.md is written from this. */
export const CONFIG_KEYS = {
  modelsDir: { env: 'CHEXGEN_MODELS_DIR', default: resolve(REPO_ROOT, 'models'), doc: 'folder holding model folders' },
  model: { env: 'CHEXGEN_MODEL', default: 'cxr256-gpu-v1.1', doc: 'default model name' },
  executionProviders: { env: 'CHEXGEN_EP', default: 'cpu', doc: 'onnxruntime execution providers to try in order, comma-separated (cpu, cuda); cpu is always the fallback' },
  threads: { env: 'CHEXGEN_THREADS', default: '0', doc: 'onnxruntime intra-op threads (0 = one per core)' },
  dataDir: { env: 'CHEXGEN_DATA_DIR', default: resolve(REPO_ROOT, 'data'), doc: 'the job database (jobs.sqlite), the embedded DICOM store, the outbox and the previews live here' },
  databaseUrl: { env: 'CHEXGEN_DATABASE_URL', default: '', doc: 'PostgreSQL job database (`postgres://user:password@host:5432/db`): the API and any number of `chexgen worker` processes, on any machines, share its queue (docs/deployment.md); needs CHEXGEN_PACS_URL (a shared PACS); empty = the embedded SQLite file in CHEXGEN_DATA_DIR, run by the server itself' },
  apiOnly: { env: 'CHEXGEN_API_ONLY', default: 'false', doc: '`chexgen serve` runs no jobs itself, only the API (also `--api-only`); `chexgen worker` processes run them. Needs CHEXGEN_DATABASE_URL' },
  leaseSeconds: { env: 'CHEXGEN_LEASE_S', default: '30', doc: 'PostgreSQL only: a running job whose worker has not renewed its lease (a heartbeat every third of this) for this long is handed to another worker; longer survives longer stalls of a worker, shorter recovers a dead worker\'s job sooner' },
  workerName: { env: 'CHEXGEN_WORKER_NAME', default: '', doc: 'PostgreSQL only: how this process names itself as the holder of its jobs, in the database and the logs; empty = `<host name>:<process id>`. Must differ between processes' },
  pacsUrl: { env: 'CHEXGEN_PACS_URL', default: '', doc: 'DICOMweb root of the PACS (e.g. http://localhost:8042/dicom-web); empty = the embedded store' },
  pacsUser: { env: 'CHEXGEN_PACS_USER', default: '', doc: 'HTTP Basic user for the PACS' },
  pacsPassword: { env: 'CHEXGEN_PACS_PASSWORD', default: '', doc: 'HTTP Basic password for the PACS' },
  pacsToken: { env: 'CHEXGEN_PACS_TOKEN', default: '', doc: 'Bearer token for the PACS (instead of Basic)' },
  spinning: { env: 'CHEXGEN_SPINNING', default: 'false', doc: 'let onnxruntime threads spin between ops (faster on an idle machine; turn off when other work shares the cores)' },
  host: { env: 'HOST', default: '127.0.0.1', doc: 'address `chexgen serve` listens on; anything but loopback requires CHEXGEN_API_TOKEN' },
  port: { env: 'PORT', default: '8080', doc: 'TCP port of `chexgen serve` (0 = any free port)' },
  allowedHosts: { env: 'CHEXGEN_ALLOWED_HOSTS', default: '', doc: 'host names the server answers to besides loopback ones (localhost, 127.0.0.1, [::1]), comma-separated, e.g. `viewer.lan`; without a token only these and loopback names are served (against DNS rebinding); with a token and this empty, any well-formed Host is served' },
  apiToken: { env: 'CHEXGEN_API_TOKEN', default: '', doc: 'bearer token (at least 16 characters) required on /api and /metrics (`Authorization: Bearer <token>`) when set; must be set when HOST is not loopback' },
  sessionTtlSeconds: { env: 'CHEXGEN_SESSION_TTL_S', default: '43200', doc: 'how long a browser sign-in (/login) lasts; sessions also end at POST /logout and when the server restarts' },
  cookieSecure: { env: 'CHEXGEN_COOKIE_SECURE', default: 'auto', doc: 'mark the session cookie `Secure`: auto (when the browser came over TLS, here or as `X-Forwarded-Proto: https` from a TLS proxy in front), always, never' },
  loginAttemptsPerMinute: { env: 'CHEXGEN_LOGIN_ATTEMPTS_PER_MINUTE', default: '10', doc: 'sign-in attempts (POST /login) one client address may make per minute; more get 429 with Retry-After' },
  logLevel: { env: 'CHEXGEN_LOG_LEVEL', default: 'info', doc: 'server log level: debug, info, warn, error' },
  maxConnections: { env: 'CHEXGEN_MAX_CONNECTIONS', default: '256', doc: 'most open TCP connections of `chexgen serve` (event streams and keep-alive ones included); more are closed at once' },
  maxEventStreams: { env: 'CHEXGEN_MAX_EVENT_STREAMS', default: '64', doc: 'most open server-sent event streams (/syntheses/{id}/events, /cohorts/{id}/events) together; more get 429 TOO_MANY_REQUESTS' },
  monaiLabelTimeoutSeconds: { env: 'CHEXGEN_MONAI_LABEL_TIMEOUT_S', default: '300', doc: 'longest a MONAI Label `POST /monai-label/infer/{model}` waits for its synthesis job; then 504 with the job id (the job goes on: GET /api/v1/syntheses/{id})' },
  monaiLabelOrigins: { env: 'CHEXGEN_MONAI_LABEL_ORIGINS', default: '', doc: 'origins (`scheme://host:port`, comma-separated) whose web pages may call /monai-label/ (CORS), e.g. a separate OHIF with MONAI Label\'s plugin at `http://viewer.lan:3000`; other cross-origin browser requests get 403' },
  concurrency: { env: 'CHEXGEN_CONCURRENCY', default: '1', doc: 'synthesis jobs run at the same time (they share the one loaded model)' },
  maxQueuedJobs: { env: 'CHEXGEN_MAX_QUEUED_JOBS', default: '1000', doc: 'queued jobs beyond which new submissions get 503 UNAVAILABLE' },
  jobMaxAttempts: { env: 'CHEXGEN_JOB_MAX_ATTEMPTS', default: '3', doc: 'a job found interrupted by a crash after this many starts is marked failed instead of queued again' },
  deliveryTimeoutSeconds: { env: 'CHEXGEN_DELIVERY_TIMEOUT_S', default: '600', doc: 'how long a job keeps retrying delivery to an unreachable store before it fails (the studies stay in the outbox)' },
  maxBodyBytes: { env: 'CHEXGEN_MAX_BODY_BYTES', default: '16777216', doc: 'largest API request body in bytes (masks included); larger gets 413' },
  maxTextLength: { env: 'CHEXGEN_MAX_TEXT_LENGTH', default: '2000', doc: 'longest report text in characters (at most 2000)' },
  maxBoxes: { env: 'CHEXGEN_MAX_BOXES', default: '64', doc: 'most boxes per request (at most 64)' },
  maxMasks: { env: 'CHEXGEN_MAX_MASKS', default: '16', doc: 'most masks per request (at most 16)' },
  maxMaskPixels: { env: 'CHEXGEN_MAX_MASK_PIXELS', default: '16777216', doc: 'most pixels (width x height) of one mask' },
  maxMaskRuns: { env: 'CHEXGEN_MAX_MASK_RUNS', default: '100000', doc: 'most runs (changes between inside and outside, row-major) of one mask; a real anatomy mask has a few per row, a checkerboard "mask bomb" one per pixel' },
  maxRequestMaskPixels: { env: 'CHEXGEN_MAX_REQUEST_MASK_PIXELS', default: '67108864', doc: 'most mask pixels of one request, all masks together (what decoding them costs in memory, in bytes)' },
  maxCount: { env: 'CHEXGEN_MAX_COUNT', default: '16', doc: 'most images per synthesis request (at most 64)' },
  maxSteps: { env: 'CHEXGEN_MAX_STEPS', default: '100', doc: 'most sampling steps per image (at most 200)' },
  maxCohortSize: { env: 'CHEXGEN_MAX_COHORT_SIZE', default: '1000', doc: 'most subjects per cohort request (each is one queued job, so CHEXGEN_MAX_QUEUED_JOBS also applies)' },
  segMaskRetentionDays: { env: 'CHEXGEN_SEG_MASK_RETENTION_DAYS', default: '30', doc: 'days the pixels of masks read from a SEG in the store (perhaps a real patient\'s) stay in jobs.sqlite after their job ended; then they are purged (label and size stay); 0 = as soon as the job ends (checked at start and hourly)' },
  previewRetentionDays: { env: 'CHEXGEN_PREVIEW_RETENTION_DAYS', default: '30', doc: 'days the 8-bit PNG previews of generated images (the API\'s quick look and the cohort contact sheet) are kept after they were made; then they are deleted (checked at start and hourly). The studies in the store stay' },
  layoutsManifest: { env: 'CHEXGEN_LAYOUTS_MANIFEST', default: '', doc: 'CSV manifest of real annotations (columns id, split, mask_file, mask_channels; the layout of the training data) that cohorts with `layout: "annotations"` draw masks from; empty = templates only' },
  layoutsSplit: { env: 'CHEXGEN_LAYOUTS_SPLIT', default: 'train', doc: 'rows of CHEXGEN_LAYOUTS_MANIFEST whose `split` column has this value are used' },
  dicomWebStow: { env: 'CHEXGEN_DICOMWEB_STOW', default: 'true', doc: 'let clients store objects through /dicom-web (STOW-RS on /studies, e.g. a SEG drawn in the viewer); false = the DICOMweb routes are read-only' },
  maxPixelBytes: { env: 'CHEXGEN_MAX_PIXEL_BYTES', default: '1073741824', doc: 'largest decoded Pixel Data of one instance the embedded store accepts (NumberOfFrames x Rows x Columns x SamplesPerPixel x BitsAllocated / 8); each header is also held to the Pixel Data really sent' },
  maxStowBytes: { env: 'CHEXGEN_MAX_STOW_BYTES', default: '536870912', doc: 'largest STOW-RS body the embedded store accepts through /dicom-web; bodies are streamed to a temp file under the store, larger ones are cut off with 413' },
  storeQuotaBytes: { env: 'CHEXGEN_STORE_QUOTA_BYTES', default: '0', doc: 'most bytes the embedded store may hold (uploads and deliveries beyond it get 507 STORAGE_FULL); 0 = no quota' },
  diskReserveBytes: { env: 'CHEXGEN_DISK_RESERVE_BYTES', default: '1073741824', doc: 'free bytes every embedded-store write must leave on its disk (else 507 STORAGE_FULL), so uploads cannot fill the disk the job database and the outbox live on' },
} as const;

const schema = z.object({
  modelsDir: z.string().min(1),
  model: z.string().regex(/^[A-Za-z0-9._-]+$/, 'letters, digits, ".", "_" or "-" only'),
  executionProviders: z
    .string()
    .transform((s) => s.split(',').map((p) => p.trim().toLowerCase()).filter(Boolean))
    .pipe(z.array(z.enum(EXECUTION_PROVIDER_NAMES)).min(1)),
  threads: z.coerce.number().int().min(0).max(256),
  dataDir: z.string().min(1),
  databaseUrl: z.union([z.literal(''), z.string().regex(/^postgres(ql)?:\/\/[^\s]+$/, 'must be a postgres:// (or postgresql://) URL, or empty for the embedded SQLite')]),
  apiOnly: z.enum(['true', 'false', '1', '0']).transform((s) => s === 'true' || s === '1'),
  leaseSeconds: z.coerce.number().int().min(3).max(3600),
  workerName: z.string().max(200).regex(/^[A-Za-z0-9._:@-]*$/, 'letters, digits and . _ : @ - only'),
  pacsUrl: z.union([z.literal(''), z.string().url('must be an http(s) URL').regex(/^https?:\/\//, 'must be an http(s) URL')]),
  pacsUser: z.string(),
  pacsPassword: z.string(),
  pacsToken: z.string(),
  spinning: z.enum(['true', 'false', '1', '0']).transform((s) => s === 'true' || s === '1'),
  host: z.string().min(1),
  port: z.coerce.number().int().min(0).max(65535),
  allowedHosts: z
    .string()
    .transform((s) => s.split(',').map((h) => h.trim().toLowerCase()).filter(Boolean))
    .pipe(z.array(z.string().regex(/^[a-z0-9_](?:[a-z0-9_.-]{0,251}[a-z0-9_])?$|^\[[0-9a-f:.]{2,45}\]$/, 'host names without ports, comma-separated'))),
  apiToken: z.string().refine((t) => t === '' || t.length >= 16, 'must be at least 16 characters'),
  sessionTtlSeconds: z.coerce.number().int().min(60).max(30 * 24 * 3600),
  cookieSecure: z.enum(['auto', 'always', 'never', 'true', 'false']).transform((s) => (s === 'true' ? 'always' : s === 'false' ? 'never' : s)),
  loginAttemptsPerMinute: z.coerce.number().int().min(1).max(10_000),
  logLevel: z.enum(['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent']),
  maxConnections: z.coerce.number().int().min(4).max(1_000_000),
  maxEventStreams: z.coerce.number().int().min(1).max(100_000),
  monaiLabelTimeoutSeconds: z.coerce.number().int().min(1).max(24 * 3600),
  monaiLabelOrigins: z
    .string()
    .transform((s) => s.split(',').map((o) => o.trim()).filter(Boolean))
    .pipe(z.array(z.string().regex(/^https?:\/\/[A-Za-z0-9.:[\]-]{1,260}$/, 'origins like http://viewer.lan:3000 (scheme, host, port; no path), comma-separated'))),
  concurrency: z.coerce.number().int().min(1).max(64),
  maxQueuedJobs: z.coerce.number().int().min(1),
  jobMaxAttempts: z.coerce.number().int().min(1).max(100),
  deliveryTimeoutSeconds: z.coerce.number().min(0),
  maxBodyBytes: z.coerce.number().int().min(1024),
  // the upper bounds are those of synthesis/synthesisRequest.ts REQUEST_CEILINGS: the server may only tighten them
  maxTextLength: z.coerce.number().int().min(1).max(2000),
  maxBoxes: z.coerce.number().int().min(0).max(64),
  maxMasks: z.coerce.number().int().min(0).max(16),
  maxMaskPixels: z.coerce.number().int().min(1).max(8192 * 8192),
  maxMaskRuns: z.coerce.number().int().min(1).max(8192 * 8192 + 1),
  maxRequestMaskPixels: z.coerce.number().int().min(1).max(16 * 8192 * 8192),
  maxCount: z.coerce.number().int().min(1).max(64),
  maxSteps: z.coerce.number().int().min(1).max(200),
  maxCohortSize: z.coerce.number().int().min(1).max(100_000),
  segMaskRetentionDays: z.coerce.number().min(0).max(36_500),
  previewRetentionDays: z.coerce.number().min(1).max(36_500),
  layoutsManifest: z.string(),
  layoutsSplit: z.string().min(1),
  dicomWebStow: z.enum(['true', 'false', '1', '0']).transform((s) => s === 'true' || s === '1'),
  maxPixelBytes: z.coerce.number().int().min(1024),
  maxStowBytes: z.coerce.number().int().min(1024),
  storeQuotaBytes: z.coerce.number().int().min(0),
  diskReserveBytes: z.coerce.number().int().min(0),
});

/** The typed, validated settings. */
export type Config = {
  modelsDir: string;
  model: string;
  executionProviders: (typeof EXECUTION_PROVIDER_NAMES)[number][];
  threads: number;
  spinning: boolean;
  dataDir: string;
  /** '' = the embedded SQLite job database in dataDir; else a postgres:// URL shared by the API and workers. */
  databaseUrl: string;
  /** `chexgen serve` runs no jobs (workers do); needs databaseUrl. */
  apiOnly: boolean;
  /** Seconds a running job's lease lasts without a heartbeat (PostgreSQL). */
  leaseSeconds: number;
  /** '' = `<host>:<pid>`. */
  workerName: string;
  /** '' when no PACS is configured: the embedded store is used. */
  pacsUrl: string;
  pacsUser: string;
  pacsPassword: string;
  pacsToken: string;
  /** Listen address of the server; not loopback => apiToken required. */
  host: string;
  port: number;
  /** Host names served besides loopback ones (lower case, no ports). */
  allowedHosts: string[];
  /** '' = no token (allowed on loopback only). */
  apiToken: string;
  sessionTtlSeconds: number;
  cookieSecure: 'auto' | 'always' | 'never';
  loginAttemptsPerMinute: number;
  logLevel: 'trace' | 'debug' | 'info' | 'warn' | 'error' | 'fatal' | 'silent';
  maxConnections: number;
  maxEventStreams: number;
  /** Longest wait of a MONAI Label infer for its job, in seconds. */
  monaiLabelTimeoutSeconds: number;
  /** Origins allowed to call /monai-label/ from a browser. */
  monaiLabelOrigins: string[];
  concurrency: number;
  maxQueuedJobs: number;
  jobMaxAttempts: number;
  deliveryTimeoutSeconds: number;
  maxBodyBytes: number;
  maxTextLength: number;
  maxBoxes: number;
  maxMasks: number;
  maxMaskPixels: number;
  maxMaskRuns: number;
  maxRequestMaskPixels: number;
  maxCount: number;
  maxSteps: number;
  maxCohortSize: number;
  /** Days SEG-derived mask pixels stay in jobs.sqlite after their job ended. */
  segMaskRetentionDays: number;
  /** Days a generated image's preview is kept after it was made. */
  previewRetentionDays: number;
  /** '' = no annotation layouts (cohorts use templates only). */
  layoutsManifest: string;
  layoutsSplit: string;
  /** Whether STOW-RS passes through /dicom-web. */
  dicomWebStow: boolean;
  /** Largest decoded Pixel Data of one instance in the embedded store. */
  maxPixelBytes: number;
  /** Largest STOW-RS body of the embedded store. */
  maxStowBytes: number;
  /** Most bytes of the embedded store; 0 = no quota. */
  storeQuotaBytes: number;
  /** Free bytes embedded-store writes must leave on the disk. */
  diskReserveBytes: number;
};

/**
 * Reads settings from the environment (the only reader of process.env), applies defaults and validates them.
 * Flags override by passing `overrides`. A bad value is a ChexgenError naming the variable and the rule.
 */
export function loadConfig(env: NodeJS.ProcessEnv, overrides: Partial<Record<keyof typeof CONFIG_KEYS, string>> = {}): Config {
  const raw: Record<string, string> = {};
  for (const [key, spec] of Object.entries(CONFIG_KEYS)) {
    raw[key] = overrides[key as keyof typeof CONFIG_KEYS] ?? env[spec.env] ?? spec.default;
  }
  const parsed = schema.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const key = String(issue?.path[0] ?? '') as keyof typeof CONFIG_KEYS;
    const variable = CONFIG_KEYS[key]?.env ?? key;
    const secret = key === 'apiToken' || key === 'pacsPassword' || key === 'pacsToken' || key === 'databaseUrl';
    throw new ChexgenError('INVALID_FIELD', `${variable}=${secret ? '(hidden)' : JSON.stringify(raw[key])}: ${issue?.message ?? 'invalid'}`, {
      field: variable,
    });
  }
  const { databaseUrl, apiOnly, pacsUrl } = parsed.data;
  if (apiOnly && databaseUrl === '') {
    throw new ChexgenError('INVALID_FIELD', `${CONFIG_KEYS.apiOnly.env}=${raw.apiOnly}: needs ${CONFIG_KEYS.databaseUrl.env} (with the embedded SQLite the server runs its own jobs)`, {
      field: CONFIG_KEYS.apiOnly.env,
    });
  }
  if (databaseUrl !== '' && pacsUrl === '') {
    throw new ChexgenError('INVALID_FIELD', `${CONFIG_KEYS.pacsUrl.env} is empty: with ${CONFIG_KEYS.databaseUrl.env} the API and the workers must share a PACS (the embedded store belongs to one process); docs/deployment.md`, {
      field: CONFIG_KEYS.pacsUrl.env,
    });
  }
  return {
    ...parsed.data, modelsDir: resolve(parsed.data.modelsDir), dataDir: resolve(parsed.data.dataDir),
    layoutsManifest: parsed.data.layoutsManifest === '' ? '' : resolve(parsed.data.layoutsManifest),
  };
}
