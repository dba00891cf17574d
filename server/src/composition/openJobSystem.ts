import { hostname } from 'node:os';
import type { Logger } from 'pino';
import { loadAnnotationLayouts } from '../cohorts/annotationLayouts.js';
import { CohortService } from '../cohorts/CohortService.js';
import type { CohortManifest } from '../cohorts/cohortManifest.js';
import type { CohortStore } from '../cohorts/CohortStore.js';
import { SqliteCohortStore } from '../cohorts/SqliteCohortStore.js';
import { TEMPLATE_LAYOUTS } from '../cohorts/layouts.js';
import type { Config } from '../config/loadConfig.js';
import { ChexgenError } from '../errors.js';
import { exportCohortDataset, type DatasetFile } from '../datasetExport/exportCohortDataset.js';
import { Outbox } from '../delivery/Outbox.js';
import { storeSink } from '../delivery/storeSink.js';
import { JobMetrics } from '../jobs/JobMetrics.js';
import { JobRunner } from '../jobs/JobRunner.js';
import { JobService } from '../jobs/JobService.js';
import { LocalJobEvents, type JobEvents } from '../jobs/JobEvents.js';
import type { JobStore } from '../jobs/JobStore.js';
import { FilePreviewStore, type PreviewStore } from '../jobs/PreviewStore.js';
import { SqliteJobStore } from '../jobs/SqliteJobStore.js';
import { readStudySegmentation } from '../pacs/readStudySegmentation.js';
import { openPostgresJobDatabase } from '../postgres/openPostgresJobDatabase.js';
import type { ModelDescription } from '../synthesis/synthesize.js';
import { SOFTWARE } from '../version.js';
import { dataPaths } from './dataPaths.js';
import { describeModel, loadModel } from './loadModel.js';
import { logCallback } from './logging.js';
import { openStore, type OpenedStore } from './openStore.js';

/** The running job machinery of one data dir: what `chexgen serve` puts behind HTTP and `chexgen cohort` drives directly. */
export type JobSystem = {
  /** Where studies go (the PACS or the embedded store), chosen once. */
  store: OpenedStore;
  /** The model requests are planned on (its graphs are loaded only where jobs run: not with role `api`). */
  model: ModelDescription;
  /** Where the model runs, for the readiness probe: the execution provider, or the workers of an API-only server. */
  modelRunsOn: string;
  jobs: JobService;
  cohorts: CohortService;
  /** What this process does with jobs (see {@link JobSystemRole}). */
  role: JobSystemRole;
  /** The job database, for logs (no credentials). */
  database: string;
  /** Layout sources cohorts may use. */
  layouts: ('templates' | 'annotations')[];
  /**
   * A cohort's made subjects as a training dataset, file by file, read back from the store (the model's mask labels
   * as label classes, SEGs held to the mask limits): `chexgen cohort --export` and `GET /api/v1/cohorts/{id}/dataset.zip`.
   */
  exportDataset(manifest: CohortManifest): AsyncGenerator<DatasetFile>;
  /** Stops the runner (running jobs go back to the queue), frees the model, closes the database. Safe to call twice. */
  close(): Promise<void>;
};

/**
 * What this process does with the jobs: `all` (the embedded default: the API and the runner in one process), `api`
 * (`chexgen serve --api-only`: takes and reports jobs, runs none) or `worker` (`chexgen worker`: runs jobs, no API).
 * `api` and `worker` need CHEXGEN_DATABASE_URL.
 */
export type JobSystemRole = 'all' | 'api' | 'worker';

/** Test and tuning knobs of the runner; production uses the defaults. */
export type JobSystemOptions = {
  maxRetryDelayMs?: number;
  pollIntervalMs?: number;
  /** Default: `api` with CHEXGEN_API_ONLY, else `all`. */
  role?: JobSystemRole;
  /** How long a running job's database writes retry while PostgreSQL is away (default 120 s). */
  databaseRetryWindowMs?: number;
};

/** The job storage of one process: the embedded SQLite pieces, or the PostgreSQL ones shared with other processes. */
type JobStorage = { jobs: JobStore; cohorts: CohortStore; events: JobEvents; previews: PreviewStore; description: string; close(): Promise<void> };

/** Opens `<dataDir>/jobs.sqlite` (one process per data dir), or the PostgreSQL job database of CHEXGEN_DATABASE_URL. */
async function openJobStorage(config: Config, logger: Logger, options: JobSystemOptions): Promise<JobStorage> {
  if (config.databaseUrl === '') {
    const paths = dataPaths(config.dataDir);
    const jobs = SqliteJobStore.open(paths.jobs);
    const events = new LocalJobEvents();
    return {
      jobs, cohorts: new SqliteCohortStore(jobs), events, previews: new FilePreviewStore(paths.previews), description: jobs.description,
      close: async () => {
        await jobs.close();
        await events.close();
      },
    };
  }
  const workerName = config.workerName !== '' ? config.workerName : `${hostname()}:${process.pid}`;
  const log = logCallback(logger);
  const db = await openPostgresJobDatabase({
    url: config.databaseUrl, workerName, leaseSeconds: config.leaseSeconds, retryWindowMs: options.databaseRetryWindowMs,
    log: (level, message, fields) => log(level, message, fields),
  });
  logger.info({ database: db.jobs.description, worker: workerName, leaseSeconds: config.leaseSeconds }, 'job database: PostgreSQL (pg-boss queue)');
  return { ...db, description: db.jobs.description };
}

