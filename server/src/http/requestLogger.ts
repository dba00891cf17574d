import { randomUUID } from 'node:crypto';
import type { RequestHandler } from 'express';
import type { Logger } from 'pino';

/**
 * One structured log line per request when its response ends: method, path, status, duration and a request id
 * (also sent back as `X-Request-Id`). Probes (/healthz, /readyz) log at debug.
 */
export function requestLogger(logger: Logger): RequestHandler {
  return (req, res, next) => {
    const started = performance.now();
    const id = randomUUID();
    res.set('X-Request-Id', id);
    res.on('close', () => {
      const quiet = req.path === '/healthz' || req.path === '/readyz';
      logger[quiet ? 'debug' : 'info']({
        reqId: id, method: req.method, path: req.originalUrl.split('?')[0], status: res.statusCode,
        ms: Math.round(performance.now() - started), complete: res.writableFinished,
      }, 'request');
    });
    next();
  };
}
