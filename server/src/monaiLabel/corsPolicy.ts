import type { Request, RequestHandler } from 'express';
import { ChexgenError } from '../errors.js';

/**
 * Browser access to the MONAI Label surface from other origins (MONAI Label's OHIF plugin runs in a viewer of its
 * own). `allowedOrigins` are exact origins (`http://viewer.lan:3000`) from CHEXGEN_MONAI_LABEL_ORIGINS.
 *
 * - A preflight (OPTIONS with Access-Control-Request-Method) from an allowed origin gets 204 with the methods and
 *   headers MONAI Label clients use; from any other origin 403. Preflights carry no credentials, so this runs
 *   before authentication.
 * - Any other request that carries an Origin must come from this server's own origin or an allowed one (403
 *   FORBIDDEN otherwise): a multipart POST is a "simple" request that browsers send cross-origin WITHOUT a
 *   preflight, so without this check any web page could make a loopback server without a token run syntheses
 *   (cross-site request forgery). Scripts (the Python client, curl) send no Origin and pass.
 */
export function monaiLabelCors(allowedOrigins: readonly string[]): RequestHandler {
  const allowed = new Set(allowedOrigins.map((o) => o.toLowerCase()));
  return (req, res, next) => {
    const origin = req.get('origin');
    if (origin === undefined) return next();
    const crossAllowed = allowed.has(origin.toLowerCase());
    if (req.method === 'OPTIONS' && req.get('access-control-request-method') !== undefined) {
      if (!crossAllowed) return next(forbidden(origin));
      res.set({
        'Access-Control-Allow-Origin': origin,
        'Access-Control-Allow-Methods': 'GET, POST, OPTIONS',
        'Access-Control-Allow-Headers': 'Authorization, Content-Type, Accept',
        'Access-Control-Allow-Credentials': 'true',
        'Access-Control-Max-Age': '600',
        Vary: 'Origin',
      });
      res.status(204).end();
      return;
    }
    if (crossAllowed) {
      res.set({ 'Access-Control-Allow-Origin': origin, 'Access-Control-Allow-Credentials': 'true', Vary: 'Origin' });
      return next();
    }
    if (isSameOrigin(req, origin)) return next();
    next(forbidden(origin));
  };
}

/** Whether `origin` is the origin the request was sent to (the viewer served by this server). */
function isSameOrigin(req: Request, origin: string): boolean {
  const host = req.get('host');
  if (host === undefined) return false;
  try {
    const url = new URL(origin);
    return url.host.toLowerCase() === host.toLowerCase();
  } catch {
    return false;
  }
}

function forbidden(origin: string): ChexgenError {
  return new ChexgenError('FORBIDDEN', `Origin ${origin.slice(0, 200)} may not call the MONAI Label API (CHEXGEN_MONAI_LABEL_ORIGINS)`, { field: 'Origin', status: 403 });
}
