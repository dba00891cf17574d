import type { TLSSocket } from 'node:tls';
import express, { Router, type Request, type RequestHandler } from 'express';
import type { RateLimiter } from './RateLimiter.js';
import { cookie, isAuthorized, SESSION_COOKIE, tokenMatches, type Auth } from './requireApiToken.js';

const PAGE = (message: string) => `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>chexgen: sign in</title></head>
<body style="font-family: sans-serif; max-width: 28em; margin: 4em auto">
<h1>chexgen</h1>
<p>This server is reachable from the network, so the viewer, DICOMweb and the API need its access token
(<code>CHEXGEN_API_TOKEN</code>, from whoever runs the server).</p>
${message === '' ? '' : `<p style="color: #b00" role="alert">${message}</p>`}
<form method="post" action="/login">
<label>Access token <input type="password" name="token" autocomplete="current-password" required autofocus></label>
<button type="submit">Sign in</button>
</form>
<p style="color: #555">Synthetic images for research; not for diagnosis.</p>
</body></html>
`;

/** When the session cookie is marked `Secure` (CHEXGEN_COOKIE_SECURE). */
export type CookieSecurity = 'auto' | 'always' | 'never';

/** Settings of {@link loginRoutes}. */
export type LoginOptions = {
  /** `auto`: when the browser came over TLS (here, or `X-Forwarded-Proto: https` from a TLS proxy in front). */
  secureCookie: CookieSecurity;
  /** Sign-in attempts per client address (CHEXGEN_LOGIN_ATTEMPTS_PER_MINUTE). */
  attempts: RateLimiter;
};

/** Whether the browser reached us over TLS: a TLS socket, or what a TLS-terminating proxy in front says. */
function overTls(req: Request): boolean {
  const forwarded = String(req.get('x-forwarded-proto') ?? '').split(',')[0]?.trim().toLowerCase();
  return (req.socket as TLSSocket).encrypted === true || forwarded === 'https';
}

/**
 * Browser sign-in for a server with a token: GET /login shows a form; POST /login with the right token starts a
 * server-side session (SessionStore) and sets an HttpOnly, SameSite=Strict cookie holding its random id, with
 * Max-Age = the session's lifetime and `Secure` as `secureCookie` says; POST /logout ends the session on the server
 * and clears the cookie. Sign-in attempts are limited per client address (429 with Retry-After beyond it).
 * SameSite=Strict keeps other sites from riding on the cookie.
 */
export function loginRoutes(auth: Auth, options: LoginOptions): Router {
  const router = Router();
  const cookieOptions = (req: Request) => ({
    httpOnly: true, sameSite: 'strict' as const, path: '/',
    secure: options.secureCookie === 'always' || (options.secureCookie === 'auto' && overTls(req)),
  });
  router.get('/login', (_req, res) => {
    res.set('Cache-Control', 'no-store').type('html').send(PAGE(''));
  });
  router.post('/login', (req, res, next) => {
    const wait = options.attempts.take(req.socket.remoteAddress ?? 'unknown');
    if (wait === 0) return next();
    res.status(429).set('Retry-After', String(wait)).set('Cache-Control', 'no-store').type('html')
      .send(PAGE(`Too many sign-in attempts from this address; try again in ${wait} s.`));
  }, express.urlencoded({ extended: false, limit: 4096 }), (req, res) => {
    const given = typeof req.body?.token === 'string' ? req.body.token : '';
    if (given === '' || !tokenMatches(given, auth.token)) {
      res.status(401).set('Cache-Control', 'no-store').type('html').send(PAGE('That token is not right.'));
      return;
    }
    const session = auth.sessions.create();
    res.cookie(SESSION_COOKIE, session.id, { ...cookieOptions(req), maxAge: session.maxAgeSeconds * 1000 });
    res.redirect(303, '/');
  });
  router.post('/logout', (req, res) => {
    const session = cookie(req, SESSION_COOKIE);
    if (session !== undefined) auth.sessions.end(session);
    res.clearCookie(SESSION_COOKIE, cookieOptions(req));
    res.redirect(303, '/login');
  });
  return router;
}

/** In front of the viewer: a browser without a session is sent to /login (other clients get 401 from the API). */
export function viewerGate(auth: Auth): RequestHandler {
  return (req, res, next) => {
    if (isAuthorized(req, auth)) return next();
    if ((req.method === 'GET' || req.method === 'HEAD') && (req.get('accept') ?? '').includes('text/html')) {
      res.redirect(303, '/login');
      return;
    }
    res.status(401).set('WWW-Authenticate', 'Bearer').json({ error: { code: 'UNAUTHORIZED', message: 'sign in at /login or send Authorization: Bearer <CHEXGEN_API_TOKEN>' } });
  };
}
