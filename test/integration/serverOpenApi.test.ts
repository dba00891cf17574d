import { Ajv2020 } from 'ajv/dist/2020.js';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp } from '../../server/src/http/createApp.js';
import { openApiDocument } from '../../server/src/http/routes/openApiDocument.js';
import { contractSchemas, type ApiLimits, type ContractSchemaName } from '../../server/src/contract/index.js';
import type { CohortService } from '../../server/src/cohorts/CohortService.js';
import type { JobService } from '../../server/src/jobs/JobService.js';
import type { ExportDataset } from '../../server/src/http/routes/datasetZipRoutes.js';
import type { ServerHandle } from '../../server/src/composition/startChexgenServer.js';
import { apiClient, newDataDir, startTestServer, waitForJob } from '../helpers/testServer.js';

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

const LIMITS: ApiLimits = { maxTextLength: 100, maxBoxes: 4, maxMasks: 3, maxMaskPixels: 64 * 64, maxMaskRuns: 4097, maxRequestMaskPixels: 3 * 64 * 64, maxCount: 5, maxSteps: 50, maxCohortSize: 30 };
const DOCUMENT = openApiDocument(LIMITS);

/** A JSON Schema validator (draft 2020-12, OpenAPI 3.1's dialect) for the document's schemas, by component name. */
function documentValidator(document: { components: unknown }) {
  // strict, but for strictRequired: `required` in the Mask's oneOf branches names properties declared beside them
  const ajv = new Ajv2020({ strict: true, strictRequired: false, allErrors: true, validateFormats: false });
  ajv.addKeyword('components'); // the OpenAPI document's own keyword; the schemas under it are checked strictly
  ajv.addSchema({ $id: 'openapi', components: document.components });
  return (name: string) => {
    const validate = ajv.getSchema(`openapi#/components/schemas/${name}`);
    if (validate === undefined) throw new Error(`no schema ${name}`);
    return (value: unknown) => ({ ok: validate(value) as boolean, errors: validate.errors });
  };
}
const documentSchema = documentValidator(DOCUMENT);

/** Does the contract's zod schema `name` accept `value`? */
function zodAccepts(name: ContractSchemaName, value: unknown): boolean {
  return contractSchemas(LIMITS)[name].safeParse(value).success;
}

const RLE = { label: 'heart', width: 4, height: 2, rle: [3, 2, 3] };
const SEG = { seg: { StudyInstanceUID: '1.2.3', SeriesInstanceUID: '1.2.3.4' } };

