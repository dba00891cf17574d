import type { SynthesisJob, SynthesisResult } from '../contract/index.js';
import type { Job, JobResult } from '../jobs/jobTypes.js';

/** One image of a job as the API shows it, with the URL of its 8-bit preview. */
export function resultView(jobId: string, r: JobResult): SynthesisResult {
  return {
    index: r.index,
    seed: r.seed,
    StudyInstanceUID: r.StudyInstanceUID,
    SeriesInstanceUIDs: r.SeriesInstanceUIDs,
    delivered: r.delivered,
    previewUrl: `/api/v1/syntheses/${jobId}/preview/${r.index}.png`,
  };
}

/** The API's view of a job (GET /api/v1/syntheses/{id}, the SSE `done` event). Masks are summarised, not echoed. */
export function jobView(job: Job): SynthesisJob {
  const { masks, ...request } = job.request;
  return {
    id: job.id,
    status: job.status,
    seed: job.request.seed,
    progress: job.progress,
    results: job.results.map((r) => resultView(job.id, r)),
    error: job.error,
    request: { ...request, ...(masks !== undefined ? { masks: masks.map((m) => ({ label: m.label, width: m.width, height: m.height, ...(m.source !== undefined ? { source: m.source } : {}), ...(m.purged ? { purged: true } : {}) })) } : {}) },
    idempotencyKey: job.idempotencyKey,
    cancelRequested: job.cancelRequested,
    attempts: job.attempts,
    createdAt: job.createdAt,
    updatedAt: job.updatedAt,
  };
}
