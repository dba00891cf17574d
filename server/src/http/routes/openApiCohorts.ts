import { errorResponse, idParam, json, ref } from './openApiHelpers.js';

/** The cohort part of the OpenAPI document (paths; the schemas are the contract's), merged into openApiDocument.ts. */
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
          content: json(ref('CohortAccepted')),
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
        '200': { description: 'Canceled', content: json(ref('JobAccepted')) },
        '202': { description: 'Canceling: running subjects stop between two steps', content: json(ref('JobAccepted')) },
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
