import type { Logger } from 'pino';
import { loadAnnotationLayouts } from '../cohorts/annotationLayouts.js';
import { CohortService } from '../cohorts/CohortService.js';
import type { CohortManifest } from '../cohorts/cohortManifest.js';
import { SqliteCohortStore } from '../cohorts/SqliteCohortStore.js';
import { TEMPLATE_LAYOUTS } from '../cohorts/layouts.js';
import type { Config } from '../config/loadConfig.js';
import { exportCohortDataset, type DatasetFile } from '../datasetExport/exportCohortDataset.js';
import { Outbox } from '../delivery/Outbox.js';
import { storeSink } from '../delivery/storeSink.js';
import { JobMetrics } from '../jobs/JobMetrics.js';
import { JobRunner } from '../jobs/JobRunner.js';
import { JobService } from '../jobs/JobService.js';
import { LocalJobEvents } from '../jobs/JobEvents.js';
import type { JobStore } from '../jobs/JobStore.js';
import { FilePreviewStore } from '../jobs/PreviewStore.js';
import { SqliteJobStore } from '../jobs/SqliteJobStore.js';
import { readStudySegmentation } from '../pacs/readStudySegmentation.js';
import type { LoadedModel } from '../synthesis/synthesize.js';
import { SOFTWARE } from '../version.js';
import { dataPaths } from './dataPaths.js';
import { loadModel } from './loadModel.js';
import { logCallback } from './logging.js';
import { openStore, type OpenedStore } from './openStore.js';

/** The running job machinery of one data dir: what `chexgen serve` puts behind HTTP and `chexgen cohort` drives directly. */
export type JobSystem = {
  /** Where studies go (the PACS or the embedded store), chosen once. */
  store: OpenedStore;
  model: LoadedModel;
  jobs: JobService;
  cohorts: CohortService;
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

/** Test and tuning knobs of the runner; production uses the defaults. */
export type JobSystemOptions = { maxRetryDelayMs?: number; pollIntervalMs?: number };

/**
 * Opens the store (PACS or embedded), loads the model once, opens `<dataDir>/jobs.sqlite` (jobs a crash left running
 * are queued again), starts the job runner and builds the job and cohort services, each given the slice of config it
 * needs. One per data dir: the database is locked to this process.
 */
export async function openJobSystem(config: Config, logger: Logger, options: JobSystemOptions = {}): Promise<JobSystem> {
  const log = logCallback(logger);
  const paths = dataPaths(config.dataDir);
  const store = await openStore(config, log);
  const model = await loadModel(config, log);
  let jobStore: SqliteJobStore | undefined;
  let runner: JobRunner | undefined;
  const events = new LocalJobEvents();
  try {
    jobStore = SqliteJobStore.open(paths.jobs);
    const previews = new FilePreviewStore(paths.previews);
    const metrics = new JobMetrics();
    runner = new JobRunner({
      store: jobStore, events, metrics, logger, concurrency: config.concurrency, maxAttempts: config.jobMaxAttempts,
      deliveryTimeoutMs: config.deliveryTimeoutSeconds * 1000, maxRetryDelayMs: options.maxRetryDelayMs, pollIntervalMs: options.pollIntervalMs,
      deps: { model, outbox: new Outbox(paths.outbox, { log }), sink: storeSink(store.store), previews, software: SOFTWARE },
    });
    const segLimits = { maxMaskPixels: config.maxMaskPixels, maxMasks: config.maxMasks };
    const jobs = new JobService(jobStore, events, model, metrics, {
      maxQueuedJobs: config.maxQueuedJobs,
      previews,
      runner,
      maskLimits: { maxMasks: config.maxMasks, maxMaskPixels: config.maxMaskPixels, maxMaskRuns: config.maxMaskRuns, maxRequestMaskPixels: config.maxRequestMaskPixels },
      readSegmentation: (studyUid, seriesUid, field) => readStudySegmentation(store.store, studyUid, seriesUid, field, segLimits),
    });
    const annotations = config.layoutsManifest === '' ? undefined : loadAnnotationLayouts(config.layoutsManifest, config.layoutsSplit);
    if (annotations !== undefined) logger.info({ manifest: config.layoutsManifest, rows: annotations.rows }, 'cohort layouts: annotations available');
    const cohorts = new CohortService(new SqliteCohortStore(jobStore), jobs, { templates: TEMPLATE_LAYOUTS, ...(annotations !== undefined ? { annotations } : {}) });
    await runner.start();
    const purge = purgeSegMasksPeriodically(jobStore, config.segMaskRetentionDays, logger);
    let closing: Promise<void> | undefined;
    const [openRunner, openJobStore] = [runner, jobStore];
    const exportOptions = { store: store.store, classes: jobs.modelClasses.maskLabels, segLimits };
    return {
      store, model, jobs, cohorts, layouts: annotations !== undefined ? ['templates', 'annotations'] : ['templates'],
      exportDataset: (manifest) => exportCohortDataset(manifest, exportOptions),
      close: () => {
        closing ??= (async () => {
          clearInterval(purge);
          await openRunner.stop();
          await model.runtime.dispose();
          await openJobStore.close();
          await events.close();
        })();
        return closing;
      },
    };
  } catch (error) {
    await runner?.stop();
    await model.runtime.dispose();
    await jobStore?.close();
    await events.close();
    throw error;
  }
}

/**
 * Purges SEG-derived mask pixels from jobs that ended more than `days` ago (see JobStore.purgeSegMasks), now and every
 * hour; a failure is logged and tried again at the next round.
 */
function purgeSegMasksPeriodically(store: JobStore, days: number, logger: Logger): NodeJS.Timeout {
  const purge = (): void => {
    store.purgeSegMasks(new Date(Date.now() - days * 24 * 3600 * 1000)).then((purged) => {
      if (purged > 0) logger.info({ jobs: purged, retentionDays: days }, 'purged SEG mask pixels past their retention from the job database');
    }, (error: unknown) => {
      logger.warn({ err: error }, 'could not purge SEG mask pixels; tried again in an hour');
    });
  };
  purge();
  return setInterval(purge, 3600 * 1000).unref();
}
