import { randomUUID } from 'node:crypto';
import type pg from 'pg';
import { ChexgenError } from '../errors.js';
import { cohortJobFromColumns, jobFromColumns, type CohortJobColumns, type JobColumns } from '../jobs/jobColumns.js';
import { encodeJobRequest, purgedRequest } from '../jobs/jobRequestCodec.js';
import {
  countsByStatus, interruptedError, LeaseLostError, queueFull,
  type ClaimRules, type CohortJob, type JobStore, type LeaseState, type NewCohortJob, type NewJob, type QueueLimit, type Recovered,
} from '../jobs/JobStore.js';
import { isFinal, type Job, type JobError, type JobProgress, type JobResult, type JobStatus } from '../jobs/jobTypes.js';
import { forJob, forRequest } from './databaseErrors.js';
import { BOSS_SCHEMA, NOW, PostgresDatabase, QUEUE, QUEUE_INSERT_LOCK } from './PostgresDatabase.js';

type Row = JobColumns<boolean, Date>;

const toJob = (row: Row): Job =>
  jobFromColumns(row, row.cancel_requested, row.created_at.toISOString(), row.updated_at.toISOString());

/** pg-boss priorities: single requests (the viewer) before cohort subjects. */
const PRIORITY_SINGLE = 1;
const PRIORITY_COHORT = 0;

/**
 * How often pg-boss may hand a job out again after it failed or expired. chexgen decides itself when a job is given
 * up (CHEXGEN_JOB_MAX_ATTEMPTS, checked at claim), so pg-boss's own limit is only a backstop against a loop.
 */
const BOSS_RETRY_LIMIT = 1000;

/** Settings of a {@link PgJobStore}. */
export type PgJobStoreOptions = {
  /** How this process names itself as the holder of its jobs (CHEXGEN_WORKER_NAME, or host:pid). */
  workerName: string;
  /**
   * How long the writes of a running job retry while the database does not answer (default 120 s): a database
   * restart pauses the job instead of ending it.
   */
  retryWindowMs?: number;
};

/**
 * The {@link JobStore} on PostgreSQL, shared by the API and any number of workers. The job row (`chexgen.jobs`) is
 * what the API reads; the queue is pg-boss (`pgboss.job`, queue `chexgen-synthesis`): each job is sent to it in the
 * transaction that inserts the row, and a worker claims one with pg-boss's `fetch` (`FOR UPDATE SKIP LOCKED`, single
 * requests first) in the transaction that marks the row running with a fresh lease token. The pg-boss job's
 * expiration is the lease: a heartbeat ({@link renewLease}) pushes it forward; a worker that dies stops renewing, pg-boss's
 * maintenance expires the job and puts it back in the queue, and the next claim takes it over (or fails it with
 * INTERRUPTED once it has been started CHEXGEN_JOB_MAX_ATTEMPTS times). Every write of a run names the lease token,
 * so a worker that lost its job (it stalled past the lease) cannot write over the new holder: {@link LeaseLostError}.
 * Ending a job completes its pg-boss job in the same transaction.
 */
export class PgJobStore implements JobStore {
  /** Lease tokens of the jobs this process holds. */
  private readonly held = new Map<string, string>();
  private readonly retryWindowMs: number;

  constructor(private readonly db: PostgresDatabase, private readonly options: PgJobStoreOptions) {
    this.retryWindowMs = options.retryWindowMs ?? 120_000;
  }

  get description(): string {
    return this.db.description;
  }

  private get boss() {
    return this.db.boss;
  }

  /** A connection failure of a held job's write is retried for the window; other errors pass. */
  private forJob<T>(operation: () => Promise<T>): Promise<T> {
    return forJob(operation, this.retryWindowMs);
  }

  private bossJob(id: string, priority: number) {
    return { id, priority, expireInSeconds: this.db.leaseSeconds, retryLimit: BOSS_RETRY_LIMIT, retryDelay: 0, retryBackoff: false };
  }

