import { CHEXGEN_VERSION } from '../version.js';
import type { Server } from 'node:http';
import type { Logger } from 'pino';
import { COHORT_FINDING_NAMES } from '../cohorts/findings.js';
import { openJobSystem } from '../composition/openJobSystem.js';
import type { Config } from '../config/loadConfig.js';
import { ChexgenError } from '../errors.js';
import type { JobService } from '../jobs/JobService.js';
import { listModels } from '../model/modelManifest.js';
import { EmbeddedStore, type DicomStore } from '../pacs/index.js';
import { readStudySegmentation } from '../pacs/readStudySegmentation.js';
import { SCHEDULER_NAMES } from '../synthesis/schedulers/index.js';
import type { LoadedModel } from '../synthesis/synthesize.js';
import { createApp, type AppDeps } from './createApp.js';
import { isLoopbackHost } from './requireApiToken.js';
import type { ReadinessCheck } from './routes/healthRoutes.js';
import type { ModelSummary } from './routes/modelsRoutes.js';

/** A running server. `close()` stops it gracefully (running jobs are queued again) and is safe to call twice. */
export type ServerHandle = {
  url: string;
  port: number;
  /** The store jobs deliver to (the embedded one, or a DICOMweb client of the PACS). */
  store: DicomStore;
  jobs: JobService;
  close(): Promise<void>;
};

/** Test and tuning knobs; production uses the defaults. */
export type StartServerOptions = {
  sseHeartbeatMs?: number;
  maxRetryDelayMs?: number;
  pollIntervalMs?: number;
  /** Builds the viewer and DICOMweb handlers for createApp's mount points, given the store the jobs write to. */
  mounts?: (context: { store: DicomStore; embeddedStore: EmbeddedStore | undefined }) => Promise<AppDeps['mounts']> | AppDeps['mounts'];
};

function summarise(listed: { manifest: LoadedModel['manifest'] }[], loaded: string, layouts: string[]): ModelSummary[] {
  return listed.map(({ manifest: m }) => ({
    name: m.name, version: m.version, resolution: m.resolution, loaded: m.name === loaded,
    maskLabels: m.conditions.channels.filter((c) => c.kind === 'mask').map((c) => c.label),
    boxLabels: m.conditions.channels.filter((c) => c.kind === 'box').map((c) => c.label),
    defaultSteps: m.schedule.default_steps, defaultGuidance: m.schedule.default_guidance, samplers: [...SCHEDULER_NAMES], licence: m.licence,
    findings: [...COHORT_FINDING_NAMES], layouts,
  }));
}

/** Reachability of the store for /readyz: the embedded one always; a PACS by a QIDO `limit=1` (3 s, cached 5 s). */
function storeCheck(store: DicomStore, description: string): () => Promise<ReadinessCheck> {
  let cached: { at: number; check: ReadinessCheck } | undefined;
  return async () => {
    if (store instanceof EmbeddedStore) return { ok: true, detail: description };
    if (cached !== undefined && performance.now() - cached.at < 5000) return cached.check;
    let timer: NodeJS.Timeout | undefined;
    const check = await Promise.race([
      store.searchStudies({ limit: 1 }).then(() => ({ ok: true, detail: description })),
      new Promise<ReadinessCheck>((resolve) => {
        timer = setTimeout(() => resolve({ ok: false, detail: `${description}: no answer within 3 s` }), 3000);
      }),
    ]).catch((error: unknown) => ({ ok: false, detail: `${description}: ${error instanceof Error ? error.message : String(error)}` }));
    clearTimeout(timer);
    cached = { at: performance.now(), check };
    return check;
  };
}

/**
 * Starts `chexgen serve`: opens the store (PACS or embedded), loads the model once, opens the job database in
 * `<dataDir>/jobs.sqlite` (jobs a crash left running are queued again), starts the job runner and listens on
 * `config.host:config.port`. Refuses to listen beyond loopback without CHEXGEN_API_TOKEN.
 */
