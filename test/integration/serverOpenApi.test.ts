import pino from 'pino';
import { describe, expect, it } from 'vitest';
import { createApp } from '../../server/src/http/createApp.js';
import { OPENAPI_DOCUMENT } from '../../server/src/http/routes/openApiDocument.js';
import type { CohortService } from '../../server/src/cohorts/CohortService.js';
import type { JobService } from '../../server/src/jobs/JobService.js';
import type { ExportDataset } from '../../server/src/http/routes/datasetZipRoutes.js';

/** Express 5 (router 2) internals: a route layer, or a router mounted at `rawPath`. */
type Layer = { route?: { path: string; methods: Record<string, boolean> }; rawPath?: string; handle: { stack?: Layer[] } };

/** `METHOD /path/{param}` of every route under `stack`, following mounted routers and their mount paths. */
function routesOf(stack: Layer[], prefix = ''): string[] {
  return stack.flatMap((layer) => {
    if (layer.route !== undefined) {
      const path = `${prefix}${layer.route.path}`.replace(/:(\w+)/g, '{$1}');
      return Object.keys(layer.route.methods).map((method) => `${method.toUpperCase()} ${path}`);
    }
    const mount = layer.rawPath === undefined || layer.rawPath === '/' ? '' : layer.rawPath;
    return layer.handle.stack !== undefined ? routesOf(layer.handle.stack, `${prefix}${mount}`) : [];
  });
}

describe('OpenAPI document', () => {
  it('when the app registers a route, then the document lists it with that method, and nothing else', () => {
    const app = createApp({
      jobs: {} as JobService, cohorts: {} as CohortService, // building the app does not call the services
      models: [], readiness: async () => ({}), maxBodyBytes: 1024, apiToken: '', logger: pino({ level: 'silent' }),
      exportDataset: (() => {}) as unknown as ExportDataset, // the /api/v1 routes of the dataset export (the MONAI Label surface is not /api: docs/monai-label.md)
      limits: { maxTextLength: 1, maxBoxes: 1, maxMasks: 1, maxMaskPixels: 1, maxMaskRuns: 1, maxRequestMaskPixels: 1, maxCount: 1, maxSteps: 1, maxCohortSize: 1 },
    });
    const registered = routesOf((app as unknown as { router: { stack: Layer[] } }).router.stack).sort();
    const documented = Object.entries(OPENAPI_DOCUMENT.paths)
      .flatMap(([path, item]) => Object.keys(item).map((method) => `${method.toUpperCase()} ${path}`))
      .sort();
    expect(registered).toContain('POST /api/v1/syntheses');
    expect(registered).toContain('GET /api/v1/syntheses/{id}/preview/{index}.png');
    expect(documented).toEqual(registered);
  });

  it('when the document refers to a schema, then the schema exists', () => {
    const refs = [...JSON.stringify(OPENAPI_DOCUMENT).matchAll(/"\$ref":"#\/components\/schemas\/(\w+)"/g)].map((m) => m[1]);
    expect(refs.length).toBeGreaterThan(5);
    for (const name of new Set(refs)) expect(Object.keys(OPENAPI_DOCUMENT.components.schemas)).toContain(name);
  });
});
