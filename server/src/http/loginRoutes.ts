import express, { Router, type RequestHandler } from 'express';
import { isAuthorized, SESSION_COOKIE, sessionValue, tokenMatches } from './requireApiToken.js';

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

/**
 * Browser sign-in for a server bound beyond loopback: GET /login shows a form, POST /login with the right token sets
 * an HttpOnly, SameSite=Strict session cookie (an HMAC of the token, never the token) and goes to the viewer;
 * POST /logout clears it. SameSite=Strict keeps other sites from riding on the cookie.
 */
export function loginRoutes(token: string): Router {
  const router = Router();
  router.get('/login', (_req, res) => {
    res.set('Cache-Control', 'no-store').type('html').send(PAGE(''));
  });
  router.post('/login', express.urlencoded({ extended: false, limit: 4096 }), (req, res) => {
    const given = typeof req.body?.token === 'string' ? req.body.token : '';
    if (given === '' || !tokenMatches(given, token)) {
      res.status(401).set('Cache-Control', 'no-store').type('html').send(PAGE('That token is not right.'));
      return;
    }
    res.cookie(SESSION_COOKIE, sessionValue(token), { httpOnly: true, sameSite: 'strict', secure: req.secure, path: '/' });
    res.redirect(303, '/');
  });
  router.post('/logout', (req, res) => {
    res.clearCookie(SESSION_COOKIE, { httpOnly: true, sameSite: 'strict', secure: req.secure, path: '/' });
    res.redirect(303, '/login');
  });
  return router;
}

/** In front of the viewer: a browser without a session is sent to /login (other clients get 401 from the API). */
export function viewerGate(token: string): RequestHandler {
  return (req, res, next) => {
    if (isAuthorized(req, token)) return next();
    if ((req.method === 'GET' || req.method === 'HEAD') && (req.get('accept') ?? '').includes('text/html')) {
      res.redirect(303, '/login');
      return;
    }
    res.status(401).set('WWW-Authenticate', 'Bearer').json({ error: { code: 'UNAUTHORIZED', message: 'sign in at /login or send Authorization: Bearer <CHEXGEN_API_TOKEN>' } });
  };
}
