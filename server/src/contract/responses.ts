import { z } from 'zod/v4';
import { boxSchema } from './requests.js';
import { COHORT_LAYOUTS, JOB_STATUSES } from './vocabulary.js';

/**
 * The response bodies of the API as zod schemas: the server's views are typed with them (a view that drifts from
 * the contract does not compile), the OHIF extension reads them, the OpenAPI document is generated from them, and
 * test/integration/serverOpenApi.test.ts checks real answers against that document. Objects are open (a client
 * ignores fields it does not know), so a server may add fields without breaking older clients.
 */

const dateTime = () => z.string().meta({ format: 'date-time' });
const uuid = () => z.string().meta({ format: 'uuid' });
const count = () => z.number().int().min(0);

export const jobStatusSchema = z.enum(JOB_STATUSES);

/** An expected failure: a code, a message and, when one field is to blame, its path (e.g. `boxes[0].label`). */
export const errorBodySchema = z.object({
  code: z.string().meta({ examples: ['INVALID_FIELD', 'NOT_FOUND', 'INTERNAL'] }),
  message: z.string(),
  field: z.string().optional().meta({ examples: ['boxes[0].label'] }),
});
/** Every error answer: `{ "error": { code, message, field? } }`. */
export const errorResponseSchema = z.object({ error: errorBodySchema });

/** `202` of a submission, and the answer of a cancellation. */
export const jobAcceptedSchema = z.object({ id: uuid(), status: jobStatusSchema });
export const cohortAcceptedSchema = z.object({ id: uuid(), status: jobStatusSchema, size: z.number().int(), seed: z.number().int() });

export const synthesisProgressSchema = z.object({
  image: count().meta({ description: '0-based index of the image being made' }),
  count: count(),
  step: count().meta({ description: 'Steps done in that image' }),
  steps: count(),
  fraction: z.number().min(0).max(1),
});

export const synthesisResultSchema = z.object({
  index: count(),
  seed: z.number().int(),
  StudyInstanceUID: z.string(),
  SeriesInstanceUIDs: z.array(z.string()),
  delivered: z.boolean(),
  previewUrl: z.string().meta({ description: 'An 8-bit PNG preview, /api/v1/syntheses/{id}/preview/{index}.png' }),
});

/** `GET /api/v1/syntheses/{id}` and the `done` event of its stream. */
export const synthesisJobSchema = z.object({
  id: uuid(),
  status: jobStatusSchema,
  seed: z.number().int(),
  progress: synthesisProgressSchema,
  results: z.array(synthesisResultSchema),
  error: z.union([z.null(), errorBodySchema]),
  request: z.record(z.string(), z.unknown()).meta({ description: 'The stored request (masks as label and size only)' }),
  idempotencyKey: z.union([z.string(), z.null()]),
  cancelRequested: z.boolean(),
  attempts: count(),
  createdAt: dateTime(),
  updatedAt: dateTime(),
});

/** How far a cohort is: subjects done (image stored), failed, canceled, and in all. */
export const cohortProgressSchema = z.object({ done: count(), failed: count(), canceled: count(), total: count(), fraction: z.number().min(0).max(1) });

/** `GET /api/v1/cohorts/{id}` and the `done` event of its stream. */
export const cohortJobSchema = z.object({
  id: uuid(),
  status: jobStatusSchema,
  size: z.number().int(),
  seed: z.number().int(),
  progress: cohortProgressSchema,
  manifest: z.object({ json: z.string(), csv: z.string() }),
  contactSheet: z.string().meta({ description: 'A PNG of the subjects made so far' }),
  dataset: z.string().meta({ description: 'The subjects made so far as a training dataset (zip)' }),
  request: z.record(z.string(), z.unknown()).meta({ description: 'The stored request, defaults filled in and the seed fixed' }),
  idempotencyKey: z.union([z.string(), z.null()]),
  cancelRequested: z.boolean(),
  createdAt: dateTime(),
  updatedAt: dateTime(),
});

/** One subject of a cohort manifest: labels, where its study is, and how it was made. */
export const manifestSubjectSchema = z.object({
  subject: count(),
  status: jobStatusSchema,
  StudyInstanceUID: z.union([z.string(), z.null()]),
  SeriesInstanceUIDs: z.array(z.string()),
  delivered: z.boolean(),
  sex: z.string(),
  age: z.number().int(),
  ageBand: z.string(),
  view: z.string(),
  findings: z.array(z.string()),
  boxes: z.array(boxSchema),
  maskLabels: z.array(z.string()),
  layout: z.string(),
  prompt: z.string(),
  generation: z.object({
    model: z.string(),
    seed: z.number().int(),
    steps: z.union([z.number().int(), z.null()]),
    guidance: z.union([z.number(), z.null()]),
    spatialGuidance: z.union([z.number(), z.null()]),
    sampler: z.union([z.string(), z.null()]),
  }),
  jobId: z.string(),
  error: z.union([z.string(), z.null()]),
});

