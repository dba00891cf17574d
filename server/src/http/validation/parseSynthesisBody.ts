import { z } from 'zod';
import type { Config } from '../../config/loadConfig.js';
import { ChexgenError } from '../../errors.js';
import type { SubmittedSynthesis } from '../../jobs/JobService.js';
import type { StoredMask } from '../../jobs/jobTypes.js';
import { countMaskRuns, encodeMaskRuns, normaliseMaskRuns } from '../../jobs/maskRuns.js';
import type { LabeledMask } from '../../dicom/masksFromRecord.js';
import { normaliseLabel } from '../../synthesis/conditioning.js';
import { SCHEDULER_NAMES } from '../../synthesis/schedulers/index.js';
import { decodeMaskPng } from './decodeMaskPng.js';
import { zodIssuesToError } from './zodIssuesToError.js';

/** The request limits a server enforces (config keys CHEXGEN_MAX_*). */
export type RequestLimits = Pick<Config, 'maxTextLength' | 'maxBoxes' | 'maxMasks' | 'maxMaskPixels' | 'maxMaskRuns' | 'maxRequestMaskPixels' | 'maxCount' | 'maxSteps'>;

const UID = /^[0-9]+(\.[0-9]+)*$/;
export const IDEMPOTENCY_KEY = /^[\x21-\x7e]{1,200}$/;

function limit(max: number, env: string): string {
  return `must be at most ${max} (${env})`;
}

