import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import Database from 'better-sqlite3';
import { ChexgenError } from '../errors.js';
import { cohortJobFromColumns, jobFromColumns, type CohortJobColumns, type JobColumns } from './jobColumns.js';
import { encodeJobRequest, purgedRequest } from './jobRequestCodec.js';
import {
  countsByStatus, interruptedError, queueFull,
  type CohortJob, type JobStore, type LeaseState, type NewCohortJob, type NewJob, type QueueLimit, type Recovered,
} from './JobStore.js';
import type { Job, JobError, JobProgress, JobResult, JobStatus } from './jobTypes.js';

/** The schema, version 1. `user_version` tells later versions what to migrate. */
const SCHEMA = `
CREATE TABLE IF NOT EXISTS jobs (
  id               TEXT PRIMARY KEY,
  kind             TEXT NOT NULL CHECK (kind IN ('synthesis')),
  request          TEXT NOT NULL,
  request_hash     TEXT NOT NULL,
  status           TEXT NOT NULL CHECK (status IN ('queued', 'running', 'succeeded', 'failed', 'canceled')),
  progress         TEXT NOT NULL,
  results          TEXT NOT NULL DEFAULT '[]',
  error            TEXT,
  idempotency_key  TEXT UNIQUE,
  cancel_requested INTEGER NOT NULL DEFAULT 0,
  attempts         INTEGER NOT NULL DEFAULT 0,
  created_at       TEXT NOT NULL,
  updated_at       TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS jobs_by_status ON jobs (status);
`;

/**
 * Version 2: a job may belong to a cohort: `cohort_id` names it and `subject` holds the cohort's planned subject as
 * JSON, opaque here. The `cohorts` table itself is the cohort store's (server/src/cohorts/CohortStore.ts); databases
 * made before this split declare `cohort_id` as referencing it, which changes nothing (SQLite's foreign keys are off).
 */
const COHORT_COLUMNS = `
ALTER TABLE jobs ADD COLUMN cohort_id TEXT;
ALTER TABLE jobs ADD COLUMN subject TEXT;
CREATE INDEX jobs_by_cohort ON jobs (cohort_id);
`;

type Row = JobColumns<number, string>;

const toJob = (row: Row): Job => jobFromColumns(row, row.cancel_requested !== 0, row.created_at, row.updated_at);

/**
 * The embedded {@link JobStore}: one SQLite file (better-sqlite3, WAL, synchronous=FULL, so a job is on disk before
 * the API answers 202), locked exclusively by the one process that has it open, which also runs its jobs: there is
 * no other worker, so a claimed job is held until this process ends, and `recoverInterrupted` requeues at the next
 * start what a crash left running. Every state change is one statement or one transaction. The work is synchronous
 * (better-sqlite3), which makes check-then-insert free of races in-process; the contract's promises resolve at once.
 */
export class SqliteJobStore implements JobStore {
  private readonly db: Database.Database;

  private constructor(private readonly path: string, private readonly now: () => Date) {
    mkdirSync(dirname(path), { recursive: true });
    this.db = new Database(path);
    try {
      this.db.pragma('busy_timeout = 2000');
      // One server per data dir: the first write takes an exclusive lock held until close (released by the OS
      // if the process dies), so a second server on the same folder cannot requeue jobs the first one runs.
      this.db.pragma('locking_mode = EXCLUSIVE');
      this.db.pragma('journal_mode = WAL');
      this.db.pragma('synchronous = FULL');
      this.migrate();
    } catch (error) {
      this.db.close();
      if ((error as { code?: string }).code === 'SQLITE_BUSY') {
        throw new ChexgenError('UNAVAILABLE', `${path} is in use by another chexgen server: run one server per CHEXGEN_DATA_DIR`, {
          field: 'CHEXGEN_DATA_DIR', cause: error,
        });
      }
      throw error;
    }
  }

