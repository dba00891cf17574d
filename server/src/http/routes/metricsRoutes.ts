import { Router } from 'express';
import type { JobService } from '../../jobs/JobService.js';

/** `GET /metrics`: jobs by status, images per minute, p50/p95 image latency, and the process's memory. */
export function metricsRoutes(jobs: JobService): Router {
  const router = Router();
  router.get('/metrics', async (_req, res) => {
    const memory = process.memoryUsage();
    res.json({ ...(await jobs.metrics()), process: { rssBytes: memory.rss, heapUsedBytes: memory.heapUsed, uptimeSeconds: Math.round(process.uptime()) } });
  });
  return router;
}