export async function startServer(config: Config, logger: Logger, options: StartServerOptions = {}): Promise<ServerHandle> {
  if (!isLoopbackHost(config.host) && config.apiToken === '') {
    throw new ChexgenError('INVALID_FIELD', `HOST=${config.host} is not a loopback address: set CHEXGEN_API_TOKEN (at least 16 characters) so the API is not open to the network`, {
      field: 'CHEXGEN_API_TOKEN',
    });
  }
  const system = await openJobSystem(config, logger, { maxRetryDelayMs: options.maxRetryDelayMs, pollIntervalMs: options.pollIntervalMs });
  const { store, storeDescription: description, model, jobs, cohorts } = system;
  let server: Server | undefined;
  try {
    const listed = await listModels(config.modelsDir).catch((error: unknown) => {
      logger.warn({ err: error }, 'cannot list the installed models; /api/v1/models shows the loaded one only');
      return [{ manifest: model.manifest }];
    });
    const checkStore = storeCheck(store, description);
    const limits = {
      maxTextLength: config.maxTextLength, maxBoxes: config.maxBoxes, maxMasks: config.maxMasks, maxMaskPixels: config.maxMaskPixels,
      maxMaskRuns: config.maxMaskRuns, maxRequestMaskPixels: config.maxRequestMaskPixels,
      maxCount: config.maxCount, maxSteps: config.maxSteps, maxCohortSize: config.maxCohortSize,
    };
    const app = createApp({
      jobs, cohorts, logger, limits,
      readSegmentation: (studyUid, seriesUid, field) => readStudySegmentation(store, studyUid, seriesUid, field, { maxMaskPixels: config.maxMaskPixels, maxMasks: config.maxMasks }), maxBodyBytes: config.maxBodyBytes, apiToken: config.apiToken, allowedHosts: config.allowedHosts,
      maxEventStreams: config.maxEventStreams,
      signIn: { sessionTtlSeconds: config.sessionTtlSeconds, cookieSecure: config.cookieSecure, attemptsPerMinute: config.loginAttemptsPerMinute }, sseHeartbeatMs: options.sseHeartbeatMs,
      models: summarise(listed, model.manifest.name, system.layouts),
      readiness: async () => ({
        model: { ok: true, detail: `${model.manifest.name} ${model.manifest.version} on ${model.runtime.executionProvider}` },
        store: await checkStore(),
        database: jobs.databaseCheck(),
        runner: { ok: jobs.accepting },
      }),
      mounts: await options.mounts?.({ store, embeddedStore: store instanceof EmbeddedStore ? store : undefined }),
      datasetExport: { store, classes: model.manifest.conditions.channels.filter((c) => c.kind === 'mask').map((c) => c.label), segLimits: { maxMaskPixels: config.maxMaskPixels, maxMasks: config.maxMasks } },
      monaiLabel: {
        jobs, store, limits, models: summarise(listed, model.manifest.name, system.layouts), maxBodyBytes: config.maxBodyBytes, version: CHEXGEN_VERSION, logger,
        readSegmentation: (studyUid, seriesUid, field) => readStudySegmentation(store, studyUid, seriesUid, field, { maxMaskPixels: config.maxMaskPixels, maxMasks: config.maxMasks }),
        timeoutSeconds: config.monaiLabelTimeoutSeconds, allowedOrigins: config.monaiLabelOrigins,
      },
    });
    const listening = app.listen(config.port, config.host);
    listening.maxConnections = config.maxConnections; // beyond it, new sockets are closed at once
    server = listening;
    await new Promise<void>((resolve, reject) => {
      listening.once('listening', resolve);
      listening.once('error', (error: NodeJS.ErrnoException) => {
        const reason = error.code === 'EADDRINUSE' ? 'is in use' : error.code === 'EACCES' ? 'is not allowed' : error.code === 'EADDRNOTAVAIL' ? 'is not an address of this machine' : undefined;
        reject(reason === undefined ? error : new ChexgenError('INVALID_FIELD', `cannot listen on ${config.host}:${config.port}: the address ${reason}`, { field: error.code === 'EADDRNOTAVAIL' ? 'HOST' : 'PORT', cause: error }));
      });
    });
    const address = listening.address();
    const port = typeof address === 'object' && address !== null ? address.port : config.port;
    const url = `http://${config.host.includes(':') ? `[${config.host}]` : config.host}:${port}`;
    logger.info({ url, store: description, model: model.manifest.name, concurrency: config.concurrency, auth: config.apiToken !== '' }, `chexgen server listening on ${url}`);
    let closing: Promise<void> | undefined;
    const close = (): Promise<void> => {
      closing ??= (async () => {
        logger.info('shutting down: no new connections, running jobs go back to the queue');
        const closed = new Promise<void>((resolve) => listening.close(() => resolve()));
        await system.close(); // running jobs go back to the queue
        listening.closeAllConnections(); // SSE streams and idle keep-alive connections
        await closed;
        logger.info('shut down');
      })();
      return closing;
    };
    return { url, port, store, jobs, close };
  } catch (error) {
    server?.close();
    await system.close();
    throw error;
  }
}
