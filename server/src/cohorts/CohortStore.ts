import type { CohortJob, QueueLimit } from '../jobs/JobStore.js';
import type { JobProgress, JobStatus, SynthesisJobRequest } from '../jobs/jobTypes.js';
import type { Cohort, CohortProgress, CohortRequest, CohortSubject } from './cohortTypes.js';

/** A subject's job as inserted with its cohort. */
export type NewSubjectJob = { jobId: string; request: SynthesisJobRequest; requestHash: string; subject: CohortSubject; progress: JobProgress };

/** A subject with the state of its job, for progress and manifests. */
export type SubjectState = Omit<CohortJob, 'subject'> & { subject: CohortSubject };

/** What {@link CohortStore.insert} writes: the cohort's row. */
export type NewCohort = { id: string; request: CohortRequest; requestHash: string; idempotencyKey: string | null };

/**
 * Cohorts in the job database, one contract with two implementations (SQLite: `SqliteCohortStore`; PostgreSQL:
 * server/src/postgres): a `cohorts` row plus one ordinary synthesis job per subject, written in one transaction, so
 * an accepted cohort is complete before the API answers 202 and the ordinary job runners (crash recovery or leases,
 * outbox, exactly-once UIDs) make its images.
 */
export interface CohortStore {
  /**
   * Inserts a cohort and its subjects' jobs, or returns the cohort that already holds `idempotencyKey`
   * (`created: false`); the same key with another request is IDEMPOTENCY_CONFLICT. Room for every subject in the
   * queue (`limit`) is checked in the same transaction, so parallel submissions cannot overfill it.
   */
  insert(cohort: NewCohort, subjects: readonly NewSubjectJob[], limit?: QueueLimit): Promise<{ cohort: Cohort; created: boolean }>;
  findByIdempotencyKey(key: string): Promise<Cohort | undefined>;
  get(id: string): Promise<Cohort | undefined>;
  /** Every subject of a cohort with its job's state, in subject order. */
  subjects(id: string): Promise<SubjectState[]>;
  /**
   * Marks a cohort canceled and cancels its queued subjects at once; returns the ids of subjects still running (the
   * caller asks their runners to stop them between steps). NOT_FOUND for an unknown cohort.
   */
  requestCancel(id: string): Promise<{ running: string[] }>;
}

/** A cohort's progress from its subjects' counts per status. */
export function cohortProgress(request: CohortRequest, counts: Record<JobStatus, number>): CohortProgress {
  const ended = counts.succeeded + counts.failed + counts.canceled;
  return {
    done: counts.succeeded, failed: counts.failed, canceled: counts.canceled, total: request.size,
    fraction: request.size === 0 ? 1 : ended / request.size,
  };
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

/** A cohort as the stores report it, from its row's fields and its subjects' counts per status. */
export function cohortOf(
  row: { id: string; request: CohortRequest; cancelRequested: boolean; idempotencyKey: string | null; createdAt: string; updatedAt: string },
  counts: Record<JobStatus, number>,
): Cohort {
  const progress = cohortProgress(row.request, counts);
  return { ...row, status: cohortStatus(progress, counts.running, row.cancelRequested), progress };
}
