import { contractJsonSchemas, type ApiLimits } from '../../contract/index.js';
import { CHEXGEN_VERSION } from '../../version.js';
import { COHORT_PATHS } from './openApiCohorts.js';
import { errorResponse, idParam, json, ref } from './openApiHelpers.js';

const auth = [{ bearer: [] }];

/**
 * The API as OpenAPI 3.1, served at `/api/v1/openapi.json`. The schemas (`components.schemas`) are generated from
 * the wire contract (server/src/contract, zod -> JSON Schema) for the server's own limits (config CHEXGEN_MAX_*);
 * the operations are written here next to the routes and refer to them. test/integration/serverOpenApi.test.ts checks
 * that every route the app registers is listed, that the schemas accept and refuse what the server does, and that
 * the server's answers match the schemas of their operations.
 */
export function openApiDocument(limits: ApiLimits) {
  return {
  openapi: '3.1.0',
  info: {
    title: 'chexgen synthesis API',
    version: CHEXGEN_VERSION,
    description: 'Synthetic chest radiographs from report text, masks and boxes, stored as DICOM studies. Research use only; not for diagnosis.',
    license: { name: 'MIT', identifier: 'MIT' },
  },
  servers: [{ url: '/' }],
  security: auth,
  paths: {
    '/api/v1/syntheses': {
      post: {
        operationId: 'submitSynthesis',
        summary: 'Queue a synthesis job (one synthetic study per image)',
        parameters: [{ name: 'Idempotency-Key', in: 'header', required: false, schema: { type: 'string', maxLength: 200 }, description: 'Same as the idempotencyKey field.' }],
        requestBody: { required: true, content: json(ref('SynthesisRequest')) },
        responses: {
          '202': {
            description: 'Accepted (also for a replay of an idempotency key, then with `Idempotent-Replayed: true`)',
            headers: { Location: { schema: { type: 'string' }, description: '/api/v1/syntheses/{id}' } },
            content: json(ref('JobAccepted')),
          },
          '400': errorResponse('INVALID_FIELD: a field breaks a rule (`field` names it)'),
          '401': errorResponse('UNAUTHORIZED'),
          '413': errorResponse('PAYLOAD_TOO_LARGE'),
          '422': errorResponse('IDEMPOTENCY_CONFLICT: the key was used for another request'),
          '503': errorResponse('UNAVAILABLE: queue full or shutting down'),
        },
      },
    },
    '/api/v1/syntheses/{id}': {
      get: {
        operationId: 'getSynthesis',
        summary: 'Status, progress, results and error of a job',
        parameters: [idParam],
        responses: { '200': { description: 'The job', content: json(ref('Job')) }, '404': errorResponse('NOT_FOUND') },
      },
      delete: {
        operationId: 'cancelSynthesis',
        summary: 'Cancel a job (a running one stops between two steps; studies already stored stay)',
        parameters: [idParam],
        responses: {
          '200': { description: 'Canceled', content: json(ref('JobAccepted')) },
          '202': { description: 'Cancellation asked for; the job is still winding down', content: json(ref('JobAccepted')) },
          '404': errorResponse('NOT_FOUND'),
          '409': errorResponse('JOB_FINISHED'),
        },
      },
    },
    '/api/v1/syntheses/{id}/events': {
      get: {
        operationId: 'followSynthesis',
        summary: 'Server-sent events: status, progress (per step), result (per image), done (the job; then the stream ends)',
        parameters: [idParam],
        responses: { '200': { description: 'An event stream', content: { 'text/event-stream': { schema: { type: 'string' } } } }, '404': errorResponse('NOT_FOUND'), '429': errorResponse('TOO_MANY_REQUESTS: CHEXGEN_MAX_EVENT_STREAMS streams are open') },
      },
    },
    '/api/v1/syntheses/{id}/preview/{index}.png': {
      get: {
        operationId: 'getSynthesisPreview',
        summary: 'An 8-bit PNG preview of image `index` (0-based), windowed like the DICOM image',
        parameters: [idParam, { name: 'index', in: 'path', required: true, schema: { type: 'integer', minimum: 0 } }],
        responses: { '200': { description: 'PNG', content: { 'image/png': { schema: { type: 'string', contentEncoding: 'binary' } } } }, '404': errorResponse('NOT_FOUND') },
      },
    },
    ...COHORT_PATHS,
    '/api/v1/models': {
      get: {
        operationId: 'listModels',
        summary: 'Installed models, their condition labels and defaults, and the request limits',
        responses: { '200': { description: 'Models', content: json(ref('Models')) } },
      },
    },
    '/api/v1/openapi.json': {
      get: { operationId: 'getOpenApi', summary: 'This document', security: [], responses: { '200': { description: 'OpenAPI 3.1', content: json({ type: 'object' }) } } },
    },
    '/healthz': {
      get: { operationId: 'health', summary: 'The process is up', security: [], responses: { '200': { description: 'Up', content: json(ref('Health')) } } },
    },
    '/readyz': {
      get: {
        operationId: 'ready',
        summary: 'Ready to work: model loaded, store reachable, job database open, runner accepting',
        security: [],
        responses: { '200': { description: 'Ready', content: json(ref('Readiness')) }, '503': { description: 'Not ready', content: json(ref('Readiness')) } },
      },
    },
    '/metrics': {
      get: { operationId: 'metrics', summary: 'Jobs by status, images per minute, p50/p95 image latency', responses: { '200': { description: 'Metrics', content: json(ref('Metrics')) } } },
    },
  },
  components: {
    securitySchemes: { bearer: { type: 'http', scheme: 'bearer', description: 'CHEXGEN_API_TOKEN; required when set (always when the server listens beyond loopback)' } },
    schemas: contractJsonSchemas(limits),
  },
} as const;
}
