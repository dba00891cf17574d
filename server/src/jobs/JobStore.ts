import { ChexgenError } from '../errors.js';
import type { Job, JobError, JobProgress, JobResult, JobStatus, SynthesisJobRequest } from './jobTypes.js';

/** What {@link JobStore.insert} needs. */
export type NewJob = { id: string; request: SynthesisJobRequest; requestHash: string; idempotencyKey: string | null; progress: JobProgress };

/** A queued job of a cohort: its subject is the cohort's planned subject, kept as JSON and given back as it was. */
export type NewCohortJob = Omit<NewJob, 'idempotencyKey'> & { subject: unknown };

/** A cohort's job as the cohort stores list it. */
export type CohortJob = { jobId: string; subject: unknown; request: SynthesisJobRequest; status: JobStatus; results: JobResult[]; error: JobError | null };

/** The queue limit an insert must respect (CHEXGEN_MAX_QUEUED_JOBS); absent = no limit. */
export type QueueLimit = { maxQueuedJobs?: number };

/**
 * What a claim applies to a job a dead worker left running: started `maxAttempts` times, it is failed instead; a job
 * a claim ends this way (or cancels, its cancel having been asked) is told to `onEnded`, so its end can be published.
 */
export type ClaimRules = { maxAttempts: number; onEnded?: (job: Job) => void };

/** What renewing a running job's lease found: whether this process still holds the job, and whether a cancel was asked. */
export type LeaseState = { held: boolean; cancelRequested: boolean };

/** What recovery at start did with jobs a crash left running, by id. */
export type Recovered = { requeued: string[]; canceled: string[]; failed: string[] };

/**
 * A write for a job this process no longer holds: its lease ran out and another worker took the job over. The run
 * stops without touching the job; the other worker makes the same studies (same seed, same UIDs).
 */
export class LeaseLostError extends Error {
  constructor(readonly jobId: string) {
    super(`job ${jobId} is no longer held by this worker (its lease ran out and another worker took it)`);
    this.name = 'LeaseLostError';
  }
}

/**
 * The job database did not answer (a connection refused or cut, past the store's retry window). Not the job's fault:
 * a runner never records it as the job's failure; the job is left to its lease, or to recovery at the next start.
 */
export class JobDatabaseUnavailableError extends Error {
  constructor(message: string, options: { cause?: unknown } = {}) {
    super(message, options);
    this.name = 'JobDatabaseUnavailableError';
  }
}

/**
 * The durable job queue, one contract with two implementations: SQLite (`SqliteJobStore`, the embedded default: one
 * process owns the file and runs its jobs) and PostgreSQL (`server/src/postgres`: one API and any number of workers
 * on several machines, jobs handed out through pg-boss with leases). test/integration/jobStoreContract.test.ts runs
 * the same cases against both.
 *
 * A job is on disk before `insert` resolves. A running job belongs to the process that claimed it: the writes of a
 * run (`updateProgress`, `saveResult`, `finish`, `requeue`) throw {@link LeaseLostError} once another worker holds
 * it. Connection failures are {@link JobDatabaseUnavailableError}.
 */
export interface JobStore {
  /** Which database, for logs and /readyz (no credentials). */
  readonly description: string;

  /**
   * Inserts a queued job, or returns the job that already holds `idempotencyKey` (`created: false`). The same key
   * with a different request hash is IDEMPOTENCY_CONFLICT; a full queue (`limit`) is UNAVAILABLE, checked in the same
   * transaction as the insert.
   */
  insert(job: NewJob, limit?: QueueLimit): Promise<{ job: Job; created: boolean }>;

  /** Throws UNAVAILABLE (503) when `jobs` more queued jobs would pass `limit.maxQueuedJobs` now. */
  reserveQueueRoom(jobs: number, limit: QueueLimit): Promise<void>;

  get(id: string): Promise<Job | undefined>;

  findByIdempotencyKey(key: string): Promise<Job | undefined>;

  /**
   * The next job to run, now `running` with one more attempt and held by this process; undefined when none waits.
   * Single requests go before cohort subjects. A job whose previous worker died is taken over here (PostgreSQL),
   * canceled when a cancel was asked, or failed with INTERRUPTED once started `rules.maxAttempts` times.
   */
  claimNext(rules: ClaimRules): Promise<Job | undefined>;

  /**
   * At start, jobs a crash left `running` in this store: requeued, canceled (cancel asked) or failed (started
   * `maxAttempts` times). SQLite does it here; with PostgreSQL other workers may be running their jobs, so nothing
   * is touched and leases recover dead workers' jobs instead (empty lists).
   */
  recoverInterrupted(maxAttempts: number): Promise<Recovered>;

  /** Renews this process's lease on a running job (its heartbeat) and reads its cancel flag. */
  renewLease(id: string): Promise<LeaseState>;

  /** Puts a running job back in the queue (graceful shutdown); its recorded results are kept. */
  requeue(id: string): Promise<void>;

  updateProgress(id: string, progress: JobProgress): Promise<void>;

  /** Records (or replaces) the result of image `result.index`. */
  saveResult(id: string, result: JobResult): Promise<Job>;

  /** Ends a job. Only a job that is not final yet changes; returns whether it did. */
  finish(id: string, status: 'succeeded' | 'failed' | 'canceled', error?: JobError | null, progress?: JobProgress): Promise<boolean>;

  /**
   * Asks for cancellation: a queued job is canceled at once (`canceled`); a running one is flagged (`flagged`) so that
   * its runner, wherever it runs, stops it; a final job is left as it is (`final`). NOT_FOUND for an unknown id.
   */
  requestCancel(id: string): Promise<'canceled' | 'flagged' | 'final'>;

  /**
   * Purges the pixels of masks taken from a SEG (`source: 'seg'`) from jobs that ended before `before`: their runs
   * are dropped and the mask marked `purged` (label and size stay). Returns how many jobs changed.
   */
  purgeSegMasks(before: Date): Promise<number>;

  /** Number of jobs per status (every status present, 0 when none). */
  countByStatus(): Promise<Record<JobStatus, number>>;

  /** Cheap liveness check of the database. */
  ping(): Promise<boolean>;

  close(): Promise<void>;
}

/** Every status with 0, then the counts of `rows` (`{ status, n }`). */
export function countsByStatus(rows: readonly { status: JobStatus; n: number | string }[]): Record<JobStatus, number> {
  const counts: Record<JobStatus, number> = { queued: 0, running: 0, succeeded: 0, failed: 0, canceled: 0 };
  for (const row of rows) counts[row.status] = Number(row.n);
  return counts;
}

/** The error of a job failed because it was started `attempts` times without ending (crashes, kills). */
export function interruptedError(attempts: number): JobError {
  return { code: 'INTERRUPTED', message: `the job was interrupted ${attempts} times (server crash or kill); not retried again` };
}

/** UNAVAILABLE (503): `adding` more queued jobs would pass the limit while `queued` wait. */
export function queueFull(queued: number, adding: number, maxQueuedJobs: number): ChexgenError {
  return new ChexgenError('UNAVAILABLE', `the queue is full: ${queued} jobs wait and ${adding} more would pass ${maxQueuedJobs} (CHEXGEN_MAX_QUEUED_JOBS); try again later`, { status: 503 });
}