/** Requests each side must accept (true) or refuse (false) alike: every field, limit and source rule. */
const SYNTHESIS_CASES: [string, unknown, boolean][] = [
  ['text only', { text: 'Cardiomegaly.' }, true],
  ['every field', { text: 'x', sex: 'F', age: 70, view: 'AP supine', boxes: [{ label: 'nodule', x0: 1, y0: 2, x1: 3, y1: 4.5 }], sourceWidth: 1024, sourceHeight: 1024, masks: [RLE, SEG, { label: 'heart', png: 'iVBORw0KGgo=' }], count: 5, seed: 4294967295, steps: 50, guidance: 20, spatialGuidance: 0, sampler: 'ddim', model: 'm', sourceStudy: '1.2.840', idempotencyKey: 'k-1' }, true],
  ['a seg of one label', { masks: [{ label: 'heart', ...SEG }] }, true],
  ['boxes only', { boxes: [{ label: 'heart', x0: 0, y0: 0, x1: 1, y1: 1 }] }, true],
  ['nothing to show', {}, false],
  ['blank text alone', { text: '   ' }, false],
  ['empty boxes and masks alone', { boxes: [], masks: [] }, false],
  ['an unknown field', { text: 'x', colour: 'red' }, false],
  ['an unknown box field', { boxes: [{ label: 'heart', x0: 0, y0: 0, x1: 1, y1: 1, z: 1 }] }, false],
  ['a box without x1', { boxes: [{ label: 'heart', x0: 0, y0: 0, y1: 1 }] }, false],
  ['an empty box label', { boxes: [{ label: '', x0: 0, y0: 0, x1: 1, y1: 1 }] }, false],
  ['too many boxes', { boxes: Array.from({ length: 5 }, () => ({ label: 'heart', x0: 0, y0: 0, x1: 1, y1: 1 })) }, false],
  ['too many masks', { masks: [RLE, RLE, RLE, RLE] }, false],
  ['text too long', { text: 'x'.repeat(101) }, false],
  ['count above the limit', { text: 'x', count: 6 }, false],
  ['count 0', { text: 'x', count: 0 }, false],
  ['count as a string', { text: 'x', count: '2' }, false],
  ['steps above the limit', { text: 'x', steps: 51 }, false],
  ['a fractional seed', { text: 'x', seed: 1.5 }, false],
  ['a seed above 2^32 - 1', { text: 'x', seed: 4294967296 }, false],
  ['guidance above 20', { text: 'x', guidance: 21 }, false],
  ['an unknown sex', { text: 'x', sex: 'X' }, false],
  ['an unknown view', { text: 'x', view: 'oblique' }, false],
  ['an unknown sampler', { text: 'x', sampler: 'heun' }, false],
  ['age 121', { text: 'x', age: 121 }, false],
  ['a sourceStudy that is not a UID', { text: 'x', sourceStudy: '1.2.x' }, false],
  ['an idempotency key with a space', { text: 'x', idempotencyKey: 'a b' }, false],
  ['a mask with two sources', { masks: [{ ...RLE, png: 'AAAA' }] }, false],
  ['a mask with no source', { masks: [{ label: 'heart' }] }, false],
  ['an rle mask without a label', { masks: [{ width: 4, height: 2, rle: [8] }] }, false],
  ['an rle mask without its height', { masks: [{ label: 'heart', width: 4, rle: [8] }] }, false],
  ['a png mask with a width', { masks: [{ label: 'heart', png: 'AAAA', width: 4 }] }, false],
  ['a seg mask with a size', { masks: [{ ...SEG, width: 4, height: 2 }] }, false],
  ['a seg without its study', { masks: [{ seg: { SeriesInstanceUID: '1.2' } }] }, false],
  ['a mask side above 8192', { masks: [{ label: 'heart', width: 8193, height: 1, rle: [8193] }] }, false],
  ['a negative run', { masks: [{ label: 'heart', width: 1, height: 1, rle: [-1, 2] }] }, false],
  ['a body that is not an object', [1, 2], false],
];

const COHORT_CASES: [string, unknown, boolean][] = [
  ['size only', { size: 10 }, true],
  ['every field', { size: 30, seed: 7, sex: { F: 3, M: 1 }, ageBands: { '20-39': 1, '40-120': 2 }, view: { PA: 3, AP: 1, 'AP supine': 0.5, lateral: 0 }, findings: { nodule: 0.3, 'pleural thickening': 1 }, layout: 'annotations', steps: 50, guidance: 2, spatialGuidance: 3, sampler: 'euler', model: 'm', idempotencyKey: 'k' }, true],
  ['no size', { seed: 1 }, false],
  ['size above the limit', { size: 31 }, false],
  ['an unknown sex key', { size: 2, sex: { X: 1 } }, false],
  ['an unknown view key', { size: 2, view: { oblique: 1 } }, false],
  ['a negative weight', { size: 2, sex: { F: -1, M: 1 } }, false],
  ['no weight at all', { size: 2, view: {} }, false],
  ['an unknown finding', { size: 2, findings: { fracture: 0.5 } }, false],
  ['a prevalence above 1', { size: 2, findings: { nodule: 1.5 } }, false],
  ['an age band that is not lo-hi', { size: 2, ageBands: { adults: 1 } }, false],
  ['25 age bands', { size: 2, ageBands: Object.fromEntries(Array.from({ length: 25 }, (_, i) => [`${i}-${i}`, 1])) }, false],
  ['an unknown layout', { size: 2, layout: 'random' }, false],
  ['an unknown field', { size: 2, subjects: 3 }, false],
];

/**
 * Rules only the server checks (JSON Schema has no way to say them): the document accepts these, the contract's
 * schema refuses them. The list is the whole gap; a rule that moves into the document moves out of it.
 */
const SERVER_ONLY: [string, ContractSchemaName, unknown][] = [
  ['a mask over maxMaskPixels (width x height)', 'SynthesisRequest', { masks: [{ label: 'heart', width: 65, height: 64, rle: [4160] }] }],
  ['weights that add up to 0', 'CohortRequest', { size: 2, sex: { F: 0, M: 0 } }],
  ['an age band with lo > hi', 'CohortRequest', { size: 2, ageBands: { '60-20': 1 } }],
  ['an age band above 120', 'CohortRequest', { size: 2, ageBands: { '20-130': 1 } }],
];

