import pg from 'pg';
import PgBoss from 'pg-boss';
import { describeDatabaseUrl } from './databaseErrors.js';

/** The pg-boss queue every synthesis job is sent to: one pg-boss job per chexgen job, with the same id. */
export const QUEUE = 'chexgen-synthesis';

/** pg-boss's own schema (its tables: job, archive, queue, version, ...). */
export const BOSS_SCHEMA = 'pgboss';

/** Advisory lock keys: schema migration (a session lock), and queue inserts (a transaction lock, see PgJobStore). */
export const MIGRATION_LOCK = 1_500_150_001;
export const QUEUE_INSERT_LOCK = 1_500_150_002;

/** A row's time stamps: the database's clock (all processes agree), to the millisecond (what a JS Date holds). */
export const NOW = `date_trunc('milliseconds', now())`;

/**
 * The tables of chexgen in schema `chexgen`, beside pg-boss's in `pgboss`. `jobs` is the job row the API reads (the
 * same fields as the SQLite table, plus who holds a running job: `worker`, `lease_token`, `heartbeat_at`); `seq`
 * keeps insertion order (a cohort's subjects). `previews` holds the 8-bit previews, which the API serves (and purges
 * after CHEXGEN_PREVIEW_RETENTION_DAYS, by `made_at`) and a worker on another machine makes.
 */
const SCHEMA = `
CREATE SCHEMA IF NOT EXISTS chexgen;
CREATE TABLE IF NOT EXISTS chexgen.jobs (
  seq              bigserial NOT NULL UNIQUE,
  id               text PRIMARY KEY,
  kind             text NOT NULL CHECK (kind IN ('synthesis')),
  request          text NOT NULL,
  request_hash     text NOT NULL,
  status           text NOT NULL CHECK (status IN ('queued', 'running', 'succeeded', 'failed', 'canceled')),
  progress         text NOT NULL,
  results          text NOT NULL DEFAULT '[]',
  error            text,
  idempotency_key  text UNIQUE,
  cancel_requested boolean NOT NULL DEFAULT false,
  attempts         integer NOT NULL DEFAULT 0,
  cohort_id        text,
  subject          text,
  worker           text,
  lease_token      text,
  heartbeat_at     timestamptz,
  created_at       timestamptz NOT NULL,
  updated_at       timestamptz NOT NULL
);
CREATE INDEX IF NOT EXISTS jobs_by_status ON chexgen.jobs (status);
CREATE INDEX IF NOT EXISTS jobs_by_cohort ON chexgen.jobs (cohort_id, seq);
CREATE TABLE IF NOT EXISTS chexgen.cohorts (
  id               text PRIMARY KEY,
  request          text NOT NULL,
  request_hash     text NOT NULL,
  idempotency_key  text UNIQUE,
  cancel_requested boolean NOT NULL DEFAULT false,
  created_at       timestamptz NOT NULL,
  updated_at       timestamptz NOT NULL
);
CREATE TABLE IF NOT EXISTS chexgen.previews (
  job_id  text NOT NULL,
  image   integer NOT NULL,
  png     bytea NOT NULL,
  PRIMARY KEY (job_id, image)
);
-- Added after the first release: databases made before it get the column, their previews dated at the upgrade.
ALTER TABLE chexgen.previews ADD COLUMN IF NOT EXISTS made_at timestamptz NOT NULL DEFAULT now();
CREATE INDEX IF NOT EXISTS previews_made_at ON chexgen.previews (made_at);
`;

/** What the database needs to know about its process. */
export type PostgresDatabaseOptions = {
  /** Seconds a claimed job's pg-boss lease lasts without a heartbeat (CHEXGEN_LEASE_S). */
  leaseSeconds: number;
  /** Largest number of connections of this process (default 10). */
  maxConnections?: number;
  /** pg-boss and pool errors that have no caller to go to (maintenance while the database is away). */
  onBackgroundError?: (error: unknown) => void;
};

/**
 * One process's connection to the job database: a pg pool (node-postgres), the `chexgen` schema (created or checked at
 * open, under an advisory lock, so many processes may start at once) and pg-boss on the same pool, with its
 * maintenance (`supervise`) on: every process takes part, pg-boss makes one of them do it per interval. The
 * maintenance is what expires the pg-boss job of a worker that stopped renewing its lease, so another worker gets it;
 * its interval is a third of the lease.
 */
export class PostgresDatabase {
  private closed = false;

  private constructor(readonly pool: pg.Pool, readonly boss: PgBoss, readonly description: string, readonly leaseSeconds: number) {}

  static async open(url: string, options: PostgresDatabaseOptions): Promise<PostgresDatabase> {
    const onError = options.onBackgroundError ?? (() => undefined);
    const pool = new pg.Pool({ connectionString: url, max: options.maxConnections ?? 10, connectionTimeoutMillis: 5000, idleTimeoutMillis: 10_000, application_name: 'chexgen' });
    // an idle connection the server dropped (a restart): the pool replaces it; without this handler the process ends
    pool.on('error', onError);
    const boss = new PgBoss({
      db: { executeSql: (text, values) => pool.query(text, values) },
      schema: BOSS_SCHEMA,
      supervise: true,
      maintenanceIntervalSeconds: Math.max(1, Math.floor(options.leaseSeconds / 3)),
      schedule: false,
      migrate: true,
    });
    boss.on('error', onError);
    try {
      await migrate(pool);
      await boss.start();
      await boss.createQueue(QUEUE, { name: QUEUE, policy: 'standard' });
    } catch (error) {
      await boss.stop({ graceful: false, wait: true, close: false }).catch(() => undefined);
      await pool.end().catch(() => undefined);
      throw error;
    }
    return new PostgresDatabase(pool, boss, describeDatabaseUrl(url), options.leaseSeconds);
  }

  /** pg-boss's connection interface over one client: its statements then run in that client's transaction. */
  static bossDb(client: pg.PoolClient): PgBoss.Db {
    return { executeSql: (text, values) => client.query(text, values) };
  }

  /** Runs `work` in one transaction on one connection: COMMIT when it resolves, ROLLBACK when it throws. */
  async transaction<T>(work: (client: pg.PoolClient) => Promise<T>): Promise<T> {
    const client = await this.pool.connect();
    let broken = false;
    try {
      await client.query('BEGIN');
      const result = await work(client);
      await client.query('COMMIT');
      return result;
    } catch (error) {
      await client.query('ROLLBACK').catch(() => {
        broken = true;
      });
      throw error;
    } finally {
      client.release(broken);
    }
  }

  /** Stops pg-boss's maintenance and closes the pool. Safe to call twice. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.boss.stop({ graceful: false, wait: true, close: false }).catch(() => undefined);
    await this.pool.end().catch(() => undefined);
  }
}

/** Creates the `chexgen` schema if needed, one process at a time (a session advisory lock). */
async function migrate(pool: pg.Pool): Promise<void> {
  const client = await pool.connect();
  try {
    await client.query('SELECT pg_advisory_lock($1)', [MIGRATION_LOCK]);
    try {
      await client.query(SCHEMA);
    } finally {
      await client.query('SELECT pg_advisory_unlock($1)', [MIGRATION_LOCK]);
    }
  } finally {
    client.release();
  }
}
