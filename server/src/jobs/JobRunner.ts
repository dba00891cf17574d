import type { Logger } from 'pino';
import { SynthesisCanceledError } from '../synthesis/synthesize.js';
import type { JobEvents } from './JobEvents.js';
import type { JobMetrics } from './JobMetrics.js';
import { jobErrorOf } from './jobErrorOf.js';
import { JobDatabaseUnavailableError, LeaseLostError, type JobStore } from './JobStore.js';
import { isFinal, type Job, type JobProgress } from './jobTypes.js';
import { runSynthesisJob, type SynthesisJobDeps } from './runSynthesisJob.js';

/** Settings of a {@link JobRunner}. */
export type JobRunnerOptions = {
  store: JobStore;
  /** Where the runner tells the job's events and hears of new work and cancellations. */
  events: JobEvents;
  deps: SynthesisJobDeps;
  metrics: JobMetrics;
  logger: Logger;
  /** Jobs run at the same time (default 1); they share the one model runtime. */
  concurrency?: number;
  /** A job interrupted this many times (crashes) is marked failed instead of run again (default 3). */
  maxAttempts?: number;
  deliveryTimeoutMs?: number;
  /** Longest wait between delivery retries (default 30 s). */
  maxRetryDelayMs?: number;
  /** How often idle loops look for queued jobs besides being woken by a `queued` signal (default 1 s). */
  pollIntervalMs?: number;
  /** Least time between two progress writes of one job to the database (default 250 ms; events go out every step). */
  progressWriteIntervalMs?: number;
  /**
   * How often a running job's lease is renewed and its cancel flag read (default 10 s). With PostgreSQL this is the
   * heartbeat that keeps other workers off the job; a third of the lease (CHEXGEN_LEASE_S) leaves two misses spare.
   */
  heartbeatIntervalMs?: number;
};

/** Why a running job is being stopped: asked to, the process shuts down, or another worker holds it now. */
type StopReason = 'cancel' | 'shutdown' | 'lost';

type RunningJob = { controller: AbortController; reason: StopReason | undefined; progress: JobProgress };

/**
 * Claims queued jobs from the {@link JobStore} and runs them ({@link runSynthesisJob}) in `concurrency` loops.
 * Publishes a job event per step, result and status change on the {@link JobEvents} bus, and stops a job between two
 * steps when a `cancel` signal names it or its lease is lost. On {@link start}, jobs a crash left `running` are
 * recovered (SQLite) and studies left in this process's outbox are delivered; {@link stop} aborts running jobs
 * between steps and puts them back in the queue.
 */
export class JobRunner {
  private readonly running = new Map<string, RunningJob>();
  private readonly wakers = new Set<() => void>();
  private readonly unsubscribe: (() => void)[] = [];
  private loops: Promise<void>[] = [];
  private stopping = false;
  private started = false;

  constructor(private readonly options: JobRunnerOptions) {}

