import { z } from 'zod';
import type { BoxCondition, Sex, View } from '../conditions/conditionTypes.js';
import { ChexgenError } from '../errors.js';
import { IDEMPOTENCY_KEY } from '../validation/idempotencyKey.js';
import { zodIssuesToError } from '../validation/zodIssuesToError.js';
import { SCHEDULER_NAMES, type SchedulerName } from './schedulers/index.js';

/**
 * The limits a request is held to (text length, boxes, masks, mask pixels and runs, images, steps). The server takes
 * them from config (CHEXGEN_MAX_*), which may only tighten {@link REQUEST_CEILINGS}.
 */
export type RequestLimits = Readonly<Record<'maxTextLength' | 'maxBoxes' | 'maxMasks' | 'maxMaskPixels' | 'maxMaskRuns' | 'maxRequestMaskPixels' | 'maxCount' | 'maxSteps', number>>;

/** The most any request may ask for: what the CLI allows, and the upper bounds of the server's limits (config). */
export const REQUEST_CEILINGS: RequestLimits = {
  maxTextLength: 2000,
  maxBoxes: 64,
  maxMasks: 16,
  maxMaskPixels: 8192 * 8192,
  maxMaskRuns: 8192 * 8192 + 1,
  maxRequestMaskPixels: 16 * 8192 * 8192,
  maxCount: 64,
  maxSteps: 200,
};

/**
 * Where a mask of a request comes from: a base64 PNG (first channel non-zero = inside), run lengths with their size
 * (server/src/conditions/runLength.ts), or the segments of a DICOM SEG in the store (all the model knows, or the one
 * named by `label`). Resolved to run lengths by server/src/generation/resolveMasks.ts.
 */
export type MaskSource =
  | { kind: 'png'; label: string; png: string }
  | { kind: 'rle'; label: string; width: number; height: number; rle: number[] }
  | { kind: 'seg'; label?: string; StudyInstanceUID: string; SeriesInstanceUID?: string };

/**
 * A synthesis request as the API and the CLI take it, validated: report fields, boxes in source-image pixels,
 * masks by source, how many images, and optional sampling settings (defaults come from model.json when planned).
 */
export type SynthesisRequest = {
  text?: string;
  sex?: Sex;
  age?: number;
  view?: View;
  boxes?: BoxCondition[];
  sourceWidth?: number;
  sourceHeight?: number;
  masks?: MaskSource[];
  count: number;
  seed?: number;
  steps?: number;
  guidance?: number;
  spatialGuidance?: number;
  sampler?: SchedulerName;
  model?: string;
  sourceStudy?: string;
};

const UID = /^[0-9]+(\.[0-9]+)*$/;

function limit(max: number, env: string): string {
  return `must be at most ${max} (${env})`;
}

