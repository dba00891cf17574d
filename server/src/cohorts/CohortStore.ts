import type Database from 'better-sqlite3';
import { ChexgenError } from '../errors.js';
import type { CohortJob, JobStore, QueueLimit } from '../jobs/JobStore.js';
import type { JobProgress, JobStatus, SynthesisJobRequest } from '../jobs/jobTypes.js';
import type { Cohort, CohortProgress, CohortRequest, CohortSubject } from './cohortTypes.js';

/** A subject's job as inserted with its cohort. */
export type NewSubjectJob = { jobId: string; request: SynthesisJobRequest; requestHash: string; subject: CohortSubject; progress: JobProgress };

/** A subject with the state of its job, for progress and manifests. */
export type SubjectState = Omit<CohortJob, 'subject'> & { subject: CohortSubject };

type CohortRow = { id: string; request: string; request_hash: string; idempotency_key: string | null; cancel_requested: number; created_at: string; updated_at: string };

/** The cohort store's own table, in the job database's file. A cohort's subjects are rows of `jobs`, written by JobStore. */
const COHORTS = `
CREATE TABLE IF NOT EXISTS cohorts (
  id               TEXT PRIMARY KEY,
  request          TEXT NOT NULL,
  request_hash     TEXT NOT NULL,
  idempotency_key  TEXT UNIQUE,
  cancel_requested INTEGER NOT NULL DEFAULT 0,
  created_at       TEXT NOT NULL,
  updated_at       TEXT NOT NULL
);
`;

/**
 * Cohorts in the job database: a `cohorts` row (this store's table) plus one ordinary synthesis job per subject
 * (JobStore's `jobs` table, written through JobStore), in one transaction, so an accepted cohort is complete on disk
 * before the API answers 202 and the ordinary job runner (crash recovery, outbox, exactly-once UIDs) makes its images.
 */
export class CohortStore {
  private readonly db: Database.Database;

  constructor(private readonly jobStore: JobStore, private readonly now: () => Date = () => new Date()) {
    this.db = jobStore.connection;
    this.db.exec(COHORTS);
  }

  /**
   * Inserts a cohort and its subjects' jobs, or returns the cohort that already holds `idempotencyKey`
   * (`created: false`); the same key with another request is IDEMPOTENCY_CONFLICT. Room for every subject in the
   * queue (`limit`) is checked in the same transaction, so parallel submissions cannot overfill it.
   */
  insert(cohort: { id: string; request: CohortRequest; requestHash: string; idempotencyKey: string | null }, subjects: readonly NewSubjectJob[], limit: QueueLimit = {}): { cohort: Cohort; created: boolean } {
    return this.db.transaction(() => {
      if (cohort.idempotencyKey !== null) {
        const existing = this.db.prepare('SELECT * FROM cohorts WHERE idempotency_key = ?').get(cohort.idempotencyKey) as CohortRow | undefined;
        if (existing !== undefined) {
          if (existing.request_hash !== cohort.requestHash) {
            throw new ChexgenError('IDEMPOTENCY_CONFLICT', `idempotencyKey: the key was already used for cohort ${existing.id} with a different request`, {
              field: 'idempotencyKey', status: 422,
            });
          }
          return { cohort: this.require(existing.id), created: false };
        }
      }
      const at = this.now().toISOString();
      this.db
        .prepare('INSERT INTO cohorts (id, request, request_hash, idempotency_key, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?)')
        .run(cohort.id, JSON.stringify(cohort.request), cohort.requestHash, cohort.idempotencyKey, at, at);
      this.jobStore.insertCohortJobs(
        cohort.id,
        subjects.map((s) => ({ id: s.jobId, request: s.request, requestHash: s.requestHash, progress: s.progress, subject: s.subject })),
        limit,
      );
      return { cohort: this.require(cohort.id), created: true };
    })();
  }

  findByIdempotencyKey(key: string): Cohort | undefined {
    const row = this.db.prepare('SELECT id FROM cohorts WHERE idempotency_key = ?').get(key) as { id: string } | undefined;
    return row === undefined ? undefined : this.get(row.id);
  }

  get(id: string): Cohort | undefined {
    const row = this.db.prepare('SELECT * FROM cohorts WHERE id = ?').get(id) as CohortRow | undefined;
    if (row === undefined) return undefined;
    const counts = this.jobStore.countCohortJobsByStatus(id);
    const request = JSON.parse(row.request) as CohortRequest;
    const by = (status: JobStatus) => counts[status];
    const progress: CohortProgress = {
      done: by('succeeded'), failed: by('failed'), canceled: by('canceled'), total: request.size,
      fraction: request.size === 0 ? 1 : (by('succeeded') + by('failed') + by('canceled')) / request.size,
    };
    return {
      id: row.id, request, status: cohortStatus(progress, by('running'), row.cancel_requested !== 0), progress,
      cancelRequested: row.cancel_requested !== 0, idempotencyKey: row.idempotency_key, createdAt: row.created_at, updatedAt: row.updated_at,
    };
  }

  private require(id: string): Cohort {
    const cohort = this.get(id);
    if (cohort === undefined) throw new ChexgenError('NOT_FOUND', `no cohort ${id}`, { field: 'id', status: 404 });
    return cohort;
  }

  /** Every subject of a cohort with its job's state, in subject order. */
  subjects(id: string): SubjectState[] {
    return this.jobStore.cohortJobs(id).map((job) => ({ ...job, subject: job.subject as CohortSubject }));
  }

  /**
   * Marks a cohort canceled and cancels its queued subjects at once; returns the ids of subjects still running (the
   * caller asks the runner to stop them between steps).
   */
  requestCancel(id: string): { running: string[] } {
    return this.db.transaction(() => {
      this.require(id);
      const at = this.now().toISOString();
      this.db.prepare('UPDATE cohorts SET cancel_requested = 1, updated_at = ? WHERE id = ?').run(at, id);
      return this.jobStore.cancelCohortJobs(id);
    })();
  }
}

/**
 * A cohort's status from its subjects: queued until one starts; running until all have ended; then canceled when a
 * cancel was asked for, succeeded when at least one image was made (failures are counted in the progress), failed
 * when none was.
 */
export function cohortStatus(progress: CohortProgress, running: number, cancelRequested: boolean): JobStatus {
  const ended = progress.done + progress.failed + progress.canceled;
  if (ended < progress.total) return ended === 0 && running === 0 ? 'queued' : 'running';
  if (cancelRequested || progress.canceled === progress.total) return 'canceled';
  return progress.done > 0 ? 'succeeded' : 'failed';
}
