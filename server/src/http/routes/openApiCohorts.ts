import { COHORT_FINDING_NAMES } from '../../cohorts/findings.js';
import { errorResponse, idParam, json, ref } from './openApiHelpers.js';

const weights = (keys: readonly string[] | undefined, description: string) => ({
  type: 'object', description, additionalProperties: { type: 'number', minimum: 0 },
  ...(keys !== undefined ? { propertyNames: { enum: keys } } : {}),
});

/** The cohort part of the OpenAPI document (paths), merged into openApiDocument.ts. */
export const COHORT_PATHS = {
  '/api/v1/cohorts': {
    post: {
      operationId: 'submitCohort',
      summary: 'Queue a cohort: N subjects drawn from distributions, one synthetic study each, and a dataset manifest',
      parameters: [{ name: 'Idempotency-Key', in: 'header', required: false, schema: { type: 'string', maxLength: 200 }, description: 'Same as the idempotencyKey field.' }],
      requestBody: { required: true, content: json(ref('CohortRequest')) },
      responses: {
        '202': {
          description: 'Accepted: the cohort and every subject job are stored (a replay of an idempotency key answers with `Idempotent-Replayed: true`)',
          headers: { Location: { schema: { type: 'string' }, description: '/api/v1/cohorts/{id}' } },
          content: json({ type: 'object', required: ['id', 'status'], properties: { id: { type: 'string', format: 'uuid' }, status: ref('JobStatus'), size: { type: 'integer' }, seed: { type: 'integer' } } }),
        },
        '400': errorResponse('INVALID_FIELD: a field breaks a rule (`field` names it)'),
        '401': errorResponse('UNAUTHORIZED'),
        '413': errorResponse('PAYLOAD_TOO_LARGE'),
        '422': errorResponse('IDEMPOTENCY_CONFLICT: the key was used for another request'),
        '503': errorResponse('UNAVAILABLE: the subjects would overfill the queue, or shutting down'),
      },
    },
  },
  '/api/v1/cohorts/{id}': {
    get: {
      operationId: 'getCohort',
      summary: 'Status and progress of a cohort, and where its manifest is',
      parameters: [idParam],
      responses: { '200': { description: 'The cohort', content: json(ref('Cohort')) }, '404': errorResponse('NOT_FOUND') },
    },
    delete: {
      operationId: 'cancelCohort',
      summary: 'Cancel the subjects not made yet (studies already stored stay and stay in the manifest)',
      parameters: [idParam],
      responses: {
        '200': { description: 'Canceled', content: json({ type: 'object', properties: { id: { type: 'string' }, status: ref('JobStatus') } }) },
        '202': { description: 'Canceling: running subjects stop between two steps', content: json({ type: 'object', properties: { id: { type: 'string' }, status: ref('JobStatus') } }) },
        '404': errorResponse('NOT_FOUND'),
        '409': errorResponse('JOB_FINISHED'),
      },
    },
  },
  '/api/v1/cohorts/{id}/events': {
    get: {
      operationId: 'followCohort',
      summary: 'Server-sent events: status, progress (when it changes), done (the cohort; then the stream ends)',
      parameters: [idParam],
      responses: { '200': { description: 'An event stream', content: { 'text/event-stream': { schema: { type: 'string' } } } }, '404': errorResponse('NOT_FOUND'), '429': errorResponse('TOO_MANY_REQUESTS: CHEXGEN_MAX_EVENT_STREAMS streams are open') },
    },
  },
  '/api/v1/cohorts/{id}/manifest.json': {
    get: {
      operationId: 'getCohortManifestJson',
      summary: 'The dataset manifest: one entry per subject (UIDs, labels, prompt, generation settings); readable at any time',
      parameters: [idParam],
      responses: { '200': { description: 'Manifest', content: json(ref('CohortManifest')) }, '404': errorResponse('NOT_FOUND') },
    },
  },
  '/api/v1/cohorts/{id}/contact-sheet.png': {
    get: {
      operationId: 'getCohortContactSheet',
      summary: 'A PNG of the first 60 subjects made so far: preview, requested boxes, sex, age, view, findings',
      parameters: [idParam],
      responses: {
        '200': { description: 'PNG (with an ETag that changes when another subject is made)', content: { 'image/png': { schema: { type: 'string', contentEncoding: 'binary' } } } },
        '304': { description: 'Not modified: If-None-Match holds the current ETag' },
        '404': errorResponse('NOT_FOUND (also while no image is made)'),
      },
    },
  },
  '/api/v1/cohorts/{id}/dataset.zip': {
    get: {
      operationId: 'getCohortDataset',
      summary: 'The subjects made so far as a training dataset (docs/datasets.md): NIfTI and PNG images and label maps, a MONAI datalist (dataset.json), MONAI Label\'s local datastore layout and index, the manifest; streamed as a zip',
      parameters: [idParam],
      responses: {
        '200': { description: 'Zip', content: { 'application/zip': { schema: { type: 'string', contentEncoding: 'binary' } } } },
        '404': errorResponse('NOT_FOUND (also while no image is made)'),
      },
    },
  },
  '/api/v1/cohorts/{id}/manifest.csv': {
    get: {
      operationId: 'getCohortManifestCsv',
      summary: 'The same manifest as CSV, one row per subject',
      parameters: [idParam],
      responses: { '200': { description: 'CSV', content: { 'text/csv': { schema: { type: 'string' } } } }, '404': errorResponse('NOT_FOUND') },
    },
  },
} as const;

