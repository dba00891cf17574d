import { setTimeout as sleep } from 'node:timers/promises';
import { ChexgenError } from '../errors.js';
import { JobDatabaseUnavailableError } from '../jobs/JobStore.js';

/** Node's socket errors that mean the server could not be reached or the connection broke. */
const SOCKET_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'EPIPE', 'ETIMEDOUT', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH']);

/**
 * SQLSTATEs of a server that is going away or not there yet: admin_shutdown (57P01, e.g. `pg_ctl stop`),
 * crash_shutdown (57P02), cannot_connect_now (57P03, starting or in recovery), too_many_connections (53300).
 * Class 08 (connection exceptions) is matched by its prefix.
 */
const UNAVAILABLE_STATES = new Set(['57P01', '57P02', '57P03', '53300']);

/** What node-postgres says when a connection ends under a query or cannot be made in time. */
const CONNECTION_MESSAGES = [/connection terminated/i, /connection error/i, /timeout exceeded when trying to connect/i, /Client was closed and is not queryable/i, /Cannot use a pool after calling end/i];

/** Whether `error` says the database is unreachable or went away (not that a statement was wrong). */
export function isConnectionError(error: unknown): boolean {
  const code = (error as { code?: unknown } | undefined)?.code;
  if (typeof code === 'string' && (SOCKET_CODES.has(code) || UNAVAILABLE_STATES.has(code) || code.startsWith('08'))) return true;
  const message = error instanceof Error ? error.message : '';
  return CONNECTION_MESSAGES.some((pattern) => pattern.test(message));
}

/** A database URL as logs and /readyz may show it: no password, no query (which may carry one too). */
export function describeDatabaseUrl(url: string): string {
  try {
    const parsed = new URL(url);
    return `PostgreSQL ${parsed.username !== '' ? `${decodeURIComponent(parsed.username)}@` : ''}${parsed.host}${parsed.pathname}`;
  } catch {
    return 'PostgreSQL (unparsable URL)';
  }
}

/**
 * Runs `operation` for an API request: a connection failure becomes UNAVAILABLE (503, "try again"), so a client sees
 * the database is away rather than an internal error; anything else is passed on.
 */
export async function forRequest<T>(operation: () => Promise<T>): Promise<T> {
  try {
    return await operation();
  } catch (error) {
    if (!isConnectionError(error)) throw error;
    throw new ChexgenError('UNAVAILABLE', `the job database is unavailable (${error instanceof Error ? error.message : String(error)}); try again shortly`, {
      status: 503, cause: error,
    });
  }
}

/**
 * Runs `operation` for a running job: connection failures are retried with backoff (0.25 s doubling to 2 s) for up
 * to `windowMs`, so a database restart or a short outage pauses the job instead of ending it; past the window it is
 * {@link JobDatabaseUnavailableError}. The operations retried this way are idempotent (a result replaced by its
 * index, a status set only from the state it expects), so a retry after a commit whose answer was lost is harmless.
 */
export async function forJob<T>(operation: () => Promise<T>, windowMs: number): Promise<T> {
  const deadline = performance.now() + windowMs;
  let delay = 250;
  for (;;) {
    try {
      return await operation();
    } catch (error) {
      if (!isConnectionError(error)) throw error;
      if (performance.now() + delay > deadline) {
        throw new JobDatabaseUnavailableError(`the job database did not answer for ${Math.round(windowMs / 1000)} s: ${error instanceof Error ? error.message : String(error)}`, { cause: error });
      }
      await sleep(delay);
      delay = Math.min(delay * 2, 2000);
    }
  }
}
