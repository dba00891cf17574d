import { createHash } from 'node:crypto';
import type { BinaryMask, BoxCondition, RunLengthMask } from '../conditions/conditionTypes.js';
import { decodeRuns } from '../conditions/runLength.js';
import { ChexgenError } from '../errors.js';
import type { ModelManifest } from '../model/modelManifestSchema.js';
import { buildConditionPlanes } from './buildConditionPlanes.js';
import { compilePrompt } from '../contract/index.js';
import { DEFAULT_SCHEDULER, SCHEDULER_NAMES } from './schedulers/index.js';
import type { SynthesisRequest } from './synthesisRequest.js';
import type { SynthesisPlan } from './synthesize.js';

/**
 * What planning takes: a validated request (synthesisRequest.ts, or a job's stored request) with its masks decoded
 * or as run lengths. Other fields (model, sourceStudy, ...) are ignored here.
 */
export type PlanInput = Pick<SynthesisRequest, 'text' | 'sex' | 'age' | 'view' | 'sourceWidth' | 'sourceHeight' | 'steps' | 'guidance' | 'spatialGuidance'> & {
  boxes?: readonly BoxCondition[];
  masks?: readonly (BinaryMask | RunLengthMask)[];
  count?: number;
  seed: number;
  sampler?: string;
};

/** A mask's pixels: its own, or decoded from its run lengths (the one codec) with errors at `masks[i].rle`. */
function pixelsOf(mask: BinaryMask | RunLengthMask, i: number): BinaryMask {
  if ('data' in mask) return mask;
  return { label: mask.label, width: mask.width, height: mask.height, data: decodeRuns(mask.rle, mask.width * mask.height, `masks[${i}].rle`) };
}

/**
 * Plans a validated request against a model: the checks only the model can make (sampler, box and mask labels,
 * boxes inside the source image), defaults from model.json (steps, guidance, sampler), the compiled prompt and the
 * condition planes, rasterised once. Pure. Throws ChexgenError INVALID_FIELD naming the field and the rule.
 */
export function planSynthesis(request: PlanInput, manifest: ModelManifest): { plan: SynthesisPlan } {
  const sampler = request.sampler ?? DEFAULT_SCHEDULER;
  if (!(SCHEDULER_NAMES as readonly string[]).includes(sampler)) {
    throw new ChexgenError('INVALID_FIELD', `sampler: unknown sampler "${sampler}"; supported: ${SCHEDULER_NAMES.join(', ')}`, {
      field: 'sampler', status: 400,
    });
  }
  const size = manifest.resolution;
  const sourceWidth = request.sourceWidth ?? size;
  const sourceHeight = request.sourceHeight ?? size;
  const masks = (request.masks ?? []).map(pixelsOf);
  const conditions = buildConditionPlanes({
    channels: manifest.conditions.channels, size, boxes: request.boxes, sourceWidth, sourceHeight, masks,
  });
  // One explicit scale sets both; with none, the model's defaults (its spatial default falls back to its text one).
  const guidance = request.guidance ?? manifest.schedule.default_guidance;
  const spatialGuidance = request.spatialGuidance ?? request.guidance ?? manifest.schedule.default_spatial_guidance ?? guidance;
  const plan: SynthesisPlan = {
    prompt: compilePrompt(request),
    conditions,
    count: request.count ?? 1,
    seed: request.seed,
    steps: request.steps ?? manifest.schedule.default_steps,
    guidance,
    spatialGuidance,
    sampler,
    given: {
      text: request.text ?? '',
      sex: request.sex ?? null,
      age: request.age ?? null,
      view: request.view ?? null,
      conditions: {
        // a fixed key order: the record is JSON in the SR, and equal requests must give equal bytes
        boxes: (request.boxes ?? []).map((b) => ({ label: b.label, x0: b.x0, y0: b.y0, x1: b.x1, y1: b.y1 })),
        sourceWidth,
        sourceHeight,
        masks: masks.map((m) => ({ label: m.label, width: m.width, height: m.height, sha256: createHash('sha256').update(m.data).digest('hex') })),
      },
    },
  };
  return { plan };
}
