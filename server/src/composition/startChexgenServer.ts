import type { Logger } from 'pino';
import { COHORT_FINDING_NAMES } from '../cohorts/findings.js';
import type { Config } from '../config/loadConfig.js';
import { ChexgenError } from '../errors.js';
import { createApp } from '../http/createApp.js';
import { createDicomWebRoute, type DicomWebRoute } from '../http/dicomWebProxy.js';
import { isLoopbackHost } from '../http/requireApiToken.js';
import { modelSummaries } from '../http/routes/modelsRoutes.js';
import { startServer } from '../http/startServer.js';
import { createViewerRouter, type ViewerRouterOptions } from '../http/viewer/createViewerRouter.js';
import type { JobService } from '../jobs/JobService.js';
import { listModels } from '../model/modelManifest.js';
import { monaiLabelRouter } from '../monaiLabel/monaiLabelRouter.js';
import type { DicomStore } from '../pacs/index.js';
import { storeReadiness } from '../pacs/storeReadiness.js';
import { SCHEDULER_NAMES } from '../synthesis/schedulers/index.js';
import { CHEXGEN_VERSION } from '../version.js';
import { logCallback } from './logging.js';
import { openJobSystem, type JobSystemOptions } from './openJobSystem.js';

/** A running `chexgen serve`. `close()` stops it gracefully (running jobs are queued again) and is safe to call twice. */
export type ServerHandle = {
  url: string;
  port: number;
  /** The store jobs deliver to (the embedded one, or a DICOMweb client of the PACS). */
  store: DicomStore;
  jobs: JobService;
  close(): Promise<void>;
};

/** Test and tuning knobs; `chexgen serve` uses the defaults. */
export type ServerOptions = JobSystemOptions & {
  sseHeartbeatMs?: number;
  /** Mount `/dicom-web` and `/wado` (the PACS proxy or the embedded store; default true). */
  dicomWeb?: boolean;
  /** Mount the OHIF viewer at `/` with our plugins (default: the installed viewer; false = none). */
  viewer?: ViewerRouterOptions | false;
};

/** The viewer as `chexgen serve` mounts it: the installed OHIF build listing our extension and mode bundles. */
const SERVE_VIEWER: ViewerRouterOptions = { extensions: ['chexgen-extension.mjs'], modes: ['chexgen-mode.mjs'] };

/**
 * The composition root of `chexgen serve`: from the config it opens the store (PACS or embedded, chosen once), loads
 * the model, opens the job system, builds every route (API with the dataset export, probes, metrics, DICOMweb, MONAI
 * Label, viewer) with the slice of config each needs, and listens on `config.host:config.port`. Refuses, before
 * opening anything, to listen beyond loopback without CHEXGEN_API_TOKEN.
 */
export async function startChexgenServer(config: Config, logger: Logger, options: ServerOptions = {}): Promise<ServerHandle> {
  if (!isLoopbackHost(config.host) && config.apiToken === '') {
    throw new ChexgenError('INVALID_FIELD', `HOST=${config.host} is not a loopback address: set CHEXGEN_API_TOKEN (at least 16 characters) so the API is not open to the network`, {
      field: 'CHEXGEN_API_TOKEN',
    });
  }
  const system = await openJobSystem(config, logger, options);
  const { store, model, jobs, cohorts } = system;
  let dicomWeb: DicomWebRoute | undefined;
  try {
    const listed = await listModels(config.modelsDir).catch((error: unknown) => {
      logger.warn({ err: error }, 'cannot list the installed models; /api/v1/models shows the loaded one only');
      return [{ manifest: model.manifest }];
    });
    if (options.dicomWeb !== false) {
      dicomWeb = createDicomWebRoute(store, { allowStow: config.dicomWebStow, maxStowBytes: config.maxStowBytes, log: logCallback(logger) });
      logger.info({ dicomWeb: store.description }, 'DICOMweb at /dicom-web');
    }
    const checkStore = storeReadiness(store.store, store.description, store.kind === 'pacs');
    const limits = {
      maxTextLength: config.maxTextLength, maxBoxes: config.maxBoxes, maxMasks: config.maxMasks, maxMaskPixels: config.maxMaskPixels,
      maxMaskRuns: config.maxMaskRuns, maxRequestMaskPixels: config.maxRequestMaskPixels,
      maxCount: config.maxCount, maxSteps: config.maxSteps, maxCohortSize: config.maxCohortSize,
    };
    const models = modelSummaries(listed, model.manifest.name, { samplers: SCHEDULER_NAMES, findings: COHORT_FINDING_NAMES, layouts: system.layouts });
    const app = createApp({
      jobs, cohorts, logger, limits, models,
      maxBodyBytes: config.maxBodyBytes, apiToken: config.apiToken, allowedHosts: config.allowedHosts, maxEventStreams: config.maxEventStreams,
      signIn: { sessionTtlSeconds: config.sessionTtlSeconds, cookieSecure: config.cookieSecure, attemptsPerMinute: config.loginAttemptsPerMinute },
      sseHeartbeatMs: options.sseHeartbeatMs,
      readiness: async () => ({
        model: { ok: true, detail: `${model.manifest.name} ${model.manifest.version} on ${system.modelRunsOn}` },
        store: await checkStore(),
        database: await jobs.databaseCheck(),
        runner: { ok: jobs.accepting, ...(system.role === 'api' ? { detail: 'API only: chexgen worker processes run the jobs' } : {}) },
      }),
      exportDataset: system.exportDataset,
      mounts: {
        ...(dicomWeb !== undefined ? { dicomWeb: dicomWeb.dicomWeb, wado: dicomWeb.wado } : {}),
        ...(options.viewer !== false ? { viewer: createViewerRouter(options.viewer ?? SERVE_VIEWER) } : {}),
        monaiLabel: (auth) => monaiLabelRouter({
          jobs, store: store.store, models, limits, maxBodyBytes: config.maxBodyBytes, version: CHEXGEN_VERSION, logger,
          timeoutSeconds: config.monaiLabelTimeoutSeconds, allowedOrigins: config.monaiLabelOrigins,
        }, auth),
      },
    });
    const listening = await startServer(app, { host: config.host, port: config.port, maxConnections: config.maxConnections });
    logger.info({ url: listening.url, store: store.description, database: system.database, runsJobs: system.role !== 'api', model: model.manifest.name, concurrency: config.concurrency, auth: config.apiToken !== '' }, `chexgen server listening on ${listening.url}`);
    const route = dicomWeb;
    let closing: Promise<void> | undefined;
    return {
      url: listening.url,
      port: listening.port,
      store: store.store,
      jobs,
      close: () => {
        closing ??= (async () => {
          logger.info('shutting down: no new connections, running jobs go back to the queue');
          await listening.close(() => system.close());
          route?.close();
          logger.info('shut down');
        })();
        return closing;
      },
    };
  } catch (error) {
    dicomWeb?.close();
    await system.close();
    throw error;
  }
}
