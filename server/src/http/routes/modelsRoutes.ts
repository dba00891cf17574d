import { Router } from 'express';

/** A model as `GET /api/v1/models` lists it. */
export type ModelSummary = {
  name: string;
  version: string;
  resolution: number;
  /** True for the one model this server runs (requests may only name it). */
  loaded: boolean;
  maskLabels: string[];
  boxLabels: string[];
  defaultSteps: number;
  defaultGuidance: number;
  samplers: string[];
  /** Findings a cohort may ask for (`POST /api/v1/cohorts` `findings`). */
  findings: string[];
  /** Layout sources a cohort may use. */
  layouts: string[];
  licence: string;
};

/** `GET /models`: installed models, their condition classes, defaults and the server's request limits. */
export function modelsRoutes(models: readonly ModelSummary[], limits: Record<string, number>): Router {
  const router = Router();
  router.get('/models', (_req, res) => {
    res.json({ models, limits });
  });
  return router;
}
