import { randomUUID } from 'node:crypto';
import pg from 'pg';
import { LocalJobEvents, type JobEvents, type JobSignal } from '../jobs/JobEvents.js';
import { isFinal, type Job, type JobEvent } from '../jobs/jobTypes.js';

/** The NOTIFY channel of job signals. */
export const EVENTS_CHANNEL = 'chexgen_events';

/** Notifications on their way beyond which progress signals are dropped. */
const MAX_PROGRESS_BACKLOG = 8;

/** A signal as it travels: `done` without the job (a NOTIFY payload holds at most 8000 bytes; receivers read it). */
type WireSignal = Exclude<JobSignal, { type: 'done' }> | { type: 'done'; jobId: string };

/** Settings of {@link PgJobEvents}. */
export type PgJobEventsOptions = {
  /** Reads a job from the job store: `done` signals carry only the id. */
  readJob: (id: string) => Promise<Job | undefined>;
  /** Where publishing goes (any connection will do). */
  pool: pg.Pool;
  /** A lost LISTEN connection and its reconnection. */
  log?: (level: 'info' | 'warn', message: string, fields?: Record<string, unknown>) => void;
};

/**
 * The {@link JobEvents} bus across processes and machines: PostgreSQL's LISTEN/NOTIFY on one channel. A signal is
 * delivered at once to this process's listeners and sent with `pg_notify` to every other process (the API's SSE
 * streams follow a job that a worker elsewhere runs; a cancel asked at the API reaches the job's worker; `queued`
 * wakes idle workers). Each process listens on one dedicated connection and reconnects with backoff when it is lost;
 * after a reconnection it tells its own listeners `queued` and re-reads the jobs it follows, so an end told while it
 * was away is not missed. Signals are hints: what is true is in the job store.
 */
export class PgJobEvents implements JobEvents {
  private readonly local = new LocalJobEvents();
  private readonly origin = randomUUID();
  private readonly followed = new Map<string, number>();
  private client: pg.Client | undefined;
  private closed = false;
  private reconnectTimer: NodeJS.Timeout | undefined;
  private sending = 0;

  private constructor(private readonly connectionString: string, private readonly options: PgJobEventsOptions) {}

  /** Connects the listening connection (and keeps it connected until {@link close}). */
  static async open(connectionString: string, options: PgJobEventsOptions): Promise<PgJobEvents> {
    const events = new PgJobEvents(connectionString, options);
    await events.listen();
    return events;
  }

  private async listen(): Promise<void> {
    const client = new pg.Client({ connectionString: this.connectionString, connectionTimeoutMillis: 5000, application_name: 'chexgen-events' });
    client.on('notification', (message) => this.receive(message.payload));
    client.on('error', () => this.lost(client));
    client.on('end', () => this.lost(client));
    try {
      await client.connect();
      await client.query(`LISTEN ${EVENTS_CHANNEL}`);
    } catch (error) {
      client.removeAllListeners('end');
      await client.end().catch(() => undefined);
      throw error;
    }
    this.client = client;
  }

  /** The listening connection broke: reconnect with backoff (0.5 s doubling to 5 s), then catch up. */
  private lost(client: pg.Client): void {
    if (this.client !== client) return;
    this.client = undefined;
    client.removeAllListeners('end');
    client.end().catch(() => undefined);
    if (this.closed) return;
    this.options.log?.('warn', 'job events: the LISTEN connection to the job database was lost; reconnecting');
    const attempt = (delay: number): void => {
      this.reconnectTimer = setTimeout(() => {
        if (this.closed) return;
        this.listen().then(() => {
          this.options.log?.('info', 'job events: listening again');
          this.catchUp();
        }, () => attempt(Math.min(delay * 2, 5000)));
      }, delay);
      this.reconnectTimer.unref();
    };
    attempt(500);
  }

  /** After a reconnection: wake idle runners, and end the streams of followed jobs that ended meanwhile. */
  private catchUp(): void {
    this.local.publish({ type: 'queued' });
    for (const id of this.followed.keys()) this.emitDone(id);
  }

  private emitDone(jobId: string): void {
    this.options.readJob(jobId).then((job) => {
      if (job !== undefined && isFinal(job.status)) this.local.publish({ type: 'done', jobId, job });
    }, () => undefined);
  }

  private receive(payload: string | undefined): void {
    let message: { o: string; s: WireSignal };
    try {
      message = JSON.parse(payload ?? '') as { o: string; s: WireSignal };
    } catch {
      return;
    }
    if (message.o === this.origin) return; // told to this process's listeners when published
    const signal = message.s;
    if (signal.type === 'done') this.emitDone(signal.jobId);
    else this.local.publish(signal);
  }

  publish(signal: JobSignal): void {
    this.local.publish(signal);
    if (this.closed) return;
    // progress is dropped while notifications back up (the database is slow or away): they would queue for the
    // connections the job's own writes need; the next step's progress says the same, fresher
    if (signal.type === 'progress' && this.sending >= MAX_PROGRESS_BACKLOG) return;
    const wire: WireSignal = signal.type === 'done' ? { type: 'done', jobId: signal.jobId } : signal;
    this.sending++;
    this.options.pool.query('SELECT pg_notify($1, $2)', [EVENTS_CHANNEL, JSON.stringify({ o: this.origin, s: wire })]).catch(() => undefined).finally(() => {
      this.sending--;
    });
  }

  subscribe(id: string, listener: (event: JobEvent) => void): () => void {
    this.followed.set(id, (this.followed.get(id) ?? 0) + 1);
    const off = this.local.subscribe(id, listener);
    let subscribed = true;
    return () => {
      if (!subscribed) return;
      subscribed = false;
      off();
      const left = (this.followed.get(id) ?? 1) - 1;
      if (left <= 0) this.followed.delete(id);
      else this.followed.set(id, left);
    };
  }

  onQueued(listener: () => void): () => void {
    return this.local.onQueued(listener);
  }

  onCancel(listener: (jobId: string) => void): () => void {
    return this.local.onCancel(listener);
  }

  async close(): Promise<void> {
    this.closed = true;
    clearTimeout(this.reconnectTimer);
    const client = this.client;
    this.client = undefined;
    if (client !== undefined) {
      client.removeAllListeners('end');
      await client.end().catch(() => undefined);
    }
    await this.local.close();
  }
}