describe('OpenAPI document', () => {
  it('when the app registers a route, then the document lists it with that method, and nothing else', () => {
    const app = createApp({
      jobs: {} as JobService, cohorts: {} as CohortService, // building the app does not call the services
      models: [], readiness: async () => ({}), maxBodyBytes: 1024, apiToken: '', logger: pino({ level: 'silent' }),
      exportDataset: (() => {}) as unknown as ExportDataset, // the /api/v1 routes of the dataset export (the MONAI Label surface is not /api: docs/monai-label.md)
      limits: { ...LIMITS },
    });
    const registered = routesOf((app as unknown as { router: { stack: Layer[] } }).router.stack).sort();
    const documented = Object.entries(DOCUMENT.paths)
      .flatMap(([path, item]) => Object.keys(item).map((method) => `${method.toUpperCase()} ${path}`))
      .sort();
    expect(registered).toContain('POST /api/v1/syntheses');
    expect(registered).toContain('GET /api/v1/syntheses/{id}/preview/{index}.png');
    expect(documented).toEqual(registered);
  });

  it('when the document refers to a schema, then the schema exists, and its schemas are the contract\'s, for the server\'s limits', () => {
    const refs = [...JSON.stringify(DOCUMENT).matchAll(/"\$ref":"#\/components\/schemas\/(\w+)"/g)].map((m) => m[1]);
    expect(refs.length).toBeGreaterThan(20);
    for (const name of new Set(refs)) expect(Object.keys(DOCUMENT.components.schemas)).toContain(name);
    expect(Object.keys(DOCUMENT.components.schemas).sort()).toEqual(Object.keys(contractSchemas(LIMITS)).sort());
    // Every request body and JSON answer of an operation is one of the contract's schemas.
    const bodies = Object.values(DOCUMENT.paths).flatMap((item) => Object.values(item as Record<string, { requestBody?: unknown; responses: Record<string, { content?: Record<string, { schema: unknown }> }> }>))
      .flatMap((op) => [op.requestBody as { content?: Record<string, { schema: unknown }> } | undefined, ...Object.values(op.responses)])
      .flatMap((part) => Object.entries(part?.content ?? {}).filter(([type]) => type === 'application/json').map(([, media]) => media.schema));
    expect(bodies.filter((schema) => !('$ref' in (schema as object)))).toEqual([{ type: 'object' }]); // only /openapi.json itself
    const schemas = DOCUMENT.components.schemas as Record<string, { properties: Record<string, { maximum?: number; maxLength?: number; maxItems?: number }> }>;
    expect(schemas.SynthesisRequest.properties.count.maximum).toBe(LIMITS.maxCount);
    expect(schemas.SynthesisRequest.properties.text.maxLength).toBe(LIMITS.maxTextLength);
    expect(schemas.SynthesisRequest.properties.boxes.maxItems).toBe(LIMITS.maxBoxes);
    expect(schemas.CohortRequest.properties.size.maximum).toBe(LIMITS.maxCohortSize);
    expect(schemas.CohortProgress.properties).toHaveProperty('canceled');
  });

  it.each(SYNTHESIS_CASES)('when a synthesis request has %s, then the document and the server agree', (_what, body, valid) => {
    const byDocument = documentSchema('SynthesisRequest')(body);
    expect({ document: byDocument.ok, errors: byDocument.ok === valid ? null : byDocument.errors }).toEqual({ document: valid, errors: null });
    expect(zodAccepts('SynthesisRequest', body)).toBe(valid);
  });

  it.each(COHORT_CASES)('when a cohort request has %s, then the document and the server agree', (_what, body, valid) => {
    const byDocument = documentSchema('CohortRequest')(body);
    expect({ document: byDocument.ok, errors: byDocument.ok === valid ? null : byDocument.errors }).toEqual({ document: valid, errors: null });
    expect(zodAccepts('CohortRequest', body)).toBe(valid);
  });

  it.each(SERVER_ONLY)('when a request has %s, then only the server refuses it (the documented gap)', (_what, name, body) => {
    expect(documentSchema(name)(body).ok).toBe(true);
    expect(zodAccepts(name, body)).toBe(false);
  });
});

