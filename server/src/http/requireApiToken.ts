import { createHash, timingSafeEqual } from 'node:crypto';
import type { RequestHandler } from 'express';
import { ChexgenError } from '../errors.js';

const digest = (text: string): Buffer => createHash('sha256').update(text).digest();

/**
 * Requires `Authorization: Bearer <token>` (compared in constant time). With an empty token every request passes:
 * the server allows that only on a loopback address (see startServer).
 */
export function requireApiToken(token: string): RequestHandler {
  const expected = digest(token);
  return (req, _res, next) => {
    if (token === '') return next();
    const match = /^Bearer\s+(\S+)\s*$/i.exec(req.get('authorization') ?? '');
    if (match === null || !timingSafeEqual(digest(match[1]), expected)) {
      return next(new ChexgenError('UNAUTHORIZED', 'missing or wrong API token (Authorization: Bearer <CHEXGEN_API_TOKEN>)', { status: 401 }));
    }
    next();
  };
}

/** Whether `host` only accepts connections from this machine. */
export function isLoopbackHost(host: string): boolean {
  const h = host.trim().toLowerCase().replace(/^\[|\]$/g, '');
  return h === 'localhost' || h === '::1' || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(h) || h === '::ffff:127.0.0.1';
}