/**
 * Opens the store (PACS or embedded), loads the model once (only its manifest for role `api`), opens the job
 * database (the embedded SQLite, where jobs a crash left running are queued again, or PostgreSQL shared with other
 * processes), starts the job runner unless the role is `api`, and builds the job and cohort services, each given the
 * slice of config it needs.
 */
export async function openJobSystem(config: Config, logger: Logger, options: JobSystemOptions = {}): Promise<JobSystem> {
  const role = options.role ?? (config.apiOnly ? 'api' : 'all');
  if (role !== 'all' && config.databaseUrl === '') {
    throw new ChexgenError('INVALID_FIELD', `${role === 'api' ? 'an API-only server' : 'chexgen worker'} needs CHEXGEN_DATABASE_URL (a PostgreSQL job database shared with the ${role === 'api' ? 'workers' : 'API'})`, {
      field: 'CHEXGEN_DATABASE_URL',
    });
  }
  const log = logCallback(logger);
  const paths = dataPaths(config.dataDir);
  const store = await openStore(config, log);
  // An API-only server plans requests but runs none: the manifest is enough, the graphs (and their memory) stay with
  // the workers.
  const model = role === 'api' ? undefined : await loadModel(config, log);
  const description: ModelDescription = model ?? await describeModel(config);
  let storage: JobStorage | undefined;
  let runner: JobRunner | undefined;
  try {
    storage = await openJobStorage(config, logger, options);
    const { jobs: jobStore, events, previews } = storage;
    const metrics = new JobMetrics();
    if (model !== undefined) {
      runner = new JobRunner({
        store: jobStore, events, metrics, logger, concurrency: config.concurrency, maxAttempts: config.jobMaxAttempts,
        deliveryTimeoutMs: config.deliveryTimeoutSeconds * 1000, maxRetryDelayMs: options.maxRetryDelayMs, pollIntervalMs: options.pollIntervalMs,
        heartbeatIntervalMs: Math.max(500, (config.leaseSeconds * 1000) / 3),
        deps: { model, outbox: new Outbox(paths.outbox, { log }), sink: storeSink(store.store), previews, software: SOFTWARE },
      });
    }
    const segLimits = { maxMaskPixels: config.maxMaskPixels, maxMasks: config.maxMasks };
    const jobs = new JobService(jobStore, events, description, metrics, {
      maxQueuedJobs: config.maxQueuedJobs,
      previews,
      ...(runner !== undefined ? { runner } : {}),
      maskLimits: { maxMasks: config.maxMasks, maxMaskPixels: config.maxMaskPixels, maxMaskRuns: config.maxMaskRuns, maxRequestMaskPixels: config.maxRequestMaskPixels },
      readSegmentation: (studyUid, seriesUid, field) => readStudySegmentation(store.store, studyUid, seriesUid, field, segLimits),
    });
    const annotations = config.layoutsManifest === '' ? undefined : loadAnnotationLayouts(config.layoutsManifest, config.layoutsSplit);
    if (annotations !== undefined) logger.info({ manifest: config.layoutsManifest, rows: annotations.rows }, 'cohort layouts: annotations available');
    const cohorts = new CohortService(storage.cohorts, jobs, { templates: TEMPLATE_LAYOUTS, ...(annotations !== undefined ? { annotations } : {}) });
    await runner?.start();
    const purge = role !== 'worker' ? purgePeriodically([
      {
        what: 'SEG mask pixels', days: config.segMaskRetentionDays,
        run: (before) => jobStore.purgeSegMasks(before), counted: 'jobs',
      },
      {
        what: 'image previews', days: config.previewRetentionDays,
        run: (before) => previews.purge(before), counted: 'images',
      },
    ], logger) : undefined;
    let closing: Promise<void> | undefined;
    const [openRunner, openStorage] = [runner, storage];
    const exportOptions = { store: store.store, classes: jobs.modelClasses.maskLabels, segLimits };
    return {
      store, model: description, modelRunsOn: model?.runtime.executionProvider ?? 'chexgen worker processes',
      jobs, cohorts, role, database: storage.description, layouts: annotations !== undefined ? ['templates', 'annotations'] : ['templates'],
      exportDataset: (manifest) => exportCohortDataset(manifest, exportOptions),
      close: () => {
        closing ??= (async () => {
          clearInterval(purge);
          await openRunner?.stop();
          await model?.runtime.dispose();
          await openStorage.close();
        })();
        return closing;
      },
    };
  } catch (error) {
    await runner?.stop();
    await model?.runtime.dispose();
    await storage?.close();
    throw error;
  }
}

/** One kind of data kept for `days` only: `run` deletes what is older than `before` and says how many `counted` went. */
type Retention = { what: string; days: number; run: (before: Date) => Promise<number>; counted: string };

/**
 * Applies each retention now and every hour: SEG-derived mask pixels of jobs that ended more than their days ago (see
 * JobStore.purgeSegMasks), previews made more than theirs ago (PreviewStore.purge). A failure is logged and tried
 * again at the next round.
 */
function purgePeriodically(retentions: readonly Retention[], logger: Logger): NodeJS.Timeout {
  const purge = (): void => {
    for (const { what, days, run, counted } of retentions) {
      run(new Date(Date.now() - days * 24 * 3600 * 1000)).then((purged) => {
        if (purged > 0) logger.info({ [counted]: purged, retentionDays: days }, `purged ${what} past their retention`);
      }, (error: unknown) => {
        logger.warn({ err: error }, `could not purge ${what}; tried again in an hour`);
      });
    }
  };
  purge();
  return setInterval(purge, 3600 * 1000).unref();
}
