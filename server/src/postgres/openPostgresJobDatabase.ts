import type { CohortStore } from '../cohorts/CohortStore.js';
import type { JobEvents } from '../jobs/JobEvents.js';
import type { JobStore } from '../jobs/JobStore.js';
import type { PreviewStore } from '../jobs/PreviewStore.js';
import { PgCohortStore } from './PgCohortStore.js';
import { PgJobEvents } from './PgJobEvents.js';
import { PgJobStore } from './PgJobStore.js';
import { PgPreviewStore } from './PgPreviewStore.js';
import { PostgresDatabase } from './PostgresDatabase.js';

/** The slice of config the PostgreSQL job database is opened with. */
export type PostgresJobDatabaseSettings = {
  /** CHEXGEN_DATABASE_URL. */
  url: string;
  /** CHEXGEN_WORKER_NAME, or `<host>:<pid>`. */
  workerName: string;
  /** CHEXGEN_LEASE_S. */
  leaseSeconds: number;
  /** How long a running job's writes retry while the database is away (default 120 s). */
  retryWindowMs?: number;
  log?: (level: 'info' | 'warn', message: string, fields?: Record<string, unknown>) => void;
};

/** The job machinery's storage on PostgreSQL: what openJobSystem puts in place of the embedded SQLite pieces. */
export type PostgresJobDatabase = {
  jobs: JobStore;
  cohorts: CohortStore;
  events: JobEvents;
  previews: PreviewStore;
  /** Closes the event connection, pg-boss and the pool. */
  close(): Promise<void>;
};

/** Connects to the job database, creates or checks its schema and pg-boss's, and starts listening for job signals. */
export async function openPostgresJobDatabase(settings: PostgresJobDatabaseSettings): Promise<PostgresJobDatabase> {
  const db = await PostgresDatabase.open(settings.url, {
    leaseSeconds: settings.leaseSeconds,
    onBackgroundError: (error) => settings.log?.('warn', 'job database: a background task failed (pg-boss maintenance or an idle connection)', { err: error }),
  });
  try {
    const jobs = new PgJobStore(db, { workerName: settings.workerName, retryWindowMs: settings.retryWindowMs });
    const events = await PgJobEvents.open(settings.url, { pool: db.pool, readJob: (id) => jobs.get(id), log: settings.log });
    let closing: Promise<void> | undefined;
    return {
      jobs,
      cohorts: new PgCohortStore(db, jobs),
      events,
      previews: new PgPreviewStore(db, settings.retryWindowMs),
      close: () => {
        closing ??= (async () => {
          await events.close();
          await db.close();
        })();
        return closing;
      },
    };
  } catch (error) {
    await db.close();
    throw error;
  }
}
