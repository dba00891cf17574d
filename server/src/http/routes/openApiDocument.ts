import { CHEXGEN_VERSION } from '../../version.js';
import { COHORT_PATHS, COHORT_SCHEMAS } from './openApiCohorts.js';
import { errorResponse, idParam, json, ref } from './openApiHelpers.js';

const auth = [{ bearer: [] }];

/**
 * The API as OpenAPI 3.1, served at `/api/v1/openapi.json`. Written by hand next to the routes; a test checks that
 * every route the app registers is listed here. Limits shown are the defaults (config keys CHEXGEN_MAX_*).
 */
export const OPENAPI_DOCUMENT = {
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
            content: json({ type: 'object', required: ['id', 'status'], properties: { id: { type: 'string', format: 'uuid' }, status: ref('JobStatus') } }),
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
          '200': { description: 'Canceled', content: json({ type: 'object', properties: { id: { type: 'string' }, status: ref('JobStatus') } }) },
          '202': { description: 'Cancellation asked for; the job is still winding down', content: json({ type: 'object', properties: { id: { type: 'string' }, status: ref('JobStatus') } }) },
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
      get: { operationId: 'health', summary: 'The process is up', security: [], responses: { '200': { description: 'Up', content: json({ type: 'object' }) } } },
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
    schemas: {
      ...COHORT_SCHEMAS,
      JobStatus: { type: 'string', enum: ['queued', 'running', 'succeeded', 'failed', 'canceled'] },
      Box: {
        type: 'object', additionalProperties: false, required: ['label', 'x0', 'y0', 'x1', 'y1'],
        description: 'A box in pixels of the source image (sourceWidth x sourceHeight); x0 < x1, y0 < y1.',
        properties: { label: { type: 'string', examples: ['nodule', 'heart'] }, x0: { type: 'number' }, y0: { type: 'number' }, x1: { type: 'number' }, y1: { type: 'number' } },
      },
      Mask: {
        description: 'A binary mask of any size: a base64 PNG (first channel non-zero = inside) or run lengths; or the segments of a DICOM SEG in the store (all the model knows, or the one named by label).',
        oneOf: [
          {
            type: 'object', additionalProperties: false, required: ['seg'],
            properties: {
              label: { type: 'string', description: 'Only this segment (default: every segment the model has a class for)' },
              seg: { type: 'object', additionalProperties: false, required: ['StudyInstanceUID'], properties: { StudyInstanceUID: { type: 'string' }, SeriesInstanceUID: { type: 'string', description: 'Default: the first SEG series of the study' } } },
            },
          },
          { type: 'object', additionalProperties: false, required: ['label', 'png'], properties: { label: { type: 'string' }, png: { type: 'string', contentEncoding: 'base64' } } },
          {
            type: 'object', additionalProperties: false, required: ['label', 'width', 'height', 'rle'],
            properties: {
              label: { type: 'string' }, width: { type: 'integer', minimum: 1 }, height: { type: 'integer', minimum: 1 },
              rle: { type: 'array', items: { type: 'integer', minimum: 0 }, description: 'Row-major alternating runs of 0 and 1, starting with 0 (possibly a 0-long run); they add up to width x height.' },
            },
          },
        ],
      },
      SynthesisRequest: {
        type: 'object', additionalProperties: false,
        description: 'At least one of text, masks, boxes.',
        properties: {
          text: { type: 'string', maxLength: 2000, description: 'Report text the image should show' },
          sex: { type: 'string', enum: ['F', 'M'] },
          age: { type: 'integer', minimum: 0, maximum: 120 },
          view: { type: 'string', enum: ['PA', 'AP', 'AP supine', 'lateral'] },
          boxes: { type: 'array', items: ref('Box'), maxItems: 64 },
          sourceWidth: { type: 'integer', minimum: 1, description: 'Width of the image the boxes refer to (default: the model resolution)' },
          sourceHeight: { type: 'integer', minimum: 1 },
          masks: { type: 'array', items: ref('Mask'), maxItems: 16 },
          count: { type: 'integer', minimum: 1, maximum: 16, default: 1, description: 'Images; image i uses seed + i' },
          seed: { type: 'integer', minimum: 0, maximum: 4294967295, description: 'Default: random, recorded in the job and every study' },
          steps: { type: 'integer', minimum: 1, maximum: 100, description: 'Default: the model default' },
          guidance: { type: 'number', minimum: 0, maximum: 20, description: 'Text guidance scale (default: the model default)' },
          spatialGuidance: { type: 'number', minimum: 0, maximum: 20, description: 'Mask/box guidance scale (default: guidance when given, else the model default_spatial_guidance)' },
          sampler: { type: 'string', enum: ['dpmpp-2m', 'euler', 'ddim'], default: 'dpmpp-2m' },
          model: { type: 'string', description: 'Default and only choice: the loaded model' },
          sourceStudy: { type: 'string', pattern: '^[0-9]+(\\.[0-9]+)*$', description: 'StudyInstanceUID linked in the SR (UIDs only)' },
          idempotencyKey: { type: 'string', maxLength: 200, description: 'A retry with the same key and request returns the same job' },
        },
      },
      Progress: {
        type: 'object',
        properties: {
          image: { type: 'integer', description: '0-based index of the image being made' }, count: { type: 'integer' },
          step: { type: 'integer', description: 'Steps done in that image' }, steps: { type: 'integer' }, fraction: { type: 'number', minimum: 0, maximum: 1 },
        },
      },
      Result: {
        type: 'object',
        properties: {
          index: { type: 'integer' }, seed: { type: 'integer' }, StudyInstanceUID: { type: 'string' },
          SeriesInstanceUIDs: { type: 'array', items: { type: 'string' } }, delivered: { type: 'boolean' }, previewUrl: { type: 'string' },
        },
      },
      Job: {
        type: 'object',
        properties: {
          id: { type: 'string', format: 'uuid' }, status: ref('JobStatus'), seed: { type: 'integer' }, progress: ref('Progress'),
          results: { type: 'array', items: ref('Result') }, error: { oneOf: [{ type: 'null' }, ref('ErrorBody')] },
          request: { type: 'object', description: 'The stored request (masks as label and size only)' },
          idempotencyKey: { type: ['string', 'null'] }, cancelRequested: { type: 'boolean' }, attempts: { type: 'integer' },
          createdAt: { type: 'string', format: 'date-time' }, updatedAt: { type: 'string', format: 'date-time' },
        },
      },
      ErrorBody: {
        type: 'object', required: ['code', 'message'],
        properties: { code: { type: 'string', examples: ['INVALID_FIELD', 'NOT_FOUND', 'INTERNAL'] }, message: { type: 'string' }, field: { type: 'string', examples: ['boxes[0].label'] } },
      },
      Error: { type: 'object', required: ['error'], properties: { error: ref('ErrorBody') } },
      Models: {
        type: 'object',
        properties: {
          models: {
            type: 'array',
            items: {
              type: 'object',
              properties: {
                name: { type: 'string' }, version: { type: 'string' }, resolution: { type: 'integer' }, loaded: { type: 'boolean' },
                maskLabels: { type: 'array', items: { type: 'string' } }, boxLabels: { type: 'array', items: { type: 'string' } },
                defaultSteps: { type: 'integer' }, defaultGuidance: { type: 'number' }, samplers: { type: 'array', items: { type: 'string' } }, licence: { type: 'string' },
                findings: { type: 'array', items: { type: 'string' }, description: 'Findings a cohort may ask for' },
                layouts: { type: 'array', items: { type: 'string' }, description: 'Cohort layout sources this server offers' },
              },
            },
          },
          limits: { type: 'object', additionalProperties: { type: 'integer' } },
        },
      },
      Readiness: {
        type: 'object',
        properties: { status: { type: 'string', enum: ['ready', 'not ready'] }, checks: { type: 'object', additionalProperties: { type: 'object', properties: { ok: { type: 'boolean' }, detail: { type: 'string' } } } } },
      },
      Metrics: {
        type: 'object',
        properties: {
          jobs: { type: 'object', additionalProperties: { type: 'integer' } }, imagesPerMinute: { type: 'number' }, windowSeconds: { type: 'number' },
          imagesTotal: { type: 'integer' },
          latencyMs: { type: 'object', properties: { p50: { type: ['number', 'null'] }, p95: { type: ['number', 'null'] }, sampleSize: { type: 'integer' } } },
          process: { type: 'object', properties: { rssBytes: { type: 'integer' }, heapUsedBytes: { type: 'integer' }, uptimeSeconds: { type: 'integer' } } },
        },
      },
    },
  },
} as const;