/** `GET /api/v1/cohorts/{id}/manifest.json`. */
export const cohortManifestSchema = z.object({
  cohort: z.object({
    id: uuid(),
    status: jobStatusSchema,
    size: z.number().int(),
    seed: z.number().int(),
    progress: cohortProgressSchema,
    request: z.record(z.string(), z.unknown()),
    createdAt: dateTime(),
  }),
  subjects: z.array(manifestSubjectSchema),
  note: z.string(),
});

/** The request limits a server holds requests to (config CHEXGEN_MAX_*), as `GET /api/v1/models` sends them. */
export const apiLimitsSchema = z.object({
  maxTextLength: count(),
  maxBoxes: count(),
  maxMasks: count(),
  maxMaskPixels: count(),
  maxMaskRuns: count(),
  maxRequestMaskPixels: count(),
  maxCount: count(),
  maxSteps: count(),
  maxCohortSize: count(),
});

/** A model as `GET /api/v1/models` lists it. */
export const modelInfoSchema = z.object({
  name: z.string(),
  version: z.string(),
  resolution: z.number().int(),
  loaded: z.boolean().meta({ description: 'True for the one model this server runs (requests may only name it)' }),
  maskLabels: z.array(z.string()),
  boxLabels: z.array(z.string()),
  defaultSteps: z.number().int(),
  defaultGuidance: z.number().meta({ description: 'Text guidance scale a request gets when it sets none' }),
  defaultSpatialGuidance: z.number().meta({
    description: 'Mask/box guidance scale a request gets when it sets neither scale (one explicit `guidance` sets both)',
  }),
  samplers: z.array(z.string()),
  findings: z.array(z.string()).meta({ description: 'Findings a cohort may ask for' }),
  layouts: z.array(z.enum(COHORT_LAYOUTS)).meta({ description: 'Cohort layout sources this server offers' }),
  licence: z.string(),
});

/** `GET /api/v1/models`. */
export const modelsResponseSchema = z.object({ models: z.array(modelInfoSchema), limits: apiLimitsSchema });

/** `GET /healthz`. */
export const healthSchema = z.object({ status: z.literal('ok'), uptimeSeconds: count() });

/** `GET /readyz` (200 when every check is ok, else 503; details only for requests with the API token). */
export const readinessSchema = z.object({
  status: z.enum(['ready', 'not ready']),
  checks: z.record(z.string(), z.object({ ok: z.boolean(), detail: z.string().optional() })),
});

/** `GET /metrics`. */
export const metricsSchema = z.object({
  jobs: z.record(z.string(), count()).meta({ description: 'Jobs by status' }),
  imagesPerMinute: z.number(),
  windowSeconds: z.number(),
  imagesTotal: count(),
  latencyMs: z.object({ p50: z.union([z.number(), z.null()]), p95: z.union([z.number(), z.null()]), sampleSize: count() }),
  process: z.object({ rssBytes: count(), heapUsedBytes: count(), uptimeSeconds: count() }),
});

export type ErrorBody = z.output<typeof errorBodySchema>;
export type JobAccepted = z.output<typeof jobAcceptedSchema>;
export type CohortAccepted = z.output<typeof cohortAcceptedSchema>;
export type SynthesisProgress = z.output<typeof synthesisProgressSchema>;
export type SynthesisResult = z.output<typeof synthesisResultSchema>;
export type SynthesisJob = z.output<typeof synthesisJobSchema>;
export type CohortProgress = z.output<typeof cohortProgressSchema>;
export type CohortJob = z.output<typeof cohortJobSchema>;
export type ManifestSubject = z.output<typeof manifestSubjectSchema>;
export type CohortManifestBody = z.output<typeof cohortManifestSchema>;
export type ApiLimitsBody = z.output<typeof apiLimitsSchema>;
export type ModelInfo = z.output<typeof modelInfoSchema>;
export type ModelsResponse = z.output<typeof modelsResponseSchema>;
export type Health = z.output<typeof healthSchema>;
export type Readiness = z.output<typeof readinessSchema>;
export type Metrics = z.output<typeof metricsSchema>;
