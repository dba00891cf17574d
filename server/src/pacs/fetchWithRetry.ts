import { ChexgenError } from '../errors.js';
import type { PacsLog } from './DicomStore.js';

/** How often and how patiently to retry a request that failed for a transient reason. */
export type RetryPolicy = {
  /** Total tries, including the first (1 = no retry). */
  attempts: number;
  /** Delay before the first retry; it doubles per retry up to `maxDelayMs`, then jitter picks 50-100% of it. */
  baseDelayMs: number;
  maxDelayMs: number;
};

/** What one HTTP exchange gives back, with the body fully read (the timeout covers the body too). */
export type HttpResponse = { status: number; statusText: string; headers: Headers; body: Uint8Array };

/** The I/O a retrying request needs; tests inject fakes for all of it. */
export type RetryDeps = {
  fetch: typeof fetch;
  sleep: (ms: number) => Promise<void>;
  random: () => number;
  timeoutMs: number;
  retry: RetryPolicy;
  log?: PacsLog;
};

/**
 * Sends one request, retrying with exponential backoff and jitter on network errors, timeouts, 5xx and 429.
 * Any other status (2xx-4xx) is returned as is for the caller to judge; 4xx is never retried.
 *
 * @throws ChexgenError PACS_UNAVAILABLE once every attempt failed, naming the method, path, attempts and last reason.
 */
export async function fetchWithRetry(url: string, init: RequestInit, deps: RetryDeps): Promise<HttpResponse> {
  const where = `${init.method ?? 'GET'} ${new URL(url).pathname}`;
  let lastReason = 'no attempt made';
  for (let attempt = 1; attempt <= deps.retry.attempts; attempt++) {
    try {
      const response = await deps.fetch(url, { ...init, signal: AbortSignal.timeout(deps.timeoutMs) });
      const body = new Uint8Array(await response.arrayBuffer());
      if (response.status < 500 && response.status !== 429) {
        return { status: response.status, statusText: response.statusText, headers: response.headers, body };
      }
      lastReason = `HTTP ${response.status} ${response.statusText}: ${textExcerpt(body)}`.trim();
    } catch (error) {
      lastReason = describeNetworkError(error, deps.timeoutMs);
    }
    if (attempt < deps.retry.attempts) {
      const ceiling = Math.min(deps.retry.maxDelayMs, deps.retry.baseDelayMs * 2 ** (attempt - 1));
      const delayMs = Math.round(ceiling / 2 + (deps.random() * ceiling) / 2);
      deps.log?.('warn', 'PACS request failed, retrying', { request: where, attempt, delayMs, reason: lastReason });
      await deps.sleep(delayMs);
    }
  }
  const tries = deps.retry.attempts === 1 ? '1 attempt' : `${deps.retry.attempts} attempts`;
  throw new ChexgenError('PACS_UNAVAILABLE', `PACS unavailable: ${where} failed after ${tries}: ${lastReason}`, {
    status: 503,
  });
}

/** The start of a response body as one line of text, for error messages. */
export function textExcerpt(body: Uint8Array, maxChars = 300): string {
  const text = Buffer.from(body.buffer, body.byteOffset, Math.min(body.byteLength, maxChars * 4))
    .toString('utf8')
    .replace(/\s+/g, ' ')
    .trim();
  return text.length > maxChars ? `${text.slice(0, maxChars)}...` : text;
}

function describeNetworkError(error: unknown, timeoutMs: number): string {
  if (error instanceof Error && (error.name === 'TimeoutError' || error.name === 'AbortError')) {
    return `no complete answer within ${timeoutMs} ms`;
  }
  if (error instanceof Error) {
    // undici reports "fetch failed" and keeps the useful part (ECONNREFUSED, ...) in the cause
    const cause =
      error.cause instanceof Error ? `: ${(error.cause as Error & { code?: string }).code ?? error.cause.message}` : '';
    return `${error.message}${cause}`;
  }
  return String(error);
}
