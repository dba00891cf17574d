import { Router } from 'express';
import type { JobService } from '../../jobs/JobService.js';
import type { RequestLimits } from '../validation/parseSynthesisBody.js';
import { modelsRoutes, type ModelSummary } from './modelsRoutes.js';
import { OPENAPI_DOCUMENT } from './openApiDocument.js';
import { synthesesRoutes } from './synthesesRoutes.js';

/** Everything under `/api/v1`. Sub-routers are mounted without a path, so their routes are the API's paths. */
export function apiRoutes(deps: { jobs: JobService; limits: RequestLimits; models: readonly ModelSummary[]; sseHeartbeatMs?: number }): Router {
  const router = Router();
  router.use(synthesesRoutes(deps.jobs, deps.limits, { heartbeatMs: deps.sseHeartbeatMs }));
  const { maxTextLength, maxBoxes, maxMasks, maxMaskPixels, maxCount, maxSteps } = deps.limits;
  router.use(modelsRoutes(deps.models, { maxTextLength, maxBoxes, maxMasks, maxMaskPixels, maxCount, maxSteps }));
  router.get('/openapi.json', (_req, res) => {
    res.json(OPENAPI_DOCUMENT);
  });
  return router;
}
