import { Router } from 'express';
import type { ModelManifest } from '../../model/modelManifestSchema.js';

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

/**
 * The installed models as `GET /api/v1/models` lists them: `loaded` marks the one this server runs; samplers,
 * cohort findings and layout sources are the server's own.
 */
export function modelSummaries(
  listed: readonly { manifest: ModelManifest }[],
  loaded: string,
  offered: { samplers: readonly string[]; findings: readonly string[]; layouts: readonly string[] },
): ModelSummary[] {
  return listed.map(({ manifest: m }) => ({
    name: m.name, version: m.version, resolution: m.resolution, loaded: m.name === loaded,
    maskLabels: m.conditions.channels.filter((c) => c.kind === 'mask').map((c) => c.label),
    boxLabels: m.conditions.channels.filter((c) => c.kind === 'box').map((c) => c.label),
    defaultSteps: m.schedule.default_steps, defaultGuidance: m.schedule.default_guidance, samplers: [...offered.samplers], licence: m.licence,
    findings: [...offered.findings], layouts: [...offered.layouts],
  }));
}

/** `GET /models`: installed models, their condition classes, defaults and the server's request limits. */
export function modelsRoutes(models: readonly ModelSummary[], limits: Record<string, number>): Router {
  const router = Router();
  router.get('/models', (_req, res) => {
    res.json({ models, limits });
  });
  return router;
}
