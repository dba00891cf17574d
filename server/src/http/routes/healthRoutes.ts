import { Router } from 'express';

/** One readiness check: `ok` and, when not, why. */
export type ReadinessCheck = { ok: boolean; detail?: string };

/** What `/readyz` checks (model loaded, store reachable, job database, runner accepting). */
export type Readiness = () => Promise<Record<string, ReadinessCheck>>;

/** `/healthz` (the process answers) and `/readyz` (it can do work: 200 when every check is ok, else 503). */
export function healthRoutes(readiness: Readiness): Router {
  const router = Router();
  router.get('/healthz', (_req, res) => {
    res.json({ status: 'ok', uptimeSeconds: Math.round(process.uptime()) });
  });
  router.get('/readyz', async (_req, res) => {
    const checks = await readiness();
    const ready = Object.values(checks).every((c) => c.ok);
    res.status(ready ? 200 : 503).json({ status: ready ? 'ready' : 'not ready', checks });
  });
  return router;
}