/** The JSON shape of a {@link SynthesisRequest} (unknown fields are refused, so typos do not pass silently). */
export function synthesisRequestSchema(limits: RequestLimits) {
  const finite = z.number().finite();
  const uid = z.string().max(64).regex(UID, 'must be a DICOM UID (digits and dots)');
  const mask = z
    .object({
      label: z.string().min(1).max(64).optional(),
      png: z.string().optional(),
      width: z.number().int().min(1).max(8192).optional(),
      height: z.number().int().min(1).max(8192).optional(),
      rle: z.array(z.number().int().min(0)).max(limits.maxMaskRuns, limit(limits.maxMaskRuns, 'CHEXGEN_MAX_MASK_RUNS')).optional(),
      seg: z.object({ StudyInstanceUID: uid, SeriesInstanceUID: uid.optional() }).strict().optional(),
    })
    .strict()
    .superRefine((m, ctx) => {
      const sources = [m.png, m.rle, m.seg].filter((v) => v !== undefined).length;
      if (sources !== 1) {
        ctx.addIssue({ code: z.ZodIssueCode.custom, path: ['png'], message: 'give exactly one of png (base64 PNG), rle (with width and height) or seg (a SEG in the store)' });
      } else if (m.seg === undefined && m.label === undefined) {
        ctx.addIssue({ code: z.ZodIssueCode.custom, path: ['label'], message: 'required with png or rle' });
      } else if (m.seg !== undefined && (m.width !== undefined || m.height !== undefined)) {
        ctx.addIssue({ code: z.ZodIssueCode.custom, path: ['width'], message: 'not allowed with seg (the SEG has its own size)' });
      } else if (m.rle !== undefined && (m.width === undefined || m.height === undefined)) {
        ctx.addIssue({ code: z.ZodIssueCode.custom, path: [m.width === undefined ? 'width' : 'height'], message: 'required with rle' });
      } else if (m.png !== undefined && (m.width !== undefined || m.height !== undefined)) {
        ctx.addIssue({ code: z.ZodIssueCode.custom, path: ['width'], message: 'not allowed with png (the PNG has its own size)' });
      } else if (m.width !== undefined && m.height !== undefined && m.width * m.height > limits.maxMaskPixels) {
        ctx.addIssue({ code: z.ZodIssueCode.custom, path: ['width'], message: `width x height ${limit(limits.maxMaskPixels, 'CHEXGEN_MAX_MASK_PIXELS')}` });
      }
    })
    .transform((m): MaskSource => {
      if (m.seg !== undefined) return { kind: 'seg', ...(m.label !== undefined ? { label: m.label } : {}), ...m.seg };
      if (m.png !== undefined) return { kind: 'png', label: m.label ?? '', png: m.png };
      return { kind: 'rle', label: m.label ?? '', width: m.width ?? 0, height: m.height ?? 0, rle: m.rle ?? [] };
    });
  return z
    .object({
      text: z.string().max(limits.maxTextLength, limit(limits.maxTextLength, 'CHEXGEN_MAX_TEXT_LENGTH')).optional(),
      sex: z.enum(['F', 'M']).optional(),
      age: z.number().int().min(0).max(120).optional(),
      view: z.enum(['PA', 'AP', 'AP supine', 'lateral']).optional(),
      boxes: z
        .array(z.object({ label: z.string().min(1).max(64), x0: finite, y0: finite, x1: finite, y1: finite }).strict())
        .max(limits.maxBoxes, limit(limits.maxBoxes, 'CHEXGEN_MAX_BOXES'))
        .optional(),
      /** Size of the image the box coordinates refer to; default: the model resolution. */
      sourceWidth: z.number().int().min(1).max(65535).optional(),
      sourceHeight: z.number().int().min(1).max(65535).optional(),
      masks: z.array(mask).max(limits.maxMasks, limit(limits.maxMasks, 'CHEXGEN_MAX_MASKS')).optional(),
      count: z.number().int().min(1).max(limits.maxCount, limit(limits.maxCount, 'CHEXGEN_MAX_COUNT')).default(1),
      seed: z.number().int().min(0).max(2 ** 32 - 1).optional(),
      steps: z.number().int().min(1).max(limits.maxSteps, limit(limits.maxSteps, 'CHEXGEN_MAX_STEPS')).optional(),
      guidance: z.number().min(0).max(20).optional(),
      spatialGuidance: z.number().min(0).max(20).optional(),
      sampler: z.enum(SCHEDULER_NAMES).optional(),
      model: z.string().min(1).max(128).optional(),
      sourceStudy: z.string().max(64).regex(UID, 'must be a DICOM UID (digits and dots)').optional(),
      idempotencyKey: z.string().regex(IDEMPOTENCY_KEY, '1-200 printable ASCII characters, no spaces').optional(),
    })
    .strict()
    .refine((r) => (r.text ?? '').trim() !== '' || (r.boxes?.length ?? 0) > 0 || (r.masks?.length ?? 0) > 0, {
      message: 'give at least one of text, masks or boxes',
      path: ['text'],
    });
}

/**
 * Refuses boxes, masks and run lists longer than the limits before the schema looks at them: zod checks every
 * element of an array before its length, so 20,000 boxes would cost a long stop of the event loop to be refused.
 */
function refuseLongArrays(value: Record<string, unknown>, limits: RequestLimits): void {
  const tooLong = (field: string, list: unknown, max: number, env: string): void => {
    if (Array.isArray(list) && list.length > max) {
      throw new ChexgenError('INVALID_FIELD', `${field}: ${limit(max, env)}, got ${list.length}`, { field, status: 400 });
    }
  };
  tooLong('boxes', value.boxes, limits.maxBoxes, 'CHEXGEN_MAX_BOXES');
  tooLong('masks', value.masks, limits.maxMasks, 'CHEXGEN_MAX_MASKS');
  if (!Array.isArray(value.masks)) return;
  value.masks.forEach((mask: unknown, i) => {
    if (typeof mask === 'object' && mask !== null) tooLong(`masks[${i}].rle`, (mask as { rle?: unknown }).rle, limits.maxMaskRuns, 'CHEXGEN_MAX_MASK_RUNS');
  });
}

/**
 * Validates a synthesis request, the one check every entry point (HTTP body, CLI flags) goes through. Throws
 * INVALID_FIELD (400) naming the field and the rule; a body that is not a JSON object is refused as `body`.
 */
export function parseSynthesisRequest(value: unknown, limits: RequestLimits): SynthesisRequest & { idempotencyKey?: string } {
  if (value === undefined || value === null || typeof value !== 'object' || Array.isArray(value)) {
    throw new ChexgenError('INVALID_FIELD', 'body: expected a JSON object (Content-Type: application/json)', { field: 'body', status: 400 });
  }
  refuseLongArrays(value as Record<string, unknown>, limits);
  const parsed = synthesisRequestSchema(limits).safeParse(value);
  if (!parsed.success) throw zodIssuesToError(parsed.error);
  return parsed.data;
}
