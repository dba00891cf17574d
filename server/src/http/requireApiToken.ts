import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import type { Request, RequestHandler } from 'express';
import { ChexgenError } from '../errors.js';

const digest = (text: string): Buffer => createHash('sha256').update(text).digest();

/** Name of the viewer's session cookie (set by POST /login, see loginRoutes.ts). */
export const SESSION_COOKIE = 'chexgen_session';

/**
 * The session cookie's value for `token`: an HMAC of a fixed label, so the token itself never sits in the browser
 * and changing CHEXGEN_API_TOKEN ends every session.
 */
export function sessionValue(token: string): string {
  return createHmac('sha256', token).update('chexgen viewer session v1').digest('base64url');
}

function cookie(req: Request, name: string): string | undefined {
  for (const part of (req.get('cookie') ?? '').split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0 && part.slice(0, eq).trim() === name) return part.slice(eq + 1).trim();
  }
  return undefined;
}

/** Whether `given` is the token (constant time). */
export function tokenMatches(given: string, token: string): boolean {
  return timingSafeEqual(digest(given), digest(token));
}

/**
 * Whether a request carries the token: `Authorization: Bearer <token>` (scripts, the CLI) or the viewer's session
 * cookie (browsers, after /login). Both compared in constant time. With an empty token every request passes.
 */
export function isAuthorized(req: Request, token: string): boolean {
  if (token === '') return true;
  const bearer = /^Bearer\s+(\S+)\s*$/i.exec(req.get('authorization') ?? '');
  if (bearer !== null && tokenMatches(bearer[1] ?? '', token)) return true;
  const session = cookie(req, SESSION_COOKIE);
  return session !== undefined && tokenMatches(session, sessionValue(token));
}

/**
 * Requires the token (see {@link isAuthorized}) on /api, /metrics, /dicom-web and /wado. With an empty token every
 * request passes: the server allows that only on a loopback address (see startServer).
 */
export function requireApiToken(token: string): RequestHandler {
  return (req, _res, next) => {
    if (isAuthorized(req, token)) return next();
    next(new ChexgenError('UNAUTHORIZED', 'missing or wrong API token (Authorization: Bearer <CHEXGEN_API_TOKEN>, or sign in at /login)', { status: 401 }));
  };
}

/** Whether `host` only accepts connections from this machine. */
export function isLoopbackHost(host: string): boolean {
  const h = host.trim().toLowerCase().replace(/^\[|\]$/g, '');
  return h === 'localhost' || h === '::1' || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(h) || h === '::ffff:127.0.0.1';
}
