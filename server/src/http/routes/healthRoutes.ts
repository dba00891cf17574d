import { Router, type Request } from 'express';
import type { Health, Readiness as ReadinessBody } from '../../contract/index.js';

/** One readiness check: `ok` and, when not, why. */
export type ReadinessCheck = { ok: boolean; detail?: string };

/** What `/readyz` checks (model loaded, store reachable, job database, runner accepting). */
export type Readiness = () => Promise<Record<string, ReadinessCheck>>;

/**
 * `/healthz` (the process answers) and `/readyz` (it can do work: 200 when every check is ok, else 503). The probes
 * stay open, but the checks' details (the PACS URL, the data path, error messages) go only to requests for which
 * `showDetails` holds (those carrying the API token); others get each check's `ok` alone.
 */
export function healthRoutes(readiness: Readiness, showDetails: (req: Request) => boolean = () => true): Router {
  const router = Router();
  router.get('/healthz', (_req, res) => {
    const body: Health = { status: 'ok', uptimeSeconds: Math.round(process.uptime()) };
    res.json(body);
  });
  router.get('/readyz', async (req, res) => {
    const checks = await readiness();
    const ready = Object.values(checks).every((c) => c.ok);
    const shown = showDetails(req) ? checks : Object.fromEntries(Object.entries(checks).map(([name, c]) => [name, { ok: c.ok }]));
    const body: ReadinessBody = { status: ready ? 'ready' : 'not ready', checks: shown };
    res.status(ready ? 200 : 503).json(body);
  });
  return router;
}