  /** Creates the schema or brings an older database up to the current version, in one transaction. */
  private migrate(): void {
    this.db.transaction(() => {
      const version = this.db.pragma('user_version', { simple: true }) as number;
      this.db.exec(SCHEMA);
      const columns = (this.db.prepare('PRAGMA table_info(jobs)').all() as { name: string }[]).map((c) => c.name);
      if (!columns.includes('cohort_id')) this.db.exec(COHORT_COLUMNS);
      if (version < 2) this.db.pragma('user_version = 2');
    })();
  }

  /**
   * The open database, for the cohort store that keeps its own table in the same file (server/src/cohorts), so a
   * cohort and its subjects' jobs go in one transaction. The `jobs` table is written through this class only.
   */
  get connection(): Database.Database {
    return this.db;
  }

  get description(): string {
    return `SQLite ${this.path}`;
  }

  /** Opens (creating if needed) the database at `path`, e.g. `<dataDir>/jobs.sqlite`. */
  static open(path: string, options: { now?: () => Date } = {}): SqliteJobStore {
    return new SqliteJobStore(path, options.now ?? (() => new Date()));
  }

  async close(): Promise<void> {
    if (this.db.open) this.db.close();
  }

  private stamp(): string {
    return this.now().toISOString();
  }

  async insert(job: NewJob, limit: QueueLimit = {}): Promise<{ job: Job; created: boolean }> {
    return this.db.transaction(() => {
      if (job.idempotencyKey !== null) {
        const existing = this.db.prepare('SELECT * FROM jobs WHERE idempotency_key = ?').get(job.idempotencyKey) as Row | undefined;
        if (existing !== undefined) {
          if (existing.request_hash !== job.requestHash) {
            throw new ChexgenError('IDEMPOTENCY_CONFLICT', `idempotencyKey: the key was already used for job ${existing.id} with a different request`, {
              field: 'idempotencyKey', status: 422,
            });
          }
          return { job: toJob(existing), created: false };
        }
      }
      this.checkQueueRoom(1, limit);
      const at = this.stamp();
      this.db
        .prepare(`INSERT INTO jobs (id, kind, request, request_hash, status, progress, idempotency_key, created_at, updated_at)
                  VALUES (?, 'synthesis', ?, ?, 'queued', ?, ?, ?, ?)`)
        .run(job.id, encodeJobRequest(job.request), job.requestHash, JSON.stringify(job.progress), job.idempotencyKey, at, at);
      return { job: this.require(job.id), created: true };
    })();
  }

  async reserveQueueRoom(jobs: number, limit: QueueLimit): Promise<void> {
    this.checkQueueRoom(jobs, limit);
  }

  /**
   * Throws UNAVAILABLE (503) when `jobs` more queued jobs would pass `limit.maxQueuedJobs`. Called inside the
   * transaction that inserts them: checking before an await and inserting after it let parallel cohorts all pass.
   */
  private checkQueueRoom(jobs: number, limit: QueueLimit): void {
    if (limit.maxQueuedJobs === undefined) return;
    const { n: queued } = this.db.prepare(`SELECT COUNT(*) AS n FROM jobs WHERE status = 'queued'`).get() as { n: number };
    if (queued + jobs > limit.maxQueuedJobs) throw queueFull(queued, jobs, limit.maxQueuedJobs);
  }

  /**
   * Inserts the queued jobs of cohort `cohortId` (after room for all of them in the queue is checked, in the same
   * transaction). The SQLite cohort store calls it inside the transaction that writes the cohort, so both land
   * together; it is synchronous for that reason.
   */
  insertCohortJobs(cohortId: string, jobs: readonly NewCohortJob[], limit: QueueLimit = {}): void {
    this.db.transaction(() => {
      this.checkQueueRoom(jobs.length, limit);
      const at = this.stamp();
      const insert = this.db.prepare(`INSERT INTO jobs (id, kind, request, request_hash, status, progress, cohort_id, subject, created_at, updated_at)
                                      VALUES (?, 'synthesis', ?, ?, 'queued', ?, ?, ?, ?, ?)`);
      for (const job of jobs) {
        insert.run(job.id, encodeJobRequest(job.request), job.requestHash, JSON.stringify(job.progress), cohortId, JSON.stringify(job.subject), at, at);
      }
    })();
  }

