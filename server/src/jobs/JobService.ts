import { createHash, randomInt, randomUUID } from 'node:crypto';
import { once } from 'node:events';
import { basename } from 'node:path';
import { ChexgenError } from '../errors.js';
import { resolveMasks, type MaskLimits, type ReadSegmentation } from '../generation/resolveMasks.js';
import type { SynthesisRequest } from '../synthesis/synthesisRequest.js';
import type { ModelDescription } from '../synthesis/synthesize.js';
import type { JobEvents } from './JobEvents.js';
import type { JobMetrics, ImageMetrics } from './JobMetrics.js';
import type { JobRunner } from './JobRunner.js';
import type { JobStore } from './JobStore.js';
import { isFinal, type Job, type JobEvent, type JobProgress, type JobStatus, type SynthesisJobRequest } from './jobTypes.js';
import { assertLoadedModel, planJob } from './planJob.js';
import type { PreviewStore } from './PreviewStore.js';
import { canonicalJson } from './canonicalJson.js';

/** A request with its masks resolved, as cohorts submit their subjects: seed and model may be left to the server. */
export type SubmittedSynthesis = Omit<SynthesisJobRequest, 'seed' | 'model'> & { seed?: number; model?: string };

/** How a JobService takes requests: queue limit, where previews are, the mask limits and the SEG reader of the store. */
export type JobServiceOptions = {
  maxQueuedJobs: number;
  previews: PreviewStore;
  /** The request limits masks are resolved under (CHEXGEN_MAX_MASK*). */
  maskLimits: MaskLimits;
  /** Reads SEG masks from the store for `masks: [{ seg }]`; without it such masks are refused. */
  readSegmentation?: ReadSegmentation;
  /** The runner of this process, if it runs jobs (not with `chexgen serve --api-only`): fresher progress. */
  runner?: JobRunner;
};

/** Job counts and image metrics for `/metrics`. */
export type JobMetricsReport = { jobs: Record<JobStatus, number> } & ImageMetrics;

/**
 * The job use cases the HTTP layer calls: submit (resolve the masks, plan on the loaded model, fix the seed, store,
 * wake the runners), read, cancel, follow and preview. Routes stay thin: parse, call one of these, respond. The jobs
 * may run in this process or in workers elsewhere: the service talks to them through the store and the event bus.
 */
export class JobService {
  private closing = false;

  constructor(
    private readonly store: JobStore,
    private readonly events: JobEvents,
    private readonly model: ModelDescription,
    private readonly metricsSource: JobMetrics,
    private readonly options: JobServiceOptions,
  ) {}

  /** Refuses new submissions from now on (503): the server is shutting down. */
  stopAccepting(): void {
    this.closing = true;
  }

  /** The model jobs run on. */
  get modelName(): string {
    return this.model.manifest.name;
  }

  /**
   * Queues a validated synthesis request (synthesisRequest.ts): its masks are resolved to run lengths (PNGs
   * decoded, SEGs read from the store), then it is planned on the loaded model and stored. With an idempotency key
   * already used for the same request, returns that job (`created: false`); used for another request,
   * IDEMPOTENCY_CONFLICT. The seed, when not given, is drawn here and stored, so the job is reproducible and
   * survives restarts with the same pixels.
   */
  async submit(request: SynthesisRequest, idempotencyKey: string | null): Promise<{ job: Job; created: boolean }> {
    const { masks, ...rest } = request;
    const submitted: SubmittedSynthesis = masks === undefined
      ? rest
      : { ...rest, masks: await resolveMasks(masks, this.options.maskLimits, this.options.readSegmentation) };
    const { request: prepared, requestHash, progress } = this.prepare(submitted);
    const outcome = await this.store.insert({ id: randomUUID(), request: prepared, requestHash, idempotencyKey, progress }, { maxQueuedJobs: this.options.maxQueuedJobs });
    if (outcome.created) this.events.publish({ type: 'queued' });
    return outcome;
  }

  /**
   * A submitted request made ready to store: the model name resolved (model.json name or folder name, as
   * CHEXGEN_MODEL and --model take it), a random seed drawn when none is given, checked against the loaded model,
   * with its hash (of the request as sent, for idempotency) and its initial progress. Throws UNAVAILABLE while the
   * server shuts down, INVALID_FIELD for a request the model cannot run.
   */
  prepare(submitted: SubmittedSynthesis): { request: SynthesisJobRequest; requestHash: string; progress: JobProgress } {
    if (!this.accepting) throw new ChexgenError('UNAVAILABLE', 'the server is shutting down', { status: 503 });
    const requestHash = createHash('sha256').update(canonicalJson(submitted)).digest('hex');
    const request: SynthesisJobRequest = { ...submitted, model: this.resolveModel(submitted.model), seed: submitted.seed ?? randomInt(0, 2 ** 31) };
    const { steps } = planJob(request, this.model);
    return { request, requestHash, progress: { image: 0, count: request.count, step: 0, steps, fraction: 0 } };
  }

