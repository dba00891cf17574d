import { Router } from 'express';
import type { Logger } from 'pino';
import type { ApiLimits } from '../../contract/index.js';
import type { CohortService } from '../../cohorts/CohortService.js';
import type { JobService } from '../../jobs/JobService.js';
import type { CohortLimits } from '../../cohorts/cohortRequest.js';
import type { RequestLimits } from '../../synthesis/synthesisRequest.js';
import { EventStreamSlots } from '../EventStreamSlots.js';
import { modelsRoutes, type ModelSummary } from './modelsRoutes.js';
import { cohortsRoutes } from './cohortsRoutes.js';
import { openApiDocument } from './openApiDocument.js';
import { synthesesRoutes } from './synthesesRoutes.js';

/** Everything under `/api/v1`. Sub-routers are mounted without a path, so their routes are the API's paths. */
export function apiRoutes(deps: {
  jobs: JobService;
  cohorts: CohortService;
  limits: RequestLimits & CohortLimits;
  models: readonly ModelSummary[];
  sseHeartbeatMs?: number;
  logger?: Logger;
  /** Most open event streams (CHEXGEN_MAX_EVENT_STREAMS), across both events routes. */
  maxEventStreams?: number;
}): Router {
  const router = Router();
  const streams = new EventStreamSlots(deps.maxEventStreams ?? 64);
  router.use(synthesesRoutes(deps.jobs, deps.limits, { heartbeatMs: deps.sseHeartbeatMs, streams }));
  router.use(cohortsRoutes(deps.cohorts, deps.limits, { heartbeatMs: deps.sseHeartbeatMs, logger: deps.logger, streams }));
  const { maxTextLength, maxBoxes, maxMasks, maxMaskPixels, maxMaskRuns, maxRequestMaskPixels, maxCount, maxSteps, maxCohortSize } = deps.limits;
  const limits: ApiLimits = { maxTextLength, maxBoxes, maxMasks, maxMaskPixels, maxMaskRuns, maxRequestMaskPixels, maxCount, maxSteps, maxCohortSize };
  router.use(modelsRoutes(deps.models, limits));
  const document = openApiDocument(deps.limits);
  router.get('/openapi.json', (_req, res) => {
    res.json(document);
  });
  return router;
}