  /** Every job of a cohort with its subject and state, in the order they were inserted. */
  cohortJobs(cohortId: string): CohortJob[] {
    const rows = this.db
      .prepare('SELECT id, subject, request, status, results, error FROM jobs WHERE cohort_id = ? ORDER BY rowid')
      .all(cohortId) as CohortJobColumns[];
    return rows.map(cohortJobFromColumns);
  }

  /** Number of a cohort's jobs per status (every status present, 0 when none). */
  countCohortJobsByStatus(cohortId: string): Record<JobStatus, number> {
    return countsByStatus(this.db.prepare('SELECT status, COUNT(*) AS n FROM jobs WHERE cohort_id = ? GROUP BY status').all(cohortId) as { status: JobStatus; n: number }[]);
  }

  /** Cancels a cohort's queued jobs at once; returns the ids of those running (their runner stops them between steps). */
  cancelCohortJobs(cohortId: string): { running: string[] } {
    return this.db.transaction(() => {
      this.db.prepare(`UPDATE jobs SET status = 'canceled', updated_at = ? WHERE cohort_id = ? AND status = 'queued'`).run(this.stamp(), cohortId);
      const running = this.db.prepare(`SELECT id FROM jobs WHERE cohort_id = ? AND status = 'running'`).all(cohortId) as { id: string }[];
      return { running: running.map((r) => r.id) };
    })();
  }

  async get(id: string): Promise<Job | undefined> {
    return this.read(id);
  }

  private read(id: string): Job | undefined {
    const row = this.db.prepare('SELECT * FROM jobs WHERE id = ?').get(id) as Row | undefined;
    return row === undefined ? undefined : toJob(row);
  }

  async findByIdempotencyKey(key: string): Promise<Job | undefined> {
    const row = this.db.prepare('SELECT * FROM jobs WHERE idempotency_key = ?').get(key) as Row | undefined;
    return row === undefined ? undefined : toJob(row);
  }

  private require(id: string): Job {
    const job = this.read(id);
    if (job === undefined) throw new ChexgenError('NOT_FOUND', `no job ${id}`, { field: 'id', status: 404 });
    return job;
  }

  /**
   * The oldest queued job, now `running` with one more attempt; undefined when none waits. Single requests go
   * before cohort subjects, so a person in the viewer does not wait behind a 1,000-subject cohort. (Jobs left running
   * by a crash are handled once, at start, by {@link recoverInterrupted}: `rules` has nothing to do here.)
   */
  async claimNext(): Promise<Job | undefined> {
    const row = this.db
      .prepare(`UPDATE jobs SET status = 'running', attempts = attempts + 1, updated_at = ?
                WHERE id = (SELECT id FROM jobs WHERE status = 'queued' ORDER BY cohort_id IS NOT NULL, rowid LIMIT 1) RETURNING *`)
      .get(this.stamp()) as Row | undefined;
    return row === undefined ? undefined : toJob(row);
  }

  async recoverInterrupted(maxAttempts: number): Promise<Recovered> {
    return this.db.transaction(() => {
      const rows = this.db.prepare(`SELECT id, attempts, cancel_requested FROM jobs WHERE status = 'running'`).all() as Row[];
      const out: Recovered = { requeued: [], canceled: [], failed: [] };
      for (const row of rows) {
        if (row.cancel_requested !== 0) {
          this.end(row.id, 'canceled');
          out.canceled.push(row.id);
        } else if (row.attempts >= maxAttempts) {
          this.end(row.id, 'failed', interruptedError(row.attempts));
          out.failed.push(row.id);
        } else {
          this.putBack(row.id);
          out.requeued.push(row.id);
        }
      }
      return out;
    })();
  }