  async insert(job: NewJob, limit: QueueLimit = {}): Promise<{ job: Job; created: boolean }> {
    return forRequest(() => this.db.transaction(async (client) => {
      // one insert at a time: the queue count and the idempotency check hold until this transaction commits
      await client.query('SELECT pg_advisory_xact_lock($1)', [QUEUE_INSERT_LOCK]);
      if (job.idempotencyKey !== null) {
        const { rows: [existing] } = await client.query<Row>('SELECT * FROM chexgen.jobs WHERE idempotency_key = $1', [job.idempotencyKey]);
        if (existing !== undefined) {
          if (existing.request_hash !== job.requestHash) {
            throw new ChexgenError('IDEMPOTENCY_CONFLICT', `idempotencyKey: the key was already used for job ${existing.id} with a different request`, {
              field: 'idempotencyKey', status: 422,
            });
          }
          return { job: toJob(existing), created: false };
        }
      }
      await this.reserveIn(client, 1, limit);
      const { rows: [row] } = await client.query<Row>(
        `INSERT INTO chexgen.jobs (id, kind, request, request_hash, status, progress, idempotency_key, created_at, updated_at)
         VALUES ($1, 'synthesis', $2, $3, 'queued', $4, $5, ${NOW}, ${NOW}) RETURNING *`,
        [job.id, encodeJobRequest(job.request), job.requestHash, JSON.stringify(job.progress), job.idempotencyKey],
      );
      const { id, ...options } = this.bossJob(job.id, PRIORITY_SINGLE);
      await this.boss.send(QUEUE, { jobId: id }, { ...options, id, db: PostgresDatabase.bossDb(client) });
      return { job: toJob(row as Row), created: true };
    }));
  }

  async reserveQueueRoom(jobs: number, limit: QueueLimit): Promise<void> {
    if (limit.maxQueuedJobs === undefined) return;
    await forRequest(async () => {
      const client = await this.db.pool.connect();
      try {
        await this.reserveIn(client, jobs, limit);
      } finally {
        client.release();
      }
    });
  }

  /** UNAVAILABLE when `jobs` more queued jobs would pass the limit; call it under the insert lock to make it binding. */
  private async reserveIn(client: pg.PoolClient, jobs: number, limit: QueueLimit): Promise<void> {
    if (limit.maxQueuedJobs === undefined) return;
    const { rows: [{ n }] } = await client.query<{ n: string }>(`SELECT count(*) AS n FROM chexgen.jobs WHERE status = 'queued'`) as { rows: { n: string }[] };
    const queued = Number(n);
    if (queued + jobs > limit.maxQueuedJobs) throw queueFull(queued, jobs, limit.maxQueuedJobs);
  }

  /**
   * Inserts the queued jobs of cohort `cohortId` and sends them to the queue, in `client`'s transaction (the one
   * that writes the cohort row, PgCohortStore); room for all of them is checked first, under the insert lock.
   */
  async insertCohortJobsIn(client: pg.PoolClient, cohortId: string, jobs: readonly NewCohortJob[], limit: QueueLimit = {}): Promise<void> {
    await client.query('SELECT pg_advisory_xact_lock($1)', [QUEUE_INSERT_LOCK]);
    await this.reserveIn(client, jobs.length, limit);
    if (jobs.length === 0) return;
    await client.query(
      `INSERT INTO chexgen.jobs (id, kind, request, request_hash, status, progress, cohort_id, subject, created_at, updated_at)
       SELECT t.id, 'synthesis', t.request, t.hash, 'queued', t.progress, $6, t.subject, ${NOW}, ${NOW}
       FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[]) WITH ORDINALITY AS t(id, request, hash, progress, subject, n)
       ORDER BY t.n`,
      [jobs.map((j) => j.id), jobs.map((j) => encodeJobRequest(j.request)), jobs.map((j) => j.requestHash), jobs.map((j) => JSON.stringify(j.progress)), jobs.map((j) => JSON.stringify(j.subject)), cohortId],
    );
    await this.boss.insert(jobs.map((j) => ({ ...this.bossJob(j.id, PRIORITY_COHORT), name: QUEUE, data: { jobId: j.id } })), { db: PostgresDatabase.bossDb(client) });
  }

  /** Every job of a cohort with its subject and state, in the order they were inserted. */
  async cohortJobs(cohortId: string): Promise<CohortJob[]> {
    const { rows } = await forRequest(() => this.db.pool.query<CohortJobColumns>(
      'SELECT id, subject, request, status, results, error FROM chexgen.jobs WHERE cohort_id = $1 ORDER BY seq', [cohortId],
    ));
    return rows.map(cohortJobFromColumns);
  }