  /**
   * The loaded model's model.json name for `name` as a request gives it (that name, its folder name as CHEXGEN_MODEL
   * and --model take it, or nothing); INVALID_FIELD on `model` for any other model.
   */
  resolveModel(name: string | undefined): string {
    const resolved = name === undefined || name === basename(this.model.dir) ? this.model.manifest.name : name;
    assertLoadedModel(resolved, this.model);
    return resolved;
  }

  /**
   * Throws UNAVAILABLE (503) when `jobs` more queued jobs would pass CHEXGEN_MAX_QUEUED_JOBS now: an early answer
   * before costly planning. The binding check is the one the insert makes in its transaction ({@link queueLimit}).
   */
  async ensureQueueRoom(jobs: number): Promise<void> {
    await this.store.reserveQueueRoom(jobs, this.queueLimit);
  }

  /** The queue limit inserts must respect (CHEXGEN_MAX_QUEUED_JOBS). */
  get queueLimit(): { maxQueuedJobs: number } {
    return { maxQueuedJobs: this.options.maxQueuedJobs };
  }

  /** Wakes the runners after jobs were queued outside {@link submit} (a cohort's subjects). */
  notifyQueued(): void {
    this.events.publish({ type: 'queued' });
  }

  /** Asks the runners to stop these jobs between two steps (a canceled cohort's subjects; their rows are flagged). */
  stopRunning(ids: readonly string[]): void {
    for (const id of ids) this.events.publish({ type: 'cancel', jobId: id });
  }

  /** The loaded model's name and what a request may use. */
  get modelClasses(): { name: string; resolution: number; maskLabels: string[]; boxLabels: string[] } {
    const channels = this.model.manifest.conditions.channels;
    return {
      name: this.model.manifest.name,
      resolution: this.model.manifest.resolution,
      maskLabels: channels.filter((c) => c.kind === 'mask').map((c) => c.label),
      boxLabels: channels.filter((c) => c.kind === 'box').map((c) => c.label),
    };
  }

  /** The job with its freshest progress; NOT_FOUND when there is none. */
  async get(id: string): Promise<Job> {
    const job = await this.store.get(id);
    if (job === undefined) throw new ChexgenError('NOT_FOUND', `no synthesis job ${id}`, { field: 'id', status: 404 });
    const live = job.status === 'running' ? this.options.runner?.liveProgress(id) : undefined;
    return live === undefined ? job : { ...job, progress: live };
  }

  /**
   * Cancels a job and waits up to `waitMs` for a running one to stop (it stops between two steps). A job that has
   * already ended is JOB_FINISHED. Returns the job as it is then.
   */
  async cancel(id: string, waitMs = 5000): Promise<Job> {
    const job = await this.get(id);
    if (isFinal(job.status)) throw new ChexgenError('JOB_FINISHED', `job ${id} has already ${job.status === 'canceled' ? 'been canceled' : job.status}`, { field: 'id', status: 409 });
    const ended = new AbortController();
    const unsubscribe = this.events.subscribe(id, (event) => {
      if (event.type === 'done' || (event.type === 'status' && event.status === 'queued')) ended.abort();
    });
    try {
      const outcome = await this.store.requestCancel(id);
      if (outcome === 'canceled') {
        const canceled = await this.get(id);
        this.events.publish({ type: 'status', jobId: id, status: 'canceled' });
        this.events.publish({ type: 'done', jobId: id, job: canceled });
      } else if (outcome === 'flagged') {
        // its runner, in this process or a worker elsewhere, stops it between two steps
        this.events.publish({ type: 'cancel', jobId: id });
        await Promise.race([once(ended.signal, 'abort'), new Promise((resolve) => setTimeout(resolve, waitMs).unref())]);
      }
    } finally {
      unsubscribe();
    }
    return this.get(id);
  }

  /** Calls `listener` for every event of job `id`, wherever it runs, until the returned function is called. */
  subscribe(id: string, listener: (event: JobEvent) => void): () => void {
    return this.events.subscribe(id, listener);
  }

  /** The 8-bit PNG preview of image `index` of a job; NOT_FOUND until that image is done. */
  async preview(id: string, index: number): Promise<Buffer> {
    const job = await this.get(id);
    if (!job.results.some((r) => r.index === index)) {
      throw new ChexgenError('NOT_FOUND', `job ${id} has no image ${index} (yet)`, { field: 'index', status: 404 });
    }
    const png = await this.options.previews.get(id, index);
    if (png === undefined) throw new ChexgenError('NOT_FOUND', `the preview of image ${index} of job ${id} is gone`, { field: 'index', status: 404 });
    return png;
  }

  async metrics(): Promise<JobMetricsReport> {
    return { jobs: await this.store.countByStatus(), ...this.metricsSource.snapshot() };
  }

  /** Whether the job database answers, and when not, why (for /readyz). */
  async databaseCheck(): Promise<{ ok: boolean; detail?: string }> {
    try {
      return { ok: await this.store.ping() };
    } catch (error) {
      return { ok: false, detail: `the job database does not answer: ${error instanceof Error ? error.message : String(error)}` };
    }
  }

  /**
   * Whether submissions are taken: not while shutting down, nor while this process's runner (when it has one) is
   * stopping. With `--api-only` workers elsewhere run the jobs.
   */
  get accepting(): boolean {
    return !this.closing && (this.options.runner?.accepting ?? true);
  }
}
