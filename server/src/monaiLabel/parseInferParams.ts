import { ChexgenError } from '../errors.js';

/** The fields of a synthesis request (POST /api/v1/syntheses) that infer `params` may carry. */
export const SYNTHESIS_PARAMS = ['text', 'sex', 'age', 'view', 'boxes', 'sourceWidth', 'sourceHeight', 'masks', 'seed', 'steps', 'guidance', 'spatialGuidance', 'sampler'] as const;

/** Our own infer options, beside the synthesis fields. */
export type InferOptions = {
  /** Condition on the masks of a SEG in the image's study (`useImageSegmentation: true`). */
  useImageSegmentation: boolean;
  /** Link the image's study in the synthetic SR (UIDs only); `linkImage: false` leaves it out. */
  linkImage: boolean;
};

/** What infer makes of the multipart `params` field. */
export type InferParams = {
  /** A synthesis request body for parseSynthesisRequest (checked there). */
  synthesis: Record<string, unknown>;
  options: InferOptions;
  /** Fields we do not use, in the order sent (client_id, result_extension, ...): reported back, never refused. */
  ignored: string[];
};

/**
 * The `params` form field of `POST /infer/{model}` (pure). MONAI Label clients add fields of their own (the Python
 * client `client_id`, the OHIF plugin `result_extension`, `result_dtype`, `result_compress`, `restore_label_idx`,
 * `label_prompt`, ...): they are ignored and listed in `ignored`, not refused. Our fields keep the synthesis API's
 * rules (checked afterwards by synthesis/parseSynthesisRequest). Absent or empty params mean `{}`. Throws INVALID_FIELD on
 * `params` when it is not a JSON object, and on our two options when they are not booleans.
 */
export function parseInferParams(raw: string | undefined): InferParams {
  let parsed: unknown = {};
  if (raw !== undefined && raw.trim() !== '') {
    try {
      parsed = JSON.parse(raw);
    } catch {
      throw new ChexgenError('INVALID_FIELD', 'params: not valid JSON (the multipart field "params" must hold a JSON object)', { field: 'params', status: 400 });
    }
  }
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) {
    throw new ChexgenError('INVALID_FIELD', 'params: must be a JSON object', { field: 'params', status: 400 });
  }
  const synthesis: Record<string, unknown> = {};
  const ignored: string[] = [];
  const known = new Set<string>(SYNTHESIS_PARAMS);
  const flag = (key: keyof InferOptions, fallback: boolean): boolean => {
    const value = (parsed as Record<string, unknown>)[key];
    if (value === undefined) return fallback;
    if (typeof value !== 'boolean') throw new ChexgenError('INVALID_FIELD', `params.${key}: must be true or false`, { field: `params.${key}`, status: 400 });
    return value;
  };
  for (const [key, value] of Object.entries(parsed)) {
    if (known.has(key)) synthesis[key] = value;
    else if (key !== 'useImageSegmentation' && key !== 'linkImage') ignored.push(key);
  }
  return { synthesis, options: { useImageSegmentation: flag('useImageSegmentation', false), linkImage: flag('linkImage', true) }, ignored };
}