/** The cohort schemas, merged into the document's components. */
export const COHORT_SCHEMAS = {
  CohortRequest: {
    type: 'object', additionalProperties: false, required: ['size'],
    properties: {
      size: { type: 'integer', minimum: 1, maximum: 1000, description: 'Subjects (CHEXGEN_MAX_COHORT_SIZE); one image and study each' },
      seed: { type: 'integer', minimum: 0, maximum: 4294967295, description: 'Default: random. Subject i is the same in a cohort of any size with this seed' },
      sex: weights(['F', 'M'], 'Relative weights (default {"F": 1, "M": 1})'),
      ageBands: weights(undefined, 'Relative weights of "lo-hi" bands in years, lo <= hi <= 120; the age is uniform in the band (default four bands 20-39 ... 80-99 alike)'),
      view: weights(['PA', 'AP', 'AP supine', 'lateral'], 'Relative weights (default {"PA": 1})'),
      findings: {
        type: 'object', propertyNames: { enum: COHORT_FINDING_NAMES }, additionalProperties: { type: 'number', minimum: 0, maximum: 1 },
        description: 'Prevalence of each finding, drawn independently per subject (default none: every subject normal). Nodule, mass and opacity-like findings also get a box in the lungs.',
      },
      layout: { type: 'string', enum: ['templates', 'annotations'], default: 'templates', description: 'Masks from built-in anatomy templates, or from real annotations when the server has CHEXGEN_LAYOUTS_MANIFEST' },
      steps: { type: 'integer', minimum: 1, maximum: 100 },
      guidance: { type: 'number', minimum: 0, maximum: 20 },
      spatialGuidance: { type: 'number', minimum: 0, maximum: 20 },
      sampler: { type: 'string', enum: ['dpmpp-2m', 'euler', 'ddim'] },
      model: { type: 'string' },
      idempotencyKey: { type: 'string', maxLength: 200 },
    },
  },
  CohortProgress: {
    type: 'object',
    properties: { done: { type: 'integer' }, failed: { type: 'integer' }, canceled: { type: 'integer' }, total: { type: 'integer' }, fraction: { type: 'number', minimum: 0, maximum: 1 } },
  },
  Cohort: {
    type: 'object',
    properties: {
      id: { type: 'string', format: 'uuid' }, status: ref('JobStatus'), size: { type: 'integer' }, seed: { type: 'integer' }, progress: ref('CohortProgress'),
      manifest: { type: 'object', properties: { json: { type: 'string' }, csv: { type: 'string' } } }, contactSheet: { type: 'string' }, dataset: { type: 'string' },
      request: { type: 'object' }, idempotencyKey: { type: ['string', 'null'] }, cancelRequested: { type: 'boolean' },
      createdAt: { type: 'string', format: 'date-time' }, updatedAt: { type: 'string', format: 'date-time' },
    },
  },
  CohortManifest: {
    type: 'object',
    properties: {
      cohort: { type: 'object' },
      subjects: {
        type: 'array',
        items: {
          type: 'object',
          properties: {
            subject: { type: 'integer' }, status: ref('JobStatus'), StudyInstanceUID: { type: ['string', 'null'] }, SeriesInstanceUIDs: { type: 'array', items: { type: 'string' } },
            delivered: { type: 'boolean' }, sex: { type: 'string' }, age: { type: 'integer' }, ageBand: { type: 'string' }, view: { type: 'string' },
            findings: { type: 'array', items: { type: 'string' } }, boxes: { type: 'array', items: ref('Box') }, maskLabels: { type: 'array', items: { type: 'string' } },
            layout: { type: 'string' }, prompt: { type: 'string' }, generation: { type: 'object' }, jobId: { type: 'string' }, error: { type: ['string', 'null'] },
          },
        },
      },
      note: { type: 'string' },
    },
  },
} as const;
