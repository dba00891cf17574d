import type { ErrorRequestHandler, RequestHandler } from 'express';
import type { Logger } from 'pino';
import { ChexgenError, type ErrorCode } from '../errors.js';

/** HTTP status per error code, used when the error does not carry its own. */
export const STATUS_BY_CODE: Record<ErrorCode, number> = {
  INVALID_FIELD: 400,
  MODEL_NOT_FOUND: 400,
  MODEL_INVALID: 500,
  PACS_UNAVAILABLE: 503,
  PACS_REJECTED: 502,
  PACS_NOT_FOUND: 404,
  NOT_FOUND: 404,
  JOB_FINISHED: 409,
  IDEMPOTENCY_CONFLICT: 422,
  UNAUTHORIZED: 401,
  PAYLOAD_TOO_LARGE: 413,
  UNAVAILABLE: 503,
  FORBIDDEN: 403,
  TOO_MANY_REQUESTS: 429,
  STORAGE_FULL: 507,
};

/** The shape of body-parser's errors (http-errors with a `type`). */
type HttpError = Error & { status?: number; statusCode?: number; type?: string; expose?: boolean };

/** Maps errors Express and body-parser raise (bad JSON, too large, bad charset, undecodable path) to ChexgenErrors. */
function fromHttpError(error: HttpError): ChexgenError | undefined {
  const status = error.status ?? error.statusCode;
  if (status === undefined || status < 400 || status >= 500) return undefined;
  switch (error.type) {
    case 'entity.too.large':
      return new ChexgenError('PAYLOAD_TOO_LARGE', 'body: larger than the limit (CHEXGEN_MAX_BODY_BYTES)', { field: 'body', status: 413 });
    case 'entity.parse.failed':
      return new ChexgenError('INVALID_FIELD', 'body: not valid JSON', { field: 'body', status: 400 });
    case 'charset.unsupported':
    case 'encoding.unsupported':
      return new ChexgenError('INVALID_FIELD', `body: ${error.message}`, { field: 'body', status: 415 });
    default:
      return new ChexgenError(status === 404 ? 'NOT_FOUND' : 'INVALID_FIELD', error.expose === false ? 'bad request' : error.message, { status });
  }
}

/** The last route: an unknown path is 404 NOT_FOUND in the API's error shape. */
export function notFoundHandler(): RequestHandler {
  return (req, _res, next) => {
    next(new ChexgenError('NOT_FOUND', `no route ${req.method} ${req.originalUrl.split('?')[0].slice(0, 200)}`, { status: 404 }));
  };
}

/**
 * The one error handler: a ChexgenError answers with its status (or the code's) and `{ error: { code, message,
 * field } }`; errors of Express and body-parser are mapped to codes; anything else is a bug: logged with its stack,
 * answered 500 INTERNAL without details.
 */
export function errorMiddleware(logger: Logger): ErrorRequestHandler {
  return (error: unknown, req, res, _next) => {
    const known = error instanceof ChexgenError ? error : error instanceof Error ? fromHttpError(error as HttpError) : undefined;
    if (res.headersSent) {
      logger.warn({ err: error, url: req.originalUrl }, 'error after the response started');
      res.end();
      return;
    }
    if (known === undefined) {
      logger.error({ err: error, method: req.method, url: req.originalUrl }, 'internal error');
      res.status(500).json({ error: { code: 'INTERNAL', message: 'internal error' } });
      return;
    }
    const status = known.status ?? STATUS_BY_CODE[known.code];
    if (status >= 500) logger.warn({ err: known, url: req.originalUrl }, 'request failed');
    if (status === 401) res.set('WWW-Authenticate', 'Bearer');
    res.status(status).json({ error: known.toJSON() });
  };
}
