import { z } from 'zod/v4';
import { SEXES, VIEWS } from '../conditions/conditionTypes.js';
import {
  AGE_BAND, COHORT_FINDING_NAMES, COHORT_LAYOUTS, DICOM_UID, IDEMPOTENCY_KEY, MAX_AGE, MAX_GUIDANCE, MAX_MASK_SIDE, MAX_SEED, SAMPLER_NAMES,
  type AgeBand, type CohortLimits, type RequestLimits,
} from './vocabulary.js';

/**
 * The request bodies of the API (`POST /api/v1/syntheses`, `POST /api/v1/cohorts`) as zod schemas: the one
 * definition the server validates with, the CLI builds its requests against, the OHIF extension types its requests
 * with, and the OpenAPI document is generated from (contract/jsonSchemas.ts). Limits come from the server's config
 * (`GET /api/v1/models` `limits`). Unknown fields are refused, so typos do not pass silently. Rules JSON Schema cannot
 * say (a mask gives exactly one source; at least one of text, masks or boxes) are refinements, written beside a
 * JSON Schema form of the same rule where there is one.
 */

function limit(max: number, env: string): string {
  return `must be at most ${max} (${env})`;
}

const uid = () => z.string().max(64).regex(DICOM_UID, 'must be a DICOM UID (digits and dots)');
const idempotencyKey = () =>
  z.string().regex(IDEMPOTENCY_KEY, '1-200 printable ASCII characters, no spaces').meta({ description: 'A retry with the same key and request returns the same job (same as the Idempotency-Key header)' });
const seed = () => z.number().int().min(0).max(MAX_SEED);
const guidance = () => z.number().min(0).max(MAX_GUIDANCE);

/** A box of a request (and of a cohort manifest's subject), in pixels of the source image. */
export const boxSchema = z
  .strictObject({ label: z.string().min(1).max(64).meta({ examples: ['nodule', 'heart'] }), x0: z.number(), y0: z.number(), x1: z.number(), y1: z.number() })
  .meta({ description: 'A box in pixels of the source image (sourceWidth x sourceHeight); x0 < x1, y0 < y1.' });

