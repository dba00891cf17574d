import type Database from 'better-sqlite3';
import { ChexgenError } from '../errors.js';
import type { QueueLimit } from '../jobs/JobStore.js';
import type { SqliteJobStore } from '../jobs/SqliteJobStore.js';
import { cohortOf, type CohortStore, type NewCohort, type NewSubjectJob, type SubjectState } from './CohortStore.js';
import type { Cohort, CohortRequest, CohortSubject } from './cohortTypes.js';

type CohortRow = { id: string; request: string; request_hash: string; idempotency_key: string | null; cancel_requested: number; created_at: string; updated_at: string };

/** The cohort store's own table, in the job database's file. A cohort's subjects are rows of `jobs`, written by SqliteJobStore. */
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
 * The embedded {@link CohortStore}: a `cohorts` table (this store's) in jobs.sqlite, beside SqliteJobStore's `jobs`,
 * whose synchronous cohort methods it calls inside its own transactions, so a cohort and its subjects land together.
 */
export class SqliteCohortStore implements CohortStore {
  private readonly db: Database.Database;

  constructor(private readonly jobStore: SqliteJobStore, private readonly now: () => Date = () => new Date()) {
    this.db = jobStore.connection;
    this.db.exec(COHORTS);
  }

  async insert(cohort: NewCohort, subjects: readonly NewSubjectJob[], limit: QueueLimit = {}): Promise<{ cohort: Cohort; created: boolean }> {
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

  async findByIdempotencyKey(key: string): Promise<Cohort | undefined> {
    const row = this.db.prepare('SELECT id FROM cohorts WHERE idempotency_key = ?').get(key) as { id: string } | undefined;
    return row === undefined ? undefined : this.read(row.id);
  }

  async get(id: string): Promise<Cohort | undefined> {
    return this.read(id);
  }

  private read(id: string): Cohort | undefined {
    const row = this.db.prepare('SELECT * FROM cohorts WHERE id = ?').get(id) as CohortRow | undefined;
    if (row === undefined) return undefined;
    return cohortOf({
      id: row.id, request: JSON.parse(row.request) as CohortRequest, cancelRequested: row.cancel_requested !== 0,
      idempotencyKey: row.idempotency_key, createdAt: row.created_at, updatedAt: row.updated_at,
    }, this.jobStore.countCohortJobsByStatus(id));
  }

  private require(id: string): Cohort {
    const cohort = this.read(id);
    if (cohort === undefined) throw new ChexgenError('NOT_FOUND', `no cohort ${id}`, { field: 'id', status: 404 });
    return cohort;
  }

  async subjects(id: string): Promise<SubjectState[]> {
    return this.jobStore.cohortJobs(id).map((job) => ({ ...job, subject: job.subject as CohortSubject }));
  }

  async requestCancel(id: string): Promise<{ running: string[] }> {
    return this.db.transaction(() => {
      this.require(id);
      const at = this.now().toISOString();
      this.db.prepare('UPDATE cohorts SET cancel_requested = 1, updated_at = ? WHERE id = ?').run(at, id);
      return this.jobStore.cancelCohortJobs(id);
    })();
  }
}
