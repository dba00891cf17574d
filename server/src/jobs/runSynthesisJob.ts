import { setTimeout as sleep } from 'node:timers/promises';
import type { SoftwareIdentity } from '../dicom/WriterContext.js';
import type { InstanceSink, Outbox } from '../delivery/Outbox.js';
import { ChexgenError } from '../errors.js';
import { generateStudy } from '../generation/generateStudy.js';
import { renderPreviewPng } from '../images/renderPreviewPng.js';
import { SynthesisCanceledError, type LoadedModel } from '../synthesis/synthesize.js';
import { jobWriterContext } from './jobWriterContext.js';
import type { Job, JobProgress, JobResult } from './jobTypes.js';
import { planJob } from './planJob.js';
import type { PreviewStore } from './PreviewStore.js';

/** What a synthesis job runs with: the one loaded model, the outbox and the store it delivers to. */
export type SynthesisJobDeps = {
  model: LoadedModel;
  outbox: Outbox;
  sink: InstanceSink;
  /** Where the 8-bit preview of each image goes (read by the API, perhaps on another machine). */
  previews: PreviewStore;
  software: SoftwareIdentity;
};

/** How the runner follows and steers a job. `onResult` must persist the result before it resolves. */
export type SynthesisJobHooks = {
  signal?: AbortSignal;
  onProgress?: (progress: JobProgress) => void;
  onResult?: (result: JobResult) => Promise<void>;
  /** Wall time of one image: generation, DICOM encoding, preview and outbox (not the delivery). */
  onImageDone?: (milliseconds: number) => void;
  /** How long undelivered studies are retried before the job fails with PACS_UNAVAILABLE (default 10 min). */
  deliveryTimeoutMs?: number;
  /** Longest pause between delivery attempts (default 30 s; the first is 1 s, then doubling). */
  maxRetryDelayMs?: number;
  /** Where a job reports what it recovered from (a lost or unreadable outbox batch, a failed delivery attempt). */
  log?: (level: 'info' | 'warn', message: string, fields?: Record<string, unknown>) => void;
};

function progressOf(image: number, step: number, count: number, steps: number): JobProgress {
  return { image, count, step, steps, fraction: Math.min(1, (image * steps + step) / (count * steps)) };
}

/**
 * One delivery attempt of a study whose result is recorded undelivered: `delivered` when the store took it,
 * `failed` to try again later, `lost` when its batch is missing or unreadable. A lost batch is NOT taken as
 * delivered: its row says undelivered, and a power cut can lose a batch (or leave it garbled) as well as a delivery
 * can remove it; the caller makes the study again, which the derived UIDs make harmless if it was stored.
 */
async function deliverOnce(outbox: Outbox, sink: InstanceSink, studyUid: string, log: SynthesisJobHooks['log']): Promise<'delivered' | 'failed' | 'lost'> {
  const state = await outbox.state(studyUid);
  if (state !== 'queued') {
    log?.('warn', `outbox batch ${state}: the study is made again`, { study: studyUid });
    if (state === 'unreadable') await outbox.discard(studyUid);
    return 'lost';
  }
  try {
    const error = await outbox.deliver(studyUid, sink);
    if (error !== null) log?.('info', 'delivery failed; it is retried', { study: studyUid, error });
    return error === null ? 'delivered' : 'failed';
  } catch (error) {
    log?.('warn', 'delivery attempt broke off', { study: studyUid, error: error instanceof Error ? error.message : String(error) });
    return (await outbox.state(studyUid)) === 'queued' ? 'failed' : 'lost'; // e.g. taken by `chexgen deliver` meanwhile
  }
}

/**
 * Runs one synthesis job to the end: for each image not yet recorded, generate it (seed + index; cancellable
 * between steps), build its synthetic study with UIDs derived from the job id and the image index, write a preview,
 * queue the study in the outbox, record the result, and deliver it. Studies the store refused or could not take are
 * retried with backoff until `deliveryTimeoutMs`.
 *
 * Exactly once: a result is recorded only after its study is durably in the outbox (fsynced), and a batch leaves the
 * outbox only after the store accepted every instance. A run after a crash skips delivered images; an image whose
 * result was lost, or whose batch is missing or unreadable while its result says undelivered, is generated again
 * with the same seed and gets the same UIDs (jobWriterContext), so its second STOW replaces the same instances
 * rather than adding new ones.
 *
 * @throws SynthesisCanceledError when `signal` fires; ChexgenError for bad requests and PACS_UNAVAILABLE.
 */