  /** Number of a cohort's jobs per status (every status present, 0 when none). */
  async countCohortJobsByStatus(cohortId: string): Promise<Record<JobStatus, number>> {
    const { rows } = await forRequest(() => this.db.pool.query<{ status: JobStatus; n: string }>('SELECT status, count(*) AS n FROM chexgen.jobs WHERE cohort_id = $1 GROUP BY status', [cohortId]));
    return countsByStatus(rows);
  }

  /** Cancels a cohort's queued jobs (rows and pg-boss jobs) in `client`'s transaction; returns the ids of those running. */
  async cancelCohortJobsIn(client: pg.PoolClient, cohortId: string): Promise<{ running: string[] }> {
    const { rows: canceled } = await client.query<{ id: string }>(
      `UPDATE chexgen.jobs SET status = 'canceled', updated_at = ${NOW} WHERE cohort_id = $1 AND status = 'queued' RETURNING id`, [cohortId],
    );
    if (canceled.length > 0) await this.boss.cancel(QUEUE, canceled.map((r) => r.id), { db: PostgresDatabase.bossDb(client) });
    const { rows: running } = await client.query<{ id: string }>(`SELECT id FROM chexgen.jobs WHERE cohort_id = $1 AND status = 'running' ORDER BY seq`, [cohortId]);
    return { running: running.map((r) => r.id) };
  }

  async get(id: string): Promise<Job | undefined> {
    const { rows: [row] } = await forRequest(() => this.db.pool.query<Row>('SELECT * FROM chexgen.jobs WHERE id = $1', [id]));
    return row === undefined ? undefined : toJob(row);
  }

  async findByIdempotencyKey(key: string): Promise<Job | undefined> {
    const { rows: [row] } = await forRequest(() => this.db.pool.query<Row>('SELECT * FROM chexgen.jobs WHERE idempotency_key = $1', [key]));
    return row === undefined ? undefined : toJob(row);
  }

  /**
   * Takes the next job from pg-boss (single requests first) and marks its row running, held by this process with a
   * new lease token, in one transaction. A job whose row already ended is completed in pg-boss and skipped; one left
   * running by a dead worker is taken over, or ended (canceled when a cancel was asked, failed with INTERRUPTED once
   * started `rules.maxAttempts` times) and reported through `rules.onEnded`.
   */
  async claimNext(rules: ClaimRules): Promise<Job | undefined> {
    for (;;) {
      const outcome = await this.db.transaction(async (client): Promise<{ kind: 'none' } | { kind: 'skipped' } | { kind: 'ended'; job: Job } | { kind: 'claimed'; job: Job; token: string }> => {
        const bossDb = PostgresDatabase.bossDb(client);
        const [next] = await this.boss.fetch<{ jobId: string }>(QUEUE, { db: bossDb, batchSize: 1, priority: true });
        if (next === undefined) return { kind: 'none' };
        const complete = () => this.boss.complete(QUEUE, next.id, null as unknown as object, { db: bossDb });
        const { rows: [row] } = await client.query<Row>('SELECT * FROM chexgen.jobs WHERE id = $1 FOR UPDATE', [next.id]);
        if (row === undefined || isFinal(row.status)) {
          await complete();
          return { kind: 'skipped' };
        }
        const end = async (status: 'canceled' | 'failed', error: JobError | null): Promise<{ kind: 'ended'; job: Job }> => {
          const { rows: [ended] } = await client.query<Row>(
            `UPDATE chexgen.jobs SET status = $2, error = $3, lease_token = NULL, updated_at = ${NOW} WHERE id = $1 RETURNING *`,
            [row.id, status, error === null ? null : JSON.stringify(error)],
          );
          await complete();
          return { kind: 'ended', job: toJob(ended as Row) };
        };
        if (row.cancel_requested) return end('canceled', null);
        if (row.status === 'running' && row.attempts >= rules.maxAttempts) return end('failed', interruptedError(row.attempts));
        const token = randomUUID();
        const { rows: [claimed] } = await client.query<Row>(
          `UPDATE chexgen.jobs SET status = 'running', attempts = attempts + 1, worker = $2, lease_token = $3, heartbeat_at = now(), updated_at = ${NOW}
           WHERE id = $1 RETURNING *`,
          [row.id, this.options.workerName, token],
        );
        // a full lease from now: a job expired or requeued keeps the expiration its last heartbeat had pushed out
        await client.query(
          `UPDATE ${BOSS_SCHEMA}.job SET expire_in = (now() - started_on) + make_interval(secs => $3) WHERE name = $1 AND id = $2::uuid AND state = 'active'`,
          [QUEUE, row.id, this.db.leaseSeconds],
        );
        return { kind: 'claimed', job: toJob(claimed as Row), token };
      });
      if (outcome.kind === 'none') return undefined;
      if (outcome.kind === 'ended') rules.onEnded?.(outcome.job);
      if (outcome.kind === 'claimed') {
        this.held.set(outcome.job.id, outcome.token);
        return outcome.job;
      }
    }
  }

