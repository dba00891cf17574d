import type { RunLengthMask } from '../conditions/conditionTypes.js';
import type { SynthesisRequest } from '../synthesis/synthesisRequest.js';

/** Where a job is in its life; `succeeded`, `failed` and `canceled` are final (the contract's words). */
export { JOB_STATUSES, type JobStatus } from '../contract/index.js';
import type { JobStatus } from '../contract/index.js';

/** True for the statuses a job never leaves. */
export function isFinal(status: JobStatus): boolean {
  return status === 'succeeded' || status === 'failed' || status === 'canceled';
}

/**
 * A mask as the job database keeps it: binary, row-major, run-length encoded (alternating runs of 0 and 1, starting
 * with a run of 0 that may be 0 long; the runs add up to width x height; server/src/conditions/runLength.ts). `source: 'seg'` marks a
 * mask read from a SEG in the store (possibly a real patient's segmentation): once its job has ended and the
 * retention period (CHEXGEN_SEG_MASK_RETENTION_DAYS) has passed, its runs are purged (`rle: []`, `purged: true`).
 */
export type StoredMask = RunLengthMask & { source?: 'seg'; purged?: true };

/**
 * A validated synthesis request as stored in the job database: everything that decides the pixels, with the seed
 * fixed (a random default is drawn once, at submission) so that a re-run after a crash makes the same images.
 */
export type SynthesisJobRequest = Omit<SynthesisRequest, 'masks' | 'seed' | 'model' | 'sampler'> & {
  masks?: StoredMask[];
  seed: number;
  /** A sampler name; rows hold only names the schema accepted, and planning checks it again. */
  sampler?: string;
  /** Name of the model; the server runs only its one loaded model. */
  model: string;
};

/** Progress of a job: `image` (0-based) is the image being made, `step` the steps it has done out of `steps`. */
export type JobProgress = { image: number; count: number; step: number; steps: number; fraction: number };

/** One image of a job, recorded once its study is queued in the outbox; `delivered` once the store accepted it. */
export type JobResult = {
  index: number;
  seed: number;
  StudyInstanceUID: string;
  SeriesInstanceUIDs: string[];
  delivered: boolean;
};

/** Why a job failed: a ChexgenError's `{ code, message, field }`, or `INTERNAL` for a bug. */
export type JobError = { code: string; message: string; field?: string };

/** A job row. */
export type Job = {
  id: string;
  kind: 'synthesis';
  request: SynthesisJobRequest;
  /** sha256 of the request as the client sent it (before a random seed was drawn): idempotency replays compare it. */
  requestHash: string;
  status: JobStatus;
  progress: JobProgress;
  results: JobResult[];
  error: JobError | null;
  idempotencyKey: string | null;
  cancelRequested: boolean;
  attempts: number;
  createdAt: string;
  updatedAt: string;
};

/** What the runner tells listeners (SSE streams, logs) about a job. */
export type JobEvent =
  | { type: 'progress'; jobId: string; progress: JobProgress }
  | { type: 'status'; jobId: string; status: JobStatus }
  | { type: 'result'; jobId: string; result: JobResult }
  | { type: 'done'; jobId: string; job: Job };