  /** Recovers interrupted jobs, delivers studies left in the outbox, then starts the loops. */
  async start(): Promise<void> {
    if (this.started) throw new Error('JobRunner: already started');
    this.started = true;
    const { store, events, logger } = this.options;
    this.unsubscribe.push(events.onQueued(() => this.notify()), events.onCancel((id) => this.abort(id, 'cancel')));
    const recovered = await store.recoverInterrupted(this.options.maxAttempts ?? 3);
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

  /** Ids of the jobs running in this process. */
  get runningJobs(): string[] {
    return [...this.running.keys()];
  }

  /** Stops a job running here between two steps; nothing when it does not run here. */
  private abort(id: string, reason: StopReason): void {
    const entry = this.running.get(id);
    if (entry === undefined) return;
    entry.reason ??= reason;
    entry.controller.abort();
  }

  /** Stops claiming jobs, aborts running ones between steps and queues them again; resolves when all loops ended. */
  async stop(): Promise<void> {
    this.stopping = true;
    this.notify();
    for (const id of this.running.keys()) this.abort(id, 'shutdown');
    await Promise.all(this.loops);
    for (const off of this.unsubscribe.splice(0)) off();
  }

  private async loop(slot: number): Promise<void> {
    while (!this.stopping) {
      let job: Job | undefined;
      try {
        job = await this.options.store.claimNext({
          maxAttempts: this.options.maxAttempts ?? 3,
          onEnded: (ended) => {
            this.options.logger.warn({ jobId: ended.id, status: ended.status, error: ended.error }, 'a job its dead worker left running was ended at claim');
            this.options.events.publish({ type: 'status', jobId: ended.id, status: ended.status });
            this.options.events.publish({ type: 'done', jobId: ended.id, job: ended });
          },
        });
      } catch (error) {
        this.options.logger.error({ err: error, slot }, 'job runner: cannot claim a job');
      }
      if (job === undefined) {
        await this.idle();
        continue;
      }
      if (this.stopping) {
        // claimed while stop() was on its way: give it straight back
        await this.options.store.requeue(job.id).catch((error: unknown) => this.options.logger.warn({ err: error, jobId: job.id }, 'could not requeue a job claimed during shutdown'));
        break;
      }
      try {
        await this.execute(job);
      } catch (error) {
        // execute() records outcomes itself; this is a failure to record one (e.g. SQLITE_FULL). The job stays as
        // the database has it (running: recovery or its lease gives it back); the loop goes on with the next one.
        this.options.logger.error({ err: error, jobId: job.id, slot }, 'job runner: could not record a job\'s outcome; the loop goes on');
        this.running.delete(job.id);
        await this.idle();
      }
    }
  }

  private idle(): Promise<void> {
    if (this.stopping) return Promise.resolve();
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

  private async publishEnd(id: string): Promise<void> {
    const job = await this.options.store.get(id);
    if (job === undefined || !isFinal(job.status)) return;
    this.options.events.publish({ type: 'status', jobId: id, status: job.status });
    this.options.events.publish({ type: 'done', jobId: id, job });
  }

  /** Renews the job's lease every heartbeat; stops the run when it is lost or a cancel was asked. */
  private heartbeat(job: Job, log: Logger): NodeJS.Timeout {
    let beating = false;
    return setInterval(() => {
      if (beating) return;
      beating = true;
      this.options.store.renewLease(job.id).then((lease) => {
        if (!lease.held) this.abort(job.id, 'lost');
        else if (lease.cancelRequested) this.abort(job.id, 'cancel');
      }, (error: unknown) => {
        // the database is away: the run goes on, and so do other workers' leases' clocks; see docs/reliability.md
        log.warn({ err: error }, 'could not renew the job\'s lease; trying again at the next heartbeat');
      }).finally(() => {
        beating = false;
      });
    }, this.options.heartbeatIntervalMs ?? 10_000);
  }

  private async execute(job: Job): Promise<void> {
    const { store, events, logger, metrics } = this.options;
    const log = logger.child({ jobId: job.id, attempt: job.attempts });
    const entry: RunningJob = { controller: new AbortController(), reason: undefined, progress: job.progress };
    this.running.set(job.id, entry);
    events.publish({ type: 'status', jobId: job.id, status: 'running' });
    if (job.cancelRequested) this.abort(job.id, 'cancel');
    log.info({ count: job.request.count, resumedImages: job.results.length }, 'job started');
    const heartbeat = this.heartbeat(job, log);
    let lastWrite = 0;
    let writing = false;
    const writeProgress = (progress: JobProgress): void => {
      writing = true;
      store.updateProgress(job.id, progress).catch((error: unknown) => {
        if (error instanceof LeaseLostError) this.abort(job.id, 'lost');
        else log.debug({ err: error }, 'progress not written; the next step tries again');
      }).finally(() => {
        writing = false;
      });
    };
    try {
      try {
        const results = await runSynthesisJob(job, this.options.deps, {
          signal: entry.controller.signal,
          deliveryTimeoutMs: this.options.deliveryTimeoutMs,
          maxRetryDelayMs: this.options.maxRetryDelayMs,
          onProgress: (progress) => {
            entry.progress = progress;
            events.publish({ type: 'progress', jobId: job.id, progress });
            const now = performance.now();
            if (!writing && (now - lastWrite >= (this.options.progressWriteIntervalMs ?? 250) || progress.step === 0)) {
              lastWrite = now;
              writeProgress(progress);
            }
          },
          onResult: async (result) => {
            await store.saveResult(job.id, result);
            events.publish({ type: 'result', jobId: job.id, result });
          },
          onImageDone: (ms) => metrics.recordImage(ms),
          log: (level, message, fields) => log[level](fields ?? {}, message),
        });
        const { count, steps } = entry.progress;
        await store.finish(job.id, 'succeeded', null, { image: count - 1, count, step: steps, steps, fraction: 1 });
        log.info({ studies: results.map((r) => r.StudyInstanceUID) }, 'job succeeded');
      } catch (error) {
        await this.recordStop(job, entry, error, log);
      }
    } catch (error) {
      if (error instanceof LeaseLostError || entry.reason === 'lost') {
        log.warn('another worker holds the job now (this worker\'s lease ran out); this run stops without recording');
        return;
      }
      if (error instanceof JobDatabaseUnavailableError) {
        log.error({ err: error }, 'the job database is unavailable: the job is left as it is, to its lease or to recovery at the next start');
        return;
      }
      throw error;
    } finally {
      clearInterval(heartbeat);
      this.running.delete(job.id);
    }
    await this.publishEnd(job.id);
  }

  /** Records why a run stopped early: requeued (shutdown), canceled, or failed with the error's code. */
  private async recordStop(job: Job, entry: RunningJob, error: unknown, log: Logger): Promise<void> {
    const { store, events } = this.options;
    if (error instanceof LeaseLostError || error instanceof JobDatabaseUnavailableError || entry.reason === 'lost') throw error;
    if (error instanceof SynthesisCanceledError || entry.controller.signal.aborted) {
      await store.updateProgress(job.id, entry.progress);
      if (entry.reason === 'shutdown') {
        await store.requeue(job.id);
        log.info('job requeued for shutdown');
        events.publish({ type: 'status', jobId: job.id, status: 'queued' });
      } else {
        await store.finish(job.id, 'canceled');
        log.info('job canceled');
      }
      return;
    }
    const failure = jobErrorOf(error);
    if (failure.code === 'INTERNAL') log.error({ err: error }, 'job failed with an internal error');
    else log.warn({ err: error, code: failure.code }, 'job failed');
    await store.finish(job.id, 'failed', failure);
  }
}
