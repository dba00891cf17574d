import { createHash, timingSafeEqual } from 'node:crypto';
import type { Request, RequestHandler } from 'express';
import { ChexgenError } from '../errors.js';
import type { SessionStore } from './SessionStore.js';

const digest = (text: string): Buffer => createHash('sha256').update(text).digest();

/** Name of the viewer's session cookie (set by POST /login, see loginRoutes.ts). */
export const SESSION_COOKIE = 'chexgen_session';

/** What requests are checked against: the API token ('' = none) and the sign-in sessions of browsers. */
export type Auth = { token: string; sessions: SessionStore };

/** The value of cookie `name` in a request, if sent. */
export function cookie(req: Request, name: string): string | undefined {
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
 * Whether a request carries the token: `Authorization: Bearer <token>` (scripts, the CLI, compared in constant
 * time) or the session cookie of a browser that signed in at /login and has not signed out or expired. With an
 * empty token every request passes.
 */
export function isAuthorized(req: Request, auth: Auth): boolean {
  if (auth.token === '') return true;
  const bearer = /^Bearer\s+(\S+)\s*$/i.exec(req.get('authorization') ?? '');
  if (bearer !== null && tokenMatches(bearer[1] ?? '', auth.token)) return true;
  const session = cookie(req, SESSION_COOKIE);
  return session !== undefined && auth.sessions.isValid(session);
}

/**
 * Requires the token (see {@link isAuthorized}) on /api, /metrics, /dicom-web and /wado. With an empty token every
 * request passes: the server allows that only on a loopback address (see startServer).
 */
export function requireApiToken(auth: Auth): RequestHandler {
  return (req, _res, next) => {
    if (isAuthorized(req, auth)) return next();
    next(new ChexgenError('UNAUTHORIZED', 'missing or wrong API token (Authorization: Bearer <CHEXGEN_API_TOKEN>, or sign in at /login)', { status: 401 }));
  };
}

/** Whether `host` only accepts connections from this machine. */
export function isLoopbackHost(host: string): boolean {
  const h = host.trim().toLowerCase().replace(/^\[|\]$/g, '');
  return h === 'localhost' || h === '::1' || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(h) || h === '::ffff:127.0.0.1';
}
