import { Router } from 'express';
import type { ApiLimits, CohortLayout, ModelInfo, ModelsResponse } from '../../contract/index.js';
import type { ModelManifest } from '../../model/modelManifestSchema.js';

/** A model as `GET /api/v1/models` lists it (the contract's `ModelInfo`). */
export type ModelSummary = ModelInfo;

/**
 * The installed models as `GET /api/v1/models` lists them: `loaded` marks the one this server runs; samplers,
 * cohort findings and layout sources are the server's own.
 */
export function modelSummaries(
  listed: readonly { manifest: ModelManifest }[],
  loaded: string,
  offered: { samplers: readonly string[]; findings: readonly string[]; layouts: readonly CohortLayout[] },
): ModelSummary[] {
  return listed.map(({ manifest: m }) => ({
    name: m.name, version: m.version, resolution: m.resolution, loaded: m.name === loaded,
    maskLabels: m.conditions.channels.filter((c) => c.kind === 'mask').map((c) => c.label),
    boxLabels: m.conditions.channels.filter((c) => c.kind === 'box').map((c) => c.label),
    defaultSteps: m.schedule.default_steps, defaultGuidance: m.schedule.default_guidance,
    defaultSpatialGuidance: m.schedule.default_spatial_guidance ?? m.schedule.default_guidance, samplers: [...offered.samplers], licence: m.licence,
    findings: [...offered.findings], layouts: [...offered.layouts],
  }));
}

/** `GET /models`: installed models, their condition classes, defaults and the server's request limits. */
export function modelsRoutes(models: readonly ModelSummary[], limits: ApiLimits): Router {
  const router = Router();
  router.get('/models', (_req, res) => {
    const body: ModelsResponse = { models: [...models], limits };
    res.json(body);
  });
  return router;
}