/** The parts of a synthesis request, for the OpenAPI document's components. */
export function synthesisRequestSchemas(limits: RequestLimits) {
  const box = boxSchema;
  const mask = z
    .strictObject({
      label: z.string().min(1).max(64).optional().meta({ description: 'The mask class; with seg: only this segment (default: every segment the model has a class for)' }),
      png: z.string().optional().meta({ description: 'A base64 PNG, first channel non-zero = inside', contentEncoding: 'base64' }),
      width: z.number().int().min(1).max(MAX_MASK_SIDE).optional(),
      height: z.number().int().min(1).max(MAX_MASK_SIDE).optional(),
      rle: z
        .array(z.number().int().min(0))
        .max(limits.maxMaskRuns, limit(limits.maxMaskRuns, 'CHEXGEN_MAX_MASK_RUNS'))
        .optional()
        .meta({ description: 'Row-major alternating runs of 0 and 1, starting with 0 (possibly a 0-long run); they add up to width x height.' }),
      seg: z
        .strictObject({ StudyInstanceUID: uid(), SeriesInstanceUID: uid().optional().meta({ description: 'Default: the first SEG series of the study' }) })
        .optional()
        .meta({ description: 'The segments of a DICOM SEG in the store' }),
    })
    .superRefine((m, ctx) => {
      const sources = [m.png, m.rle, m.seg].filter((v) => v !== undefined).length;
      if (sources !== 1) {
        ctx.addIssue({ code: 'custom', path: ['png'], message: 'give exactly one of png (base64 PNG), rle (with width and height) or seg (a SEG in the store)' });
      } else if (m.seg === undefined && m.label === undefined) {
        ctx.addIssue({ code: 'custom', path: ['label'], message: 'required with png or rle' });
      } else if (m.seg !== undefined && (m.width !== undefined || m.height !== undefined)) {
        ctx.addIssue({ code: 'custom', path: ['width'], message: 'not allowed with seg (the SEG has its own size)' });
      } else if (m.rle !== undefined && (m.width === undefined || m.height === undefined)) {
        ctx.addIssue({ code: 'custom', path: [m.width === undefined ? 'width' : 'height'], message: 'required with rle' });
      } else if (m.png !== undefined && (m.width !== undefined || m.height !== undefined)) {
        ctx.addIssue({ code: 'custom', path: ['width'], message: 'not allowed with png (the PNG has its own size)' });
      } else if (m.width !== undefined && m.height !== undefined && m.width * m.height > limits.maxMaskPixels) {
        ctx.addIssue({ code: 'custom', path: ['width'], message: `width x height ${limit(limits.maxMaskPixels, 'CHEXGEN_MAX_MASK_PIXELS')}` });
      }
    })
    .meta({
      description:
        'A binary mask: a base64 PNG with its label, run lengths with label, width and height, or the segments of a DICOM SEG in the store (seg, optionally one label). Exactly one of png, rle, seg.',
      // The refinement above in JSON Schema (all but the pixel limit, width x height <= maxMaskPixels).
      oneOf: [
        { required: ['seg'], not: { anyOf: [{ required: ['png'] }, { required: ['rle'] }, { required: ['width'] }, { required: ['height'] }] } },
        { required: ['label', 'png'], not: { anyOf: [{ required: ['rle'] }, { required: ['width'] }, { required: ['height'] }] } },
        { required: ['label', 'rle', 'width', 'height'], not: { required: ['png'] } },
      ],
    });
  const request = z
    .strictObject({
      text: z.string().max(limits.maxTextLength, limit(limits.maxTextLength, 'CHEXGEN_MAX_TEXT_LENGTH')).optional().meta({ description: 'Report text the image should show' }),
      sex: z.enum(SEXES).optional(),
      age: z.number().int().min(0).max(MAX_AGE).optional(),
      view: z.enum(VIEWS).optional(),
      boxes: z.array(box).max(limits.maxBoxes, limit(limits.maxBoxes, 'CHEXGEN_MAX_BOXES')).optional(),
      sourceWidth: z.number().int().min(1).max(65535).optional().meta({ description: 'Width of the image the boxes refer to (default: the model resolution)' }),
      sourceHeight: z.number().int().min(1).max(65535).optional(),
      masks: z.array(mask).max(limits.maxMasks, limit(limits.maxMasks, 'CHEXGEN_MAX_MASKS')).optional(),
      count: z.number().int().min(1).max(limits.maxCount, limit(limits.maxCount, 'CHEXGEN_MAX_COUNT')).default(1).meta({ description: 'Images; image i uses seed + i' }),
      seed: seed().optional().meta({ description: 'Default: random, recorded in the job and every study' }),
      steps: z.number().int().min(1).max(limits.maxSteps, limit(limits.maxSteps, 'CHEXGEN_MAX_STEPS')).optional().meta({ description: 'Default: the model default' }),
      guidance: guidance().optional().meta({ description: 'Text guidance scale (default: the model default)' }),
      spatialGuidance: guidance().optional().meta({ description: 'Mask/box guidance scale (default: guidance when given, else the model default_spatial_guidance)' }),
      sampler: z.enum(SAMPLER_NAMES).optional().meta({ description: 'Default: dpmpp-2m' }),
      model: z.string().min(1).max(128).optional().meta({ description: 'Default and only choice: the loaded model' }),
      sourceStudy: uid().optional().meta({ description: 'StudyInstanceUID linked in the SR (UIDs only)' }),
      idempotencyKey: idempotencyKey().optional(),
    })
    .refine((r) => (r.text ?? '').trim() !== '' || (r.boxes?.length ?? 0) > 0 || (r.masks?.length ?? 0) > 0, {
      message: 'give at least one of text, masks or boxes',
      path: ['text'],
    })
    .meta({
      description: 'At least one of text (not blank), masks, boxes.',
      anyOf: [
        { required: ['text'], properties: { text: { type: 'string', pattern: '\\S' } } },
        { required: ['masks'], properties: { masks: { type: 'array', minItems: 1 } } },
        { required: ['boxes'], properties: { boxes: { type: 'array', minItems: 1 } } },
      ],
    });
  return { box, mask, request };
}

/** The JSON shape of a synthesis request (`POST /api/v1/syntheses`, `chexgen synthesize`, MONAI Label's infer `params`). */
export function synthesisRequestSchema(limits: RequestLimits) {
  return synthesisRequestSchemas(limits).request;
}

const weight = z.number().min(0, 'weights must be >= 0').max(1e6);

