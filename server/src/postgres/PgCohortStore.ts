import { ChexgenError } from '../errors.js';
import { cohortOf, type CohortStore, type NewCohort, type NewSubjectJob, type SubjectState } from '../cohorts/CohortStore.js';
import type { Cohort, CohortRequest, CohortSubject } from '../cohorts/cohortTypes.js';
import type { QueueLimit } from '../jobs/JobStore.js';
import type { PgJobStore } from './PgJobStore.js';
import { forRequest } from './databaseErrors.js';
import { NOW, QUEUE_INSERT_LOCK, type PostgresDatabase } from './PostgresDatabase.js';

type CohortRow = { id: string; request: string; request_hash: string; idempotency_key: string | null; cancel_requested: boolean; created_at: Date; updated_at: Date };

/**
 * The {@link CohortStore} on PostgreSQL: a `chexgen.cohorts` row plus one job per subject (rows of `chexgen.jobs` and
 * their pg-boss jobs, written through PgJobStore), in one transaction, so a cohort is complete in the database, and
 * in the queue, before the API answers 202.
 */
export class PgCohortStore implements CohortStore {
  constructor(private readonly db: PostgresDatabase, private readonly jobs: PgJobStore) {}

  async insert(cohort: NewCohort, subjects: readonly NewSubjectJob[], limit: QueueLimit = {}): Promise<{ cohort: Cohort; created: boolean }> {
    const outcome = await forRequest(() => this.db.transaction(async (client) => {
      // the same lock as single inserts: the idempotency check and the queue room hold until commit
      await client.query('SELECT pg_advisory_xact_lock($1)', [QUEUE_INSERT_LOCK]);
      if (cohort.idempotencyKey !== null) {
        const { rows: [existing] } = await client.query<CohortRow>('SELECT * FROM chexgen.cohorts WHERE idempotency_key = $1', [cohort.idempotencyKey]);
        if (existing !== undefined) {
          if (existing.request_hash !== cohort.requestHash) {
            throw new ChexgenError('IDEMPOTENCY_CONFLICT', `idempotencyKey: the key was already used for cohort ${existing.id} with a different request`, {
              field: 'idempotencyKey', status: 422,
            });
          }
          return { id: existing.id, created: false };
        }
      }
      await client.query(
        `INSERT INTO chexgen.cohorts (id, request, request_hash, idempotency_key, created_at, updated_at) VALUES ($1, $2, $3, $4, ${NOW}, ${NOW})`,
        [cohort.id, JSON.stringify(cohort.request), cohort.requestHash, cohort.idempotencyKey],
      );
      await this.jobs.insertCohortJobsIn(
        client,
        cohort.id,
        subjects.map((s) => ({ id: s.jobId, request: s.request, requestHash: s.requestHash, progress: s.progress, subject: s.subject })),
        limit,
      );
      return { id: cohort.id, created: true };
    }));
    return { cohort: await this.require(outcome.id), created: outcome.created };
  }

  async findByIdempotencyKey(key: string): Promise<Cohort | undefined> {
    const { rows: [row] } = await forRequest(() => this.db.pool.query<{ id: string }>('SELECT id FROM chexgen.cohorts WHERE idempotency_key = $1', [key]));
    return row === undefined ? undefined : this.get(row.id);
  }

  async get(id: string): Promise<Cohort | undefined> {
    const { rows: [row] } = await forRequest(() => this.db.pool.query<CohortRow>('SELECT * FROM chexgen.cohorts WHERE id = $1', [id]));
    if (row === undefined) return undefined;
    return cohortOf({
      id: row.id, request: JSON.parse(row.request) as CohortRequest, cancelRequested: row.cancel_requested,
      idempotencyKey: row.idempotency_key, createdAt: row.created_at.toISOString(), updatedAt: row.updated_at.toISOString(),
    }, await this.jobs.countCohortJobsByStatus(id));
  }

  private async require(id: string): Promise<Cohort> {
    const cohort = await this.get(id);
    if (cohort === undefined) throw new ChexgenError('NOT_FOUND', `no cohort ${id}`, { field: 'id', status: 404 });
    return cohort;
  }

  async subjects(id: string): Promise<SubjectState[]> {
    return (await this.jobs.cohortJobs(id)).map((job) => ({ ...job, subject: job.subject as CohortSubject }));
  }

  async requestCancel(id: string): Promise<{ running: string[] }> {
    return forRequest(() => this.db.transaction(async (client) => {
      const { rowCount } = await client.query(`UPDATE chexgen.cohorts SET cancel_requested = true, updated_at = ${NOW} WHERE id = $1`, [id]);
      if (rowCount !== 1) throw new ChexgenError('NOT_FOUND', `no cohort ${id}`, { field: 'id', status: 404 });
      return this.jobs.cancelCohortJobsIn(client, id);
    }));
  }
}