  /** Nothing to do at start: other workers may be running their jobs; dead workers' jobs come back by their leases. */
  async recoverInterrupted(): Promise<Recovered> {
    return { requeued: [], canceled: [], failed: [] };
  }

  /**
   * The heartbeat: pushes the expiration of the job's pg-boss job to a full lease from now, if this process still
   * holds it (its token is on the row and the pg-boss job is still active), and reads the cancel flag. This is the
   * one statement that writes pg-boss's table itself: pg-boss 10 has no heartbeat of its own (its expiration plays
   * the part of a visibility timeout), so the lease is renewed by moving `expire_in` (docs/architecture.md).
   */
  async renewLease(id: string): Promise<LeaseState> {
    const token = this.held.get(id);
    if (token === undefined) return { held: false, cancelRequested: false };
    const { rows: [state] } = await this.db.pool.query<{ held: boolean; cancel: boolean }>(
      `WITH mine AS (
         SELECT cancel_requested FROM chexgen.jobs WHERE id = $1 AND lease_token = $2 AND status = 'running'
       ), touched AS (
         UPDATE ${BOSS_SCHEMA}.job SET expire_in = (now() - started_on) + make_interval(secs => $3)
         WHERE name = $4 AND id = $1::uuid AND state = 'active' AND EXISTS (SELECT 1 FROM mine)
         RETURNING 1
       ), beat AS (
         UPDATE chexgen.jobs SET heartbeat_at = now() WHERE id = $1 AND lease_token = $2 AND EXISTS (SELECT 1 FROM touched)
         RETURNING 1
       )
       SELECT EXISTS (SELECT 1 FROM touched) AS held, COALESCE((SELECT cancel_requested FROM mine), false) AS cancel`,
      [id, token, this.db.leaseSeconds, QUEUE],
    );
    if (state?.held !== true) this.held.delete(id);
    return { held: state?.held === true, cancelRequested: state?.cancel === true };
  }

  /** The token of a job this process holds; LeaseLostError for one it does not (any more). */
  private token(id: string): string {
    const token = this.held.get(id);
    if (token === undefined) throw new LeaseLostError(id);
    return token;
  }

  /** After a write found no row with this process's token: the lease is lost (the row is another worker's now). */
  private lost(id: string): never {
    this.held.delete(id);
    throw new LeaseLostError(id);
  }

  async requeue(id: string): Promise<void> {
    const token = this.token(id);
    await this.forJob(() => this.db.transaction(async (client) => {
      const { rowCount } = await client.query(
        `UPDATE chexgen.jobs SET status = 'queued', lease_token = NULL, worker = NULL, updated_at = ${NOW} WHERE id = $1 AND lease_token = $2 AND status = 'running'`,
        [id, token],
      );
      if (rowCount !== 1) this.lost(id);
      // back to pg-boss's queue: a failed job with retries left is `retry`, fetched like a new one
      await this.boss.fail(QUEUE, id, { requeued: true }, { db: PostgresDatabase.bossDb(client) });
    }));
    this.held.delete(id);
  }

  async updateProgress(id: string, progress: JobProgress): Promise<void> {
    const token = this.token(id);
    const { rowCount } = await this.forJob(() => this.db.pool.query(
      `UPDATE chexgen.jobs SET progress = $3, updated_at = ${NOW} WHERE id = $1 AND lease_token = $2`, [id, token, JSON.stringify(progress)],
    ));
    if (rowCount !== 1) this.lost(id);
  }