export async function runSynthesisJob(
  job: Pick<Job, 'id' | 'request' | 'results' | 'createdAt'>,
  deps: SynthesisJobDeps,
  hooks: SynthesisJobHooks = {},
): Promise<JobResult[]> {
  const { model, outbox, sink } = deps;
  const { request } = job;
  const plan = planJob(request, model);
  const results = new Map(job.results.map((r) => [r.index, r]));
  const record = async (result: JobResult): Promise<void> => {
    results.set(result.index, result);
    await hooks.onResult?.(result);
  };
  const aborted = (): void => {
    if (hooks.signal?.aborted) throw new SynthesisCanceledError();
  };

  /** Generates image `index`, queues its study in the outbox and records it (undelivered). */
  const makeStudy = async (index: number): Promise<JobResult> => {
    aborted();
    const started = performance.now();
    hooks.onProgress?.(progressOf(index, 0, plan.count, plan.steps));
    const { image, study } = await generateStudy(model, plan, index, {
      signal: hooks.signal,
      onProgress: (p) => hooks.onProgress?.(progressOf(index, p.step, plan.count, plan.steps)),
      dicom: {
        ctx: jobWriterContext(job.id, index, new Date(job.createdAt), deps.software),
        sourceStudy: request.sourceStudy !== undefined ? { StudyInstanceUID: request.sourceStudy } : undefined,
      },
    });
    await deps.previews.put(job.id, index, await renderPreviewPng(image));
    if (!(await outbox.has(study.studyInstanceUid))) await outbox.enqueue(study.studyInstanceUid, study.objects.map((o) => o.bytes));
    const result: JobResult = {
      index, seed: plan.seed + index, StudyInstanceUID: study.studyInstanceUid,
      SeriesInstanceUIDs: [...new Set(study.objects.map((o) => o.seriesInstanceUid))], delivered: false,
    };
    await record(result);
    hooks.onImageDone?.(performance.now() - started);
    return result;
  };
  /** One delivery attempt; a lost batch is made again first, so the attempt has something to send. */
  const deliver = async (result: JobResult): Promise<void> => {
    let outcome = await deliverOnce(outbox, sink, result.StudyInstanceUID, hooks.log);
    if (outcome === 'lost') outcome = await deliverOnce(outbox, sink, (await makeStudy(result.index)).StudyInstanceUID, hooks.log);
    if (outcome === 'delivered') await record({ ...result, delivered: true });
  };

  for (let index = 0; index < plan.count; index++) {
    if (results.has(index)) continue; // undelivered ones are delivered (or made again) below
    await deliver(await makeStudy(index));
  }

  const deadline = performance.now() + (hooks.deliveryTimeoutMs ?? 600_000);
  let delay = Math.min(1000, hooks.maxRetryDelayMs ?? 30_000);
  for (;;) {
    for (const result of [...results.values()].filter((r) => !r.delivered)) {
      aborted();
      await deliver(result);
    }
    const waiting = [...results.values()].filter((r) => !r.delivered);
    if (waiting.length === 0) break;
    if (performance.now() + delay > deadline) {
      throw new ChexgenError(
        'PACS_UNAVAILABLE',
        `${waiting.length} stud(ies) could not be delivered (${waiting.map((r) => r.StudyInstanceUID).join(', ')}); they wait in the outbox `
          + 'and are delivered when the server restarts or by `chexgen deliver`',
      );
    }
    try {
      await sleep(delay, undefined, { signal: hooks.signal });
    } catch {
      throw new SynthesisCanceledError();
    }
    delay = Math.min(delay * 2, hooks.maxRetryDelayMs ?? 30_000);
  }
  return [...results.values()].sort((a, b) => a.index - b.index);
}
