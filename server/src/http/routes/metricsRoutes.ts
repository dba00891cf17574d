import { Router } from 'express';
import type { Metrics } from '../../contract/index.js';
import type { JobService } from '../../jobs/JobService.js';

/** `GET /metrics`: jobs by status, images per minute, p50/p95 image latency, and the process's memory. */
export function metricsRoutes(jobs: JobService): Router {
  const router = Router();
  router.get('/metrics', async (_req, res) => {
    const memory = process.memoryUsage();
    const body: Metrics = { ...(await jobs.metrics()), process: { rssBytes: memory.rss, heapUsedBytes: memory.heapUsed, uptimeSeconds: Math.round(process.uptime()) } };
    res.json(body);
  });
  return router;
}
