import { findChannel } from '../conditions/conditionLabels.js';
import type { BinaryMask, BoxCondition, ConditionChannel } from '../conditions/conditionTypes.js';
import { resampleMask } from '../conditions/resampleMask.js';
import { ChexgenError } from '../errors.js';

/** The denoiser's `condition` [K,H,W] and `condition_present` [K] for one request. */
export type ConditionPlanes = { planes: Float32Array; present: Float32Array; channels: number; size: number };

function channelFor(channels: readonly ConditionChannel[], kind: 'mask' | 'box', label: string, field: string): number {
  const match = findChannel(channels, kind, label);
  if (match === undefined) {
    const supported = channels.filter((c) => c.kind === kind).map((c) => c.label);
    throw new ChexgenError(
      'INVALID_FIELD',
      `${field}: unknown ${kind} label "${label}"; this model supports: ${supported.join(', ')}`,
      { field, status: 400 },
    );
  }
  return match.index;
}

function checkBox(box: BoxCondition, sourceWidth: number, sourceHeight: number, field: string): void {
  for (const key of ['x0', 'y0', 'x1', 'y1'] as const) {
    if (!Number.isFinite(box[key])) {
      throw new ChexgenError('INVALID_FIELD', `${field}.${key}: must be a finite number`, { field: `${field}.${key}`, status: 400 });
    }
  }
  if (!(box.x1 > box.x0 && box.y1 > box.y0)) {
    throw new ChexgenError('INVALID_FIELD', `${field}: needs x0 < x1 and y0 < y1`, { field, status: 400 });
  }
  if (box.x1 <= 0 || box.y1 <= 0 || box.x0 >= sourceWidth || box.y0 >= sourceHeight) {
    throw new ChexgenError('INVALID_FIELD', `${field}: lies outside the ${sourceWidth}x${sourceHeight} source image`, {
      field, status: 400,
    });
  }
}

/**
 * Rasterises boxes and masks onto the model's condition channels (docs/model-contract.md):
 * a box covers model pixel (r, c) when x0 <= c + 0.5 < x1 and y0 <= r + 0.5 < y1 after scaling the box from the
 * source size to the model resolution; masks are resampled by nearest neighbour (pixel centres). A channel with at
 * least one box or mask is "present"; `presentLabels` marks channels known to be empty (given, nothing drawn).
 */
export function buildConditionPlanes(options: {
  channels: readonly ConditionChannel[];
  size: number;
  boxes?: readonly BoxCondition[];
  sourceWidth?: number;
  sourceHeight?: number;
  masks?: readonly BinaryMask[];
}): ConditionPlanes {
  const { channels, size } = options;
  const k = channels.length;
  const planes = new Float32Array(k * size * size); // [K, H, W]
  const present = new Float32Array(k);
  const sourceWidth = options.sourceWidth ?? size;
  const sourceHeight = options.sourceHeight ?? size;
  (options.boxes ?? []).forEach((box, i) => {
    const field = `boxes[${i}]`;
    const channel = channelFor(channels, 'box', box.label, `${field}.label`);
    checkBox(box, sourceWidth, sourceHeight, field);
    const sx = size / sourceWidth;
    const sy = size / sourceHeight;
    const [x0, x1, y0, y1] = [box.x0 * sx, box.x1 * sx, box.y0 * sy, box.y1 * sy];
    const c0 = Math.max(0, Math.ceil(x0 - 0.5));
    const c1 = Math.min(size, Math.ceil(x1 - 0.5)); // exclusive: c + 0.5 < x1
    const r0 = Math.max(0, Math.ceil(y0 - 0.5));
    const r1 = Math.min(size, Math.ceil(y1 - 0.5));
    const base = channel * size * size;
    for (let r = r0; r < r1; r++) planes.fill(1, base + r * size + c0, base + r * size + Math.max(c0, c1));
    present[channel] = 1;
  });
  (options.masks ?? []).forEach((mask, i) => {
    const field = `masks[${i}]`;
    const channel = channelFor(channels, 'mask', mask.label, `${field}.label`);
    if (!(Number.isInteger(mask.width) && Number.isInteger(mask.height) && mask.width > 0 && mask.height > 0)) {
      throw new ChexgenError('INVALID_FIELD', `${field}: width and height must be positive integers`, { field, status: 400 });
    }
    if (mask.data.length !== mask.width * mask.height) {
      throw new ChexgenError('INVALID_FIELD', `${field}: has ${mask.data.length} pixels, expected width*height = ${mask.width * mask.height}`, { field, status: 400 });
    }
    const base = channel * size * size;
    const resampled = resampleMask(mask, size, size);
    for (let i = 0; i < resampled.length; i++) if (resampled[i] === 1) planes[base + i] = 1;
    present[channel] = 1;
  });
  return { planes, present, channels: k, size };
}
