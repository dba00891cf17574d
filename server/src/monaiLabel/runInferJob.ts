import { ChexgenError, ERROR_CODES, type ErrorCode } from '../errors.js';
import { STATUS_BY_CODE } from '../http/errorMiddleware.js';
import type { JobService } from '../jobs/JobService.js';
import { isFinal, type Job, type JobResult } from '../jobs/jobTypes.js';
import { firstString, TAG } from '../dicom/dicomJson.js';
import type { DicomStore } from '../pacs/DicomStore.js';
import type { SynthesisRequest } from '../synthesis/synthesisRequest.js';

/** The synthetic image an infer made: its job, its study in the store and the image instance's Part 10 bytes. */
export type InferResult = { job: Job; result: JobResult; SOPInstanceUID: string; part10: Uint8Array };

/** A job that ended without an image, reported with its own error code (which may be INTERRUPTED or INTERNAL). */
export class InferJobFailed extends Error {
  constructor(readonly status: number, readonly body: { code: string; message: string; field?: string }) {
    super(body.message);
  }
}

/**
 * Runs one synthesis as an ordinary durable job (queued in SQLite before anything else happens; the job API and
 * its events see it like any other) and waits for it to end, at most `timeoutMs`. Then reads the image instance
 * back from the store the job delivered it to. Errors: UNAVAILABLE 504 when the job has not ended in time (it goes
 * on: its id and URL are in the message), InferJobFailed with the job's error when it failed, JOB_FINISHED 409 when
 * it was canceled.
 */
export async function runInferJob(jobs: JobService, store: DicomStore, request: SynthesisRequest, timeoutMs: number): Promise<InferResult> {
  const { job } = await jobs.submit(request, null);
  const ended = await waitUntilEnded(jobs, job.id, timeoutMs);
  if (ended === undefined) {
    throw new ChexgenError('UNAVAILABLE', `the synthesis did not finish within ${Math.round(timeoutMs / 1000)} s (CHEXGEN_MONAI_LABEL_TIMEOUT_S); job ${job.id} goes on: GET /api/v1/syntheses/${job.id}`, { status: 504 });
  }
  if (ended.status === 'canceled') throw new ChexgenError('JOB_FINISHED', `job ${job.id} was canceled`, { status: 409 });
  const result = ended.results.find((r) => r.index === 0);
  if (ended.status !== 'succeeded' || result === undefined || !result.delivered) {
    const error = ended.error ?? { code: 'INTERNAL', message: 'the job ended without an image' };
    const known = (ERROR_CODES as readonly string[]).includes(error.code) ? STATUS_BY_CODE[error.code as ErrorCode] : error.code === 'INTERRUPTED' ? 503 : 500;
    throw new InferJobFailed(known, { ...error, message: `synthesis job ${job.id} failed: ${error.message}` });
  }
  const imageSeries = result.SeriesInstanceUIDs[0] ?? '';
  const [instance] = await store.searchInstances(result.StudyInstanceUID, imageSeries);
  const sop = instance === undefined ? undefined : firstString(instance, TAG.SOPInstanceUID);
  if (sop === undefined) throw new ChexgenError('PACS_NOT_FOUND', `the store has no image instance in series ${imageSeries} of study ${result.StudyInstanceUID}`, { status: 502 });
  return { job: ended, result, SOPInstanceUID: sop, part10: await store.retrieveInstance(result.StudyInstanceUID, imageSeries, sop) };
}

/**
 * The job once it has ended, or undefined after `timeoutMs`. Subscribes before looking, so no end is missed; also
 * looks again every `recheckMs`, in case the event bus was away when the end was told (workers on other machines).
 */
function waitUntilEnded(jobs: JobService, id: string, timeoutMs: number, recheckMs = 2000): Promise<Job | undefined> {
  return new Promise((resolve, reject) => {
    let settled = false;
    const finish = (job: Job | undefined): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      clearInterval(recheck);
      unsubscribe();
      resolve(job);
    };
    const look = (): void => {
      jobs.get(id).then((now) => {
        if (isFinal(now.status)) finish(now);
      }, (error: unknown) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        clearInterval(recheck);
        unsubscribe();
        reject(error);
      });
    };
    const unsubscribe = jobs.subscribe(id, (event) => {
      if (event.type === 'done') finish(event.job);
    });
    const timer = setTimeout(() => finish(undefined), timeoutMs);
    const recheck = setInterval(look, recheckMs);
    look();
  });
}