describe('OpenAPI document against the running server (tiny model)', () => {
  let server: ServerHandle;
  let api: ReturnType<typeof apiClient>;
  let document: typeof DOCUMENT;
  let schema: ReturnType<typeof documentValidator>;

  beforeAll(async () => {
    server = await startTestServer(await newDataDir(), { maxCount: '3', maxCohortSize: '40' });
    api = apiClient(server.url);
    document = (await api.get('/api/v1/openapi.json')).body;
    schema = documentValidator(document);
  }, 600_000);
  afterAll(async () => server?.close());

  /** The schema the document gives for `status` of `METHOD path` (its JSON answer). */
  function answerSchema(method: string, path: string, status: number): string {
    const op = (document.paths as Record<string, Record<string, { responses: Record<string, { content?: Record<string, { schema: { $ref?: string } }> }> }>>)[path][method];
    const ref = op.responses[String(status)]?.content?.['application/json']?.schema.$ref;
    if (ref === undefined) throw new Error(`${method.toUpperCase()} ${path} documents no JSON answer for ${status}`);
    return ref.replace('#/components/schemas/', '');
  }

  /** Checks an answer against the document (and the contract's zod schema of the same name). */
  function expectDocumented(method: string, path: string, answer: { status: number; body: unknown }): void {
    const name = answerSchema(method, path, answer.status);
    const result = schema(name)(answer.body);
    expect({ operation: `${method.toUpperCase()} ${path} ${answer.status} (${name})`, errors: result.errors ?? null }).toEqual({ operation: expect.any(String), errors: null });
    expect(zodAccepts(name as ContractSchemaName, answer.body)).toBe(true);
  }

  it('when the server answers, then every answer matches its operation\'s schema and the served limits are its config', async () => {
    expect((document.components.schemas as Record<string, { properties: Record<string, { maximum?: number }> }>).SynthesisRequest.properties.count.maximum).toBe(3);
    expectDocumented('get', '/api/v1/models', await api.get('/api/v1/models'));
    expect((await api.get('/api/v1/models')).body.limits).toMatchObject({ maxCount: 3, maxCohortSize: 40 });
    expectDocumented('get', '/healthz', await api.get('/healthz'));
    const ready = await api.get('/readyz');
    expectDocumented('get', '/readyz', ready);

    const submitted = await api.post('/api/v1/syntheses', { text: 'Cardiomegaly.', sex: 'F', steps: 2, seed: 3, count: 2 });
    expectDocumented('post', '/api/v1/syntheses', submitted);
    await waitForJob(api, submitted.body.id);
    expectDocumented('get', '/api/v1/syntheses/{id}', await api.get(`/api/v1/syntheses/${submitted.body.id}`));
    expectDocumented('delete', '/api/v1/syntheses/{id}', await api.delete(`/api/v1/syntheses/${submitted.body.id}`)); // 409: finished
    expectDocumented('post', '/api/v1/syntheses', await api.post('/api/v1/syntheses', { text: 'x', count: 4 })); // 400
    expectDocumented('get', '/api/v1/syntheses/{id}', await api.get('/api/v1/syntheses/00000000-0000-4000-8000-000000000000')); // 404

    const cohort = await api.post('/api/v1/cohorts', { size: 2, seed: 5, steps: 2, findings: { nodule: 0.5 } });
    expectDocumented('post', '/api/v1/cohorts', cohort);
    const deadline = Date.now() + 60_000;
    let view = await api.get(`/api/v1/cohorts/${cohort.body.id}`);
    while (!['succeeded', 'failed', 'canceled'].includes(view.body.status) && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 200));
      view = await api.get(`/api/v1/cohorts/${cohort.body.id}`);
    }
    expect(view.body.status).toBe('succeeded');
    expectDocumented('get', '/api/v1/cohorts/{id}', view);
    expectDocumented('get', '/api/v1/cohorts/{id}/manifest.json', await api.get(`/api/v1/cohorts/${cohort.body.id}/manifest.json`));
    expectDocumented('post', '/api/v1/cohorts', await api.post('/api/v1/cohorts', { size: 41 })); // 400
    expectDocumented('get', '/metrics', await api.get('/metrics'));
  }, 120_000);
});
