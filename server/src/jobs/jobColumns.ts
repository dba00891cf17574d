import { decodeJobRequest } from './jobRequestCodec.js';
import type { CohortJob } from './JobStore.js';
import type { Job, JobError, JobProgress, JobResult, JobStatus } from './jobTypes.js';

/**
 * A `jobs` row as both stores keep it: the same columns, JSON held as text. The engines differ only in how they type
 * the flag and the timestamps, so each store passes those in already converted.
 */
export type JobColumns<Flag, Stamp> = {
  id: string; kind: 'synthesis'; request: string; request_hash: string; status: JobStatus; progress: string; results: string;
  error: string | null; idempotency_key: string | null; cancel_requested: Flag; attempts: number; created_at: Stamp; updated_at: Stamp;
};

/** A stored row -> the domain's Job (the one place the text columns are parsed). */
export function jobFromColumns(row: JobColumns<unknown, unknown>, cancelRequested: boolean, createdAt: string, updatedAt: string): Job {
  return {
    id: row.id,
    kind: row.kind,
    request: decodeJobRequest(row.request),
    requestHash: row.request_hash,
    status: row.status,
    progress: JSON.parse(row.progress) as JobProgress,
    results: JSON.parse(row.results) as JobResult[],
    error: row.error === null ? null : (JSON.parse(row.error) as JobError),
    idempotencyKey: row.idempotency_key,
    cancelRequested,
    attempts: row.attempts,
    createdAt,
    updatedAt,
  };
}

/** The columns a cohort reads of each of its jobs (both stores select exactly these). */
export type CohortJobColumns = { id: string; subject: string; request: string; status: JobStatus; results: string; error: string | null };

/** A cohort's job row -> its CohortJob. */
export function cohortJobFromColumns(row: CohortJobColumns): CohortJob {
  return {
    jobId: row.id,
    subject: JSON.parse(row.subject) as unknown,
    request: decodeJobRequest(row.request),
    status: row.status,
    results: JSON.parse(row.results) as JobResult[],
    error: row.error === null ? null : (JSON.parse(row.error) as JobError),
  };
}
