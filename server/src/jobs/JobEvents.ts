import { EventEmitter } from 'node:events';
import type { JobEvent } from './jobTypes.js';

/**
 * What runners, services and event streams tell each other, wherever they run: a job's own events (progress, status,
 * result, done; the SSE streams and waiting requests follow them), `queued` (work is waiting: idle runners look now
 * instead of at their next poll) and `cancel` (the runner of that job stops it between two steps).
 */
export type JobSignal = JobEvent | { type: 'queued' } | { type: 'cancel'; jobId: string };

/**
 * The bus of {@link JobSignal}s. In one process (SQLite) an EventEmitter ({@link LocalJobEvents}); across machines
 * (PostgreSQL) LISTEN/NOTIFY (server/src/postgres). Publishing never throws and never waits: signals are hints that
 * make things prompt; what is true is in the job store, which listeners read when in doubt.
 */
export interface JobEvents {
  publish(signal: JobSignal): void;
  /** Calls `listener` for every event of job `id` until the returned function is called. */
  subscribe(id: string, listener: (event: JobEvent) => void): () => void;
  /** Calls `listener` when jobs were queued. */
  onQueued(listener: () => void): () => void;
  /** Calls `listener` with the id of a running job whose cancellation was asked. */
  onCancel(listener: (jobId: string) => void): () => void;
  close(): Promise<void>;
}

/** The bus inside one process: the embedded (SQLite) setup, where the API and the runner share a process. */
export class LocalJobEvents implements JobEvents {
  private readonly emitter = new EventEmitter();

  constructor() {
    this.emitter.setMaxListeners(0);
  }

  publish(signal: JobSignal): void {
    if (signal.type === 'queued') this.emitter.emit('queued');
    else if (signal.type === 'cancel') this.emitter.emit('cancel', signal.jobId);
    else this.emitter.emit(`job:${signal.jobId}`, signal);
  }

  subscribe(id: string, listener: (event: JobEvent) => void): () => void {
    return this.on(`job:${id}`, listener);
  }

  onQueued(listener: () => void): () => void {
    return this.on('queued', listener);
  }

  onCancel(listener: (jobId: string) => void): () => void {
    return this.on('cancel', listener);
  }

  private on<A extends unknown[]>(name: string, listener: (...args: A) => void): () => void {
    const handler = listener as (...args: unknown[]) => void;
    this.emitter.on(name, handler);
    return () => this.emitter.off(name, handler);
  }

  async close(): Promise<void> {
    this.emitter.removeAllListeners();
  }
}
