import { EventEmitter } from 'node:events';
import type { Logger } from 'pino';
import { SynthesisCanceledError } from '../synthesis/synthesize.js';
import type { JobMetrics } from './JobMetrics.js';
import { jobErrorOf } from './jobErrorOf.js';
import type { JobStore } from './JobStore.js';
import { isFinal, type Job, type JobEvent, type JobProgress } from './jobTypes.js';
import { runSynthesisJob, type SynthesisJobDeps } from './runSynthesisJob.js';

/** Settings of a {@link JobRunner}. */
export type JobRunnerOptions = {
  store: JobStore;
  deps: SynthesisJobDeps;
  metrics: JobMetrics;
  logger: Logger;
  /** Jobs run at the same time (default 1); they share the one model runtime. */
  concurrency?: number;
  /** A job interrupted this many times (crashes) is marked failed at the next start (default 3). */
  maxAttempts?: number;
  deliveryTimeoutMs?: number;
  /** Longest wait between delivery retries (default 30 s). */
  maxRetryDelayMs?: number;
  /** How often idle loops look for queued jobs besides being woken by {@link JobRunner.notify} (default 1 s). */
  pollIntervalMs?: number;
  /** Least time between two progress writes of one job to the database (default 250 ms; events go out every step). */
  progressWriteIntervalMs?: number;
};

type RunningJob = { controller: AbortController; reason: 'cancel' | 'shutdown' | undefined; progress: JobProgress };

/**
 * Claims queued jobs from the {@link JobStore} and runs them ({@link runSynthesisJob}) in `concurrency` loops.
 * Emits a {@link JobEvent} per step, result and status change. On {@link start}, jobs a crash left `running` are
 * queued again; {@link stop} aborts running jobs between steps and puts them back in the queue.
 */
export class JobRunner {
  private readonly events = new EventEmitter();
  private readonly running = new Map<string, RunningJob>();
  private readonly wakers = new Set<() => void>();
  private loops: Promise<void>[] = [];
  private stopping = false;
  private started = false;

  constructor(private readonly options: JobRunnerOptions) {
    this.events.setMaxListeners(0);
  }

  /** Recovers interrupted jobs, delivers studies left in the outbox, then starts the loops. */
  start(): void {
    if (this.started) throw new Error('JobRunner: already started');
    this.started = true;
    const { store, logger } = this.options;
    const recovered = store.recoverInterrupted(this.options.maxAttempts ?? 3);
    if (recovered.requeued.length + recovered.canceled.length + recovered.failed.length > 0) {
      logger.warn(recovered, 'jobs interrupted by a crash: requeued, canceled or failed');
    }
    const drained = this.drainOutbox();
    const concurrency = this.options.concurrency ?? 1;
    this.loops = Array.from({ length: concurrency }, (_, slot) => drained.then(() => this.loop(slot)));
  }

  /** Delivers batches a crash or an earlier outage left in the outbox, before any job adds new ones. */
  private async drainOutbox(): Promise<void> {
    const { deps, logger } = this.options;
    try {
      if ((await deps.outbox.pending()).length === 0) return;
      const result = await deps.outbox.deliverPending(deps.sink);
      logger.info(result, 'outbox: delivered studies left from before');
    } catch (error) {
      logger.warn({ err: error }, 'outbox: could not deliver studies left from before');
    }
  }

  /** Wakes idle loops: a job was queued. */
  notify(): void {
    for (const wake of [...this.wakers]) wake();
  }

  /** Whether the loops run (started and not stopping). */
  get accepting(): boolean {
    return this.started && !this.stopping;
  }

  /** Progress of a job running in this process (fresher than the database copy), else undefined. */
  liveProgress(id: string): JobProgress | undefined {
    return this.running.get(id)?.progress;
  }

  /** Calls `listener` for every event of job `id` until the returned function is called. */
  subscribe(id: string, listener: (event: JobEvent) => void): () => void {
    this.events.on(`job:${id}`, listener);
    return () => this.events.off(`job:${id}`, listener);
  }

  private emit(event: JobEvent): void {
    this.events.emit(`job:${event.jobId}`, event);
  }

  /**
   * Cancels a job: a queued one at once, a running one between two steps. Returns the job's status right after
   * the request (`running` while the running job winds down).
   */
  cancel(id: string): 'canceled' | 'canceling' | 'final' {
    const outcome = this.options.store.requestCancel(id);
    if (outcome === 'canceled') {
      this.emit({ type: 'status', jobId: id, status: 'canceled' });
      this.emitDone(id);
      return 'canceled';
    }
    if (outcome === 'final') return 'final';
    const entry = this.running.get(id);
    if (entry !== undefined) {
      entry.reason ??= 'cancel';
      entry.controller.abort();
    }
    return 'canceling';
  }

