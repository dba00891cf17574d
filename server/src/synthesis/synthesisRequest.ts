import type { BoxCondition, Sex, View } from '../conditions/conditionTypes.js';
import { synthesisRequestSchema, type MaskBody, type RequestLimits, type SamplerName } from '../contract/index.js';
import { ChexgenError } from '../errors.js';
import { zodIssuesToError } from '../validation/zodIssuesToError.js';

// The limits are the contract's (server/src/contract/vocabulary.ts); re-exported for the server's modules.
export { REQUEST_CEILINGS, type RequestLimits } from '../contract/index.js';

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
  sampler?: SamplerName;
  model?: string;
  sourceStudy?: string;
};

function limit(max: number, env: string): string {
  return `must be at most ${max} (${env})`;
}

/** A mask as the contract reads it, as its source (the schema has checked that exactly one source is given). */
function maskSource(m: MaskBody): MaskSource {
  if (m.seg !== undefined) return { kind: 'seg', ...(m.label !== undefined ? { label: m.label } : {}), ...m.seg };
  if (m.png !== undefined) return { kind: 'png', label: m.label ?? '', png: m.png };
  return { kind: 'rle', label: m.label ?? '', width: m.width ?? 0, height: m.height ?? 0, rle: m.rle ?? [] };
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
 * Validates a synthesis request against the contract's schema (server/src/contract/requests.ts): the one check every
 * entry point (HTTP body, CLI flags, MONAI Label's params) goes through; masks come back as their sources. Throws
 * INVALID_FIELD (400) naming the field and the rule; a body that is not a JSON object is refused as `body`.
 */
export function parseSynthesisRequest(value: unknown, limits: RequestLimits): SynthesisRequest & { idempotencyKey?: string } {
  if (value === undefined || value === null || typeof value !== 'object' || Array.isArray(value)) {
    throw new ChexgenError('INVALID_FIELD', 'body: expected a JSON object (Content-Type: application/json)', { field: 'body', status: 400 });
  }
  refuseLongArrays(value as Record<string, unknown>, limits);
  const parsed = synthesisRequestSchema(limits).safeParse(value);
  if (!parsed.success) throw zodIssuesToError(parsed.error);
  const { masks, ...request } = parsed.data;
  return masks === undefined ? request : { ...request, masks: masks.map(maskSource) };
}