/** Relative weights over a fixed set of keys: unknown keys refused, at least one weight > 0. */
function weights<const K extends string>(keys: readonly K[], what: string, description: string) {
  const shape = Object.fromEntries(keys.map((key) => [key, weight.optional()])) as { [P in K]: z.ZodOptional<typeof weight> };
  return z
    .strictObject(shape)
    .refine((w) => Object.values(w).some((v) => typeof v === 'number' && v > 0), { message: `give at least one ${what} a weight > 0` })
    .meta({ description, minProperties: 1 });
}

/** The JSON shape of a cohort request (`POST /api/v1/cohorts`, `chexgen cohort`). Unknown fields are refused. */
export function cohortRequestSchema(limits: CohortLimits) {
  const ageBand = z
    .string()
    .regex(AGE_BAND, 'age bands are "lo-hi" in whole years, lo <= hi <= 120')
    .refine((band) => {
      const m = AGE_BAND.exec(band);
      return m !== null && Number(m[1]) <= Number(m[2]) && Number(m[2]) <= MAX_AGE;
    }, 'age bands are "lo-hi" in whole years, lo <= hi <= 120') as unknown as z.ZodType<AgeBand, AgeBand>;
  const prevalence = z.number().min(0).max(1, 'a prevalence is between 0 and 1');
  const findingShape = Object.fromEntries(COHORT_FINDING_NAMES.map((name) => [name, prevalence.optional()])) as {
    [P in (typeof COHORT_FINDING_NAMES)[number]]: z.ZodOptional<typeof prevalence>;
  };
  return z
    .strictObject({
      size: z
        .number()
        .int()
        .min(1)
        .max(limits.maxCohortSize, limit(limits.maxCohortSize, 'CHEXGEN_MAX_COHORT_SIZE'))
        .meta({ description: 'Subjects (CHEXGEN_MAX_COHORT_SIZE); one image and study each' }),
      seed: seed().optional().meta({ description: 'Default: random. Subject i is the same in a cohort of any size with this seed' }),
      sex: weights(SEXES, 'sex', 'Relative weights (default {"F": 1, "M": 1})').optional(),
      ageBands: z
        .record(ageBand, weight)
        .refine((w) => Object.values(w).some((v) => (v as number) > 0), { message: 'give at least one age band a weight > 0' })
        .refine((w) => Object.keys(w).length <= 24, 'at most 24 age bands')
        .meta({
          description: 'Relative weights of "lo-hi" bands in years, lo <= hi <= 120; the age is uniform in the band (default four bands 20-39 ... 80-99 alike)',
          minProperties: 1,
          maxProperties: 24,
        })
        .optional(),
      view: weights(VIEWS, 'view', 'Relative weights (default {"PA": 1})').optional(),
      findings: z
        .strictObject(findingShape)
        .meta({ description: 'Prevalence of each finding, drawn independently per subject (default none: every subject normal). Nodule, mass and opacity-like findings also get a box in the lungs.' })
        .optional(),
      layout: z.enum(COHORT_LAYOUTS).optional().meta({ description: 'Masks from built-in anatomy templates (the default), or from real annotations when the server has CHEXGEN_LAYOUTS_MANIFEST' }),
      steps: z.number().int().min(1).max(limits.maxSteps, limit(limits.maxSteps, 'CHEXGEN_MAX_STEPS')).optional(),
      guidance: guidance().optional(),
      spatialGuidance: guidance().optional(),
      sampler: z.enum(SAMPLER_NAMES).optional(),
      model: z.string().min(1).max(128).optional(),
      idempotencyKey: idempotencyKey().optional(),
    });
}

type SynthesisSchema = ReturnType<typeof synthesisRequestSchema>;
type CohortSchema = ReturnType<typeof cohortRequestSchema>;

/** The body of `POST /api/v1/syntheses` as a client writes it. */
export type SynthesisRequestBody = z.input<SynthesisSchema>;
/** A synthesis request body as the schema returns it (`count` filled in). */
export type ParsedSynthesisRequestBody = z.output<SynthesisSchema>;
/** A box of a request, in source-image pixels. */
export type BoxBody = z.input<ReturnType<typeof synthesisRequestSchemas>['box']>;
/** A mask of a request (exactly one of png, rle, seg). */
export type MaskBody = z.input<ReturnType<typeof synthesisRequestSchemas>['mask']>;
/** The body of `POST /api/v1/cohorts` as a client writes it. */
export type CohortRequestBody = z.input<CohortSchema>;
export type ParsedCohortRequestBody = z.output<CohortSchema>;
