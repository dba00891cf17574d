/**
 * Error codes the server reports. Callers map them to HTTP statuses and CLI exit codes, so the list is closed.
 *
 * - `INVALID_FIELD`: a request field failed validation.
 * - `MODEL_NOT_FOUND`: no model folder / model.json where one was expected.
 * - `MODEL_INVALID`: a model folder exists but its manifest, tokenizer or files break the model contract.
 * - `PACS_UNAVAILABLE`: the PACS could not be reached (network error, timeout, 5xx) after all retries.
 * - `PACS_REJECTED`: the PACS refused a request (4xx other than 404, e.g. bad credentials) or answered unusably.
 * - `PACS_NOT_FOUND`: the study, series, instance or frame asked for is not in the PACS.
 * - `NOT_FOUND`: the job, preview or API route asked for does not exist.
 * - `JOB_FINISHED`: the job already ended (succeeded, failed or canceled), so it cannot be canceled.
 * - `IDEMPOTENCY_CONFLICT`: an idempotency key was reused with a different request.
 * - `UNAUTHORIZED`: the API token is missing or wrong.
 * - `PAYLOAD_TOO_LARGE`: the request body exceeds the configured limit.
 * - `UNAVAILABLE`: the server is shutting down or not ready to take work.
 * - `FORBIDDEN`: the request may not be served as sent (e.g. a Host name the server does not answer to).
 * - `TOO_MANY_REQUESTS`: a rate or concurrency limit was reached (sign-in attempts, open event streams); retry later.
 * - `STORAGE_FULL`: the disk or a configured storage quota has no room for what was to be written.
 */
export const ERROR_CODES = [
  'INVALID_FIELD',
  'MODEL_NOT_FOUND',
  'MODEL_INVALID',
  'PACS_UNAVAILABLE',
  'PACS_REJECTED',
  'PACS_NOT_FOUND',
  'NOT_FOUND',
  'JOB_FINISHED',
  'IDEMPOTENCY_CONFLICT',
  'UNAUTHORIZED',
  'PAYLOAD_TOO_LARGE',
  'UNAVAILABLE',
  'FORBIDDEN',
  'TOO_MANY_REQUESTS',
  'STORAGE_FULL',
] as const;

/** One of {@link ERROR_CODES}. */
export type ErrorCode = (typeof ERROR_CODES)[number];

/** Details attached to a {@link ChexgenError}. */
export type ChexgenErrorOptions = {
  /** Path of the offending field, e.g. `graphs.denoiser.inputs[0].dtype`. */
  field?: string;
  /** HTTP status to answer with, when the error reaches the HTTP layer. */
  status?: number;
  cause?: unknown;
};

/**
 * An expected, operational failure (bad input, broken model folder), as opposed to a bug.
 * It carries a code and the field at fault so HTTP and CLI can report it precisely.
 */
export class ChexgenError extends Error {
  readonly code: ErrorCode;
  readonly field: string | undefined;
  readonly status: number | undefined;

  constructor(code: ErrorCode, message: string, options: ChexgenErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'ChexgenError';
    this.code = code;
    this.field = options.field;
    this.status = options.status;
  }

  /** The `{ code, message, field }` body that HTTP replies carry. */
  toJSON(): { code: ErrorCode; message: string; field?: string } {
    return this.field === undefined
      ? { code: this.code, message: this.message }
      : { code: this.code, message: this.message, field: this.field };
  }
}