  async saveResult(id: string, result: JobResult): Promise<Job> {
    const token = this.token(id);
    return this.forJob(() => this.db.transaction(async (client) => {
      const { rows: [row] } = await client.query<Row>('SELECT * FROM chexgen.jobs WHERE id = $1 AND lease_token = $2 FOR UPDATE', [id, token]);
      if (row === undefined) this.lost(id);
      const job = toJob(row);
      const results = [...job.results.filter((r) => r.index !== result.index), result].sort((a, b) => a.index - b.index);
      const { rows: [saved] } = await client.query<Row>(`UPDATE chexgen.jobs SET results = $2, updated_at = ${NOW} WHERE id = $1 RETURNING *`, [id, JSON.stringify(results)]);
      return toJob(saved as Row);
    }));
  }

  async finish(id: string, status: 'succeeded' | 'failed' | 'canceled', error: JobError | null = null, progress?: JobProgress): Promise<boolean> {
    const token = this.held.get(id);
    const changed = await this.forJob(() => this.db.transaction(async (client) => {
      const { rowCount } = await client.query(
        `UPDATE chexgen.jobs SET status = $2, error = $3, progress = COALESCE($4, progress), lease_token = NULL, updated_at = ${NOW}
         WHERE id = $1 AND status IN ('queued', 'running') ${token !== undefined ? 'AND lease_token = $5' : ''}`,
        [id, status, error === null ? null : JSON.stringify(error), progress === undefined ? null : JSON.stringify(progress), ...(token !== undefined ? [token] : [])],
      );
      if (rowCount !== 1) {
        if (token === undefined) return false;
        const { rows: [row] } = await client.query<{ status: JobStatus }>('SELECT status FROM chexgen.jobs WHERE id = $1', [id]);
        if (row !== undefined && !isFinal(row.status)) this.lost(id);
        return false;
      }
      await this.boss.complete(QUEUE, id, null as unknown as object, { db: PostgresDatabase.bossDb(client) });
      return true;
    }));
    this.held.delete(id);
    return changed;
  }

  async requestCancel(id: string): Promise<'canceled' | 'flagged' | 'final'> {
    return forRequest(() => this.db.transaction(async (client) => {
      const { rows: [row] } = await client.query<{ status: JobStatus }>('SELECT status FROM chexgen.jobs WHERE id = $1 FOR UPDATE', [id]);
      if (row === undefined) throw new ChexgenError('NOT_FOUND', `no job ${id}`, { field: 'id', status: 404 });
      if (row.status === 'queued') {
        await client.query(`UPDATE chexgen.jobs SET status = 'canceled', updated_at = ${NOW} WHERE id = $1`, [id]);
        await this.boss.cancel(QUEUE, id, { db: PostgresDatabase.bossDb(client) });
        return 'canceled' as const;
      }
      if (row.status === 'running') {
        await client.query(`UPDATE chexgen.jobs SET cancel_requested = true, updated_at = ${NOW} WHERE id = $1`, [id]);
        return 'flagged' as const;
      }
      return 'final' as const;
    }));
  }

  async purgeSegMasks(before: Date): Promise<number> {
    return forRequest(() => this.db.transaction(async (client) => {
      const { rows } = await client.query<{ id: string; request: string }>(
        `SELECT id, request FROM chexgen.jobs WHERE status IN ('succeeded', 'failed', 'canceled') AND updated_at < $1 AND strpos(request, '"source":"seg"') > 0 FOR UPDATE`,
        [before],
      );
      let changed = 0;
      for (const row of rows) {
        const purged = purgedRequest(row.request);
        if (purged === undefined) continue;
        // updated_at is left alone: the job did not change, only what is kept of its input
        await client.query('UPDATE chexgen.jobs SET request = $2 WHERE id = $1', [row.id, purged]);
        changed++;
      }
      return changed;
    }));
  }

  async countByStatus(): Promise<Record<JobStatus, number>> {
    const { rows } = await forRequest(() => this.db.pool.query<{ status: JobStatus; n: string }>('SELECT status, count(*) AS n FROM chexgen.jobs GROUP BY status'));
    return countsByStatus(rows);
  }

  async ping(): Promise<boolean> {
    const { rows: [row] } = await this.db.pool.query<{ ok: number }>('SELECT 1 AS ok');
    return row?.ok === 1;
  }

  /** Closes the database (pg-boss's maintenance and the pool). */
  async close(): Promise<void> {
    await this.db.close();
  }
}