  /** The only process on this file holds every job it claimed; the lease is never lost. */
  async renewLease(id: string): Promise<LeaseState> {
    const row = this.db.prepare('SELECT cancel_requested FROM jobs WHERE id = ?').get(id) as { cancel_requested: number } | undefined;
    return { held: row !== undefined, cancelRequested: row?.cancel_requested === 1 };
  }

  async requeue(id: string): Promise<void> {
    this.putBack(id);
  }

  private putBack(id: string): void {
    this.db.prepare(`UPDATE jobs SET status = 'queued', updated_at = ? WHERE id = ? AND status = 'running'`).run(this.stamp(), id);
  }

  async updateProgress(id: string, progress: JobProgress): Promise<void> {
    this.db.prepare('UPDATE jobs SET progress = ?, updated_at = ? WHERE id = ?').run(JSON.stringify(progress), this.stamp(), id);
  }

  async saveResult(id: string, result: JobResult): Promise<Job> {
    return this.db.transaction(() => {
      const job = this.require(id);
      const results = [...job.results.filter((r) => r.index !== result.index), result].sort((a, b) => a.index - b.index);
      this.db.prepare('UPDATE jobs SET results = ?, updated_at = ? WHERE id = ?').run(JSON.stringify(results), this.stamp(), id);
      return { ...job, results };
    })();
  }

  async finish(id: string, status: 'succeeded' | 'failed' | 'canceled', error: JobError | null = null, progress?: JobProgress): Promise<boolean> {
    return this.end(id, status, error, progress);
  }

  private end(id: string, status: 'succeeded' | 'failed' | 'canceled', error: JobError | null = null, progress?: JobProgress): boolean {
    const info = this.db
      .prepare(`UPDATE jobs SET status = ?, error = ?, progress = COALESCE(?, progress), updated_at = ?
                WHERE id = ? AND status IN ('queued', 'running')`)
      .run(status, error === null ? null : JSON.stringify(error), progress === undefined ? null : JSON.stringify(progress), this.stamp(), id);
    return info.changes === 1;
  }

  async requestCancel(id: string): Promise<'canceled' | 'flagged' | 'final'> {
    return this.db.transaction(() => {
      const job = this.require(id);
      if (job.status === 'queued') {
        this.end(id, 'canceled');
        return 'canceled' as const;
      }
      if (job.status === 'running') {
        this.db.prepare('UPDATE jobs SET cancel_requested = 1, updated_at = ? WHERE id = ?').run(this.stamp(), id);
        return 'flagged' as const;
      }
      return 'final' as const;
    })();
  }

  async purgeSegMasks(before: Date): Promise<number> {
    return this.db.transaction(() => {
      const rows = this.db
        .prepare(`SELECT id, request FROM jobs WHERE status IN ('succeeded', 'failed', 'canceled') AND updated_at < ? AND instr(request, '"source":"seg"') > 0`)
        .all(before.toISOString()) as { id: string; request: string }[];
      let changed = 0;
      for (const row of rows) {
        const purged = purgedRequest(row.request);
        if (purged === undefined) continue;
        // updated_at is left alone: the job did not change, only what is kept of its input
        this.db.prepare('UPDATE jobs SET request = ? WHERE id = ?').run(purged, row.id);
        changed++;
      }
      return changed;
    })();
  }

  async countByStatus(): Promise<Record<JobStatus, number>> {
    return countsByStatus(this.db.prepare('SELECT status, COUNT(*) AS n FROM jobs GROUP BY status').all() as { status: JobStatus; n: number }[]);
  }

  async ping(): Promise<boolean> {
    return (this.db.prepare('SELECT 1 AS ok').get() as { ok: number }).ok === 1;
  }
}