  /** Stops claiming jobs, aborts running ones between steps and queues them again; resolves when all loops ended. */
  async stop(): Promise<void> {
    this.stopping = true;
    this.notify();
    for (const entry of this.running.values()) {
      entry.reason ??= 'shutdown';
      entry.controller.abort();
    }
    await Promise.all(this.loops);
  }

  private async loop(slot: number): Promise<void> {
    while (!this.stopping) {
      let job: Job | undefined;
      try {
        job = this.options.store.claimNext();
      } catch (error) {
        this.options.logger.error({ err: error, slot }, 'job runner: cannot claim a job');
      }
      if (job === undefined) {
        await this.idle();
        continue;
      }
      try {
        await this.execute(job);
      } catch (error) {
        // execute() records outcomes itself; this is a failure to record one (e.g. SQLITE_FULL). The job stays as
        // the database has it (running: the next start requeues it); the loop goes on with the next one.
        this.options.logger.error({ err: error, jobId: job.id, slot }, 'job runner: could not record a job\'s outcome; the loop goes on');
        this.running.delete(job.id);
        await this.idle();
      }
    }
  }

  private idle(): Promise<void> {
    return new Promise((resolve) => {
      const wake = () => {
        clearTimeout(timer);
        this.wakers.delete(wake);
        resolve();
      };
      const timer = setTimeout(wake, this.options.pollIntervalMs ?? 1000);
      this.wakers.add(wake);
    });
  }

  private emitDone(id: string): void {
    const job = this.options.store.get(id);
    if (job !== undefined && isFinal(job.status)) this.emit({ type: 'done', jobId: id, job });
  }

  private async execute(job: Job): Promise<void> {
    const { store, logger, metrics } = this.options;
    const log = logger.child({ jobId: job.id, attempt: job.attempts });
    const entry: RunningJob = { controller: new AbortController(), reason: undefined, progress: job.progress };
    this.running.set(job.id, entry);
    this.emit({ type: 'status', jobId: job.id, status: 'running' });
    log.info({ count: job.request.count, resumedImages: job.results.length }, 'job started');
    let lastWrite = 0;
    try {
      const results = await runSynthesisJob(job, this.options.deps, {
        signal: entry.controller.signal,
        deliveryTimeoutMs: this.options.deliveryTimeoutMs,
        maxRetryDelayMs: this.options.maxRetryDelayMs,
        onProgress: (progress) => {
          entry.progress = progress;
          this.emit({ type: 'progress', jobId: job.id, progress });
          const now = performance.now();
          if (now - lastWrite >= (this.options.progressWriteIntervalMs ?? 250) || progress.step === 0) {
            lastWrite = now;
            store.updateProgress(job.id, progress);
          }
        },
        onResult: (result) => {
          store.saveResult(job.id, result);
          this.emit({ type: 'result', jobId: job.id, result });
        },
        onImageDone: (ms) => metrics.recordImage(ms),
        log: (level, message, fields) => log[level](fields ?? {}, message),
      });
      const { count, steps } = entry.progress;
      store.finish(job.id, 'succeeded', null, { image: count - 1, count, step: steps, steps, fraction: 1 });
      log.info({ studies: results.map((r) => r.StudyInstanceUID) }, 'job succeeded');
    } catch (error) {
      if (error instanceof SynthesisCanceledError || entry.controller.signal.aborted) {
        store.updateProgress(job.id, entry.progress);
        if (entry.reason === 'shutdown') {
          store.requeue(job.id);
          log.info('job requeued for shutdown');
          this.emit({ type: 'status', jobId: job.id, status: 'queued' });
        } else {
          store.finish(job.id, 'canceled');
          log.info('job canceled');
        }
      } else {
        const failure = jobErrorOf(error);
        if (failure.code === 'INTERNAL') log.error({ err: error }, 'job failed with an internal error');
        else log.warn({ err: error, code: failure.code }, 'job failed');
        store.finish(job.id, 'failed', failure);
      }
    } finally {
      this.running.delete(job.id);
    }
    const final = store.get(job.id);
    if (final !== undefined && isFinal(final.status)) {
      this.emit({ type: 'status', jobId: job.id, status: final.status });
      this.emitDone(job.id);
    }
  }
}