/** The JSON body of `POST /api/v1/syntheses` (unknown fields are refused, so typos do not pass silently). */
export function synthesisBodySchema(limits: RequestLimits) {
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
 * Validates a `POST /api/v1/syntheses` body and brings masks to their stored form (run lengths; PNGs are decoded
 * here). The idempotency key comes from the body or the `Idempotency-Key` header (both: they must agree).
 * Throws INVALID_FIELD (400) naming the field and the rule.
 */
export async function parseSynthesisBody(
  body: unknown,
  limits: RequestLimits,
  headerKey: string | undefined,
  readSegmentation?: ReadSegmentation,
): Promise<{ request: SubmittedSynthesis; idempotencyKey: string | null }> {
  if (body === undefined || body === null || typeof body !== 'object' || Array.isArray(body)) {
    throw new ChexgenError('INVALID_FIELD', 'body: expected a JSON object (Content-Type: application/json)', { field: 'body', status: 400 });
  }
  refuseLongArrays(body as Record<string, unknown>, limits);
  const parsed = synthesisBodySchema(limits).safeParse(body);
  if (!parsed.success) throw zodIssuesToError(parsed.error);
  const { masks, idempotencyKey: bodyKey, ...rest } = parsed.data;
  const idempotencyKey = resolveIdempotencyKey(bodyKey, headerKey);
  const stored: StoredMask[] = [];
  const budget = maskBudget(limits);
  for (const [i, m] of (masks ?? []).entries()) {
    if (m.seg !== undefined) {
      const field = `masks[${i}].seg`;
      // marked, so that these pixels (perhaps a patient's) can be purged after CHEXGEN_SEG_MASK_RETENTION_DAYS
      stored.push(...(await segMasks(m.seg, m.label, field, readSegmentation)).map((mask) => ({ ...budget.take(mask, field), source: 'seg' as const })));
    } else if (m.png !== undefined) {
      const field = `masks[${i}].png`;
      const decoded = await decodeMaskPng(m.png, limits.maxMaskPixels, field);
      stored.push(budget.take({ label: m.label ?? '', ...decoded }, field));
    } else {
      const width = m.width ?? 0;
      const height = m.height ?? 0;
      budget.reserve(width * height, `masks[${i}]`);
      // the runs must cover width x height; brought to canonical form from the runs alone, never decoded here
      stored.push({ label: m.label ?? '', width, height, rle: normaliseMaskRuns(m.rle ?? [], width, height, `masks[${i}].rle`) });
    }
  }
  if (stored.length > limits.maxMasks) {
    throw new ChexgenError('INVALID_FIELD', `masks: ${stored.length} masks with the SEG segments ${limit(limits.maxMasks, 'CHEXGEN_MAX_MASKS')}`, { field: 'masks', status: 400 });
  }
  const request: SubmittedSynthesis = { ...rest, ...(masks !== undefined ? { masks: stored } : {}) };
  return { request, idempotencyKey };
}

/**
 * What the masks of one request may cost: each at most CHEXGEN_MAX_MASK_RUNS runs (counted before they are built, so
 * a checkerboard PNG of a few KB cannot become millions of runs in memory and in jobs.sqlite), all together at most
 * CHEXGEN_MAX_REQUEST_MASK_PIXELS decoded pixels.
 */
function maskBudget(limits: RequestLimits) {
  let pixels = 0;
  const reserve = (more: number, field: string): void => {
    pixels += more;
    if (pixels > limits.maxRequestMaskPixels) {
      throw new ChexgenError('INVALID_FIELD', `${field}: the masks so far add up to ${pixels} pixels; a request may have at most ${limits.maxRequestMaskPixels} (CHEXGEN_MAX_REQUEST_MASK_PIXELS)`, { field, status: 400 });
    }
  };
  return {
    reserve,
    /** A decoded mask, counted against the budget, as run lengths. */
    take(mask: LabeledMask, field: string): StoredMask {
      reserve(mask.width * mask.height, field);
      const runs = countMaskRuns(mask.data);
      if (runs > limits.maxMaskRuns) {
        throw new ChexgenError('INVALID_FIELD', `${field}: the mask has ${runs} runs (changes between inside and outside); at most ${limits.maxMaskRuns} (CHEXGEN_MAX_MASK_RUNS)`, { field, status: 400 });
      }
      return { label: mask.label, width: mask.width, height: mask.height, rle: encodeMaskRuns(mask.data) };
    },
  };
}

/**
 * Refuses boxes, masks and run lists longer than the limits before the schema looks at them: zod checks every
 * element of an array before its length, so 20,000 boxes would cost a long stop of the event loop to be refused.
 */
function refuseLongArrays(body: Record<string, unknown>, limits: RequestLimits): void {
  const tooLong = (field: string, value: unknown, max: number, env: string): void => {
    if (Array.isArray(value) && value.length > max) {
      throw new ChexgenError('INVALID_FIELD', `${field}: ${limit(max, env)}, got ${value.length}`, { field, status: 400 });
    }
  };
  tooLong('boxes', body.boxes, limits.maxBoxes, 'CHEXGEN_MAX_BOXES');
  tooLong('masks', body.masks, limits.maxMasks, 'CHEXGEN_MAX_MASKS');
  if (!Array.isArray(body.masks)) return;
  body.masks.forEach((mask: unknown, i) => {
    if (typeof mask === 'object' && mask !== null) tooLong(`masks[${i}].rle`, (mask as { rle?: unknown }).rle, limits.maxMaskRuns, 'CHEXGEN_MAX_MASK_RUNS');
  });
}

/** Reads the masks of a SEG in the server's store (server/src/pacs/readStudySegmentation.ts); errors name `field`. */
export type ReadSegmentation = (studyUid: string, seriesUid: string | undefined, field: string) => Promise<LabeledMask[]>;

/** The masks of a `{ seg }` entry: every segment the model knows, or only the one named by `label`. */
async function segMasks(
  seg: { StudyInstanceUID: string; SeriesInstanceUID?: string | undefined },
  label: string | undefined,
  field: string,
  readSegmentation: ReadSegmentation | undefined,
): Promise<LabeledMask[]> {
  if (readSegmentation === undefined) {
    throw new ChexgenError('INVALID_FIELD', `${field}: this server has no store to read a SEG from`, { field, status: 400 });
  }
  const found = await readSegmentation(seg.StudyInstanceUID, seg.SeriesInstanceUID, field);
  const chosen = label === undefined ? found : found.filter((m) => normaliseLabel(m.label) === normaliseLabel(label));
  if (chosen.length === 0) {
    throw new ChexgenError('INVALID_FIELD', `${field}: the SEG has no segment "${label ?? ''}" (it has ${found.map((m) => m.label).join(', ') || 'none we know'})`, { field, status: 400 });
  }
  return chosen;
}

/** The idempotency key of a request: the body's `idempotencyKey` or the `Idempotency-Key` header (both: they must agree). */
export function resolveIdempotencyKey(bodyKey: string | undefined, headerKey: string | undefined): string | null {
  if (headerKey !== undefined && !IDEMPOTENCY_KEY.test(headerKey)) {
    throw new ChexgenError('INVALID_FIELD', 'Idempotency-Key: 1-200 printable ASCII characters, no spaces', { field: 'Idempotency-Key', status: 400 });
  }
  if (headerKey !== undefined && bodyKey !== undefined && headerKey !== bodyKey) {
    throw new ChexgenError('INVALID_FIELD', 'idempotencyKey: differs from the Idempotency-Key header', { field: 'idempotencyKey', status: 400 });
  }
  return headerKey ?? bodyKey ?? null;
}
