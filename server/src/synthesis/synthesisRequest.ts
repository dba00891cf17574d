import { createHash } from 'node:crypto';
import { z } from 'zod';
import { ChexgenError } from '../errors.js';
import type { ModelManifest } from '../model/modelManifestSchema.js';
import { parseWithSchema } from '../validation/parseWithSchema.js';
import { buildConditionPlanes, type BoxCondition, type MaskCondition } from './conditioning.js';
import { compilePrompt } from './promptPrefix.js';
import { DEFAULT_SCHEDULER, SCHEDULER_NAMES } from './schedulers/index.js';
import type { SynthesisPlan } from './synthesize.js';

/** Limits a request must respect; the server makes them configurable. */
export const REQUEST_LIMITS = { maxTextLength: 2000, maxCount: 64, maxSteps: 200, maxBoxes: 64, maxMasks: 16 };

const boxSchema = z.object({
  label: z.string().min(1).max(64),
  x0: z.number().finite(),
  y0: z.number().finite(),
  x1: z.number().finite(),
  y1: z.number().finite(),
});

/**
 * A synthesis request as the CLI and the HTTP API take it (masks already decoded to binary arrays). At least one of
 * text, masks, boxes; everything else has a documented default.
 */
export const synthesisRequestSchema = z
  .object({
    text: z.string().max(REQUEST_LIMITS.maxTextLength).optional(),
    sex: z.enum(['F', 'M']).optional(),
    age: z.number().int().min(0).max(120).optional(),
    view: z.enum(['PA', 'AP', 'AP supine', 'lateral']).optional(),
    boxes: z.array(boxSchema).max(REQUEST_LIMITS.maxBoxes).optional(),
    /** Size of the image the box coordinates refer to; default: the model resolution. */
    sourceWidth: z.number().int().min(1).max(65535).optional(),
    sourceHeight: z.number().int().min(1).max(65535).optional(),
    masks: z
      .array(z.object({ label: z.string().min(1).max(64), width: z.number().int().min(1).max(8192), height: z.number().int().min(1).max(8192), data: z.instanceof(Uint8Array) }))
      .max(REQUEST_LIMITS.maxMasks)
      .optional(),
    count: z.number().int().min(1).max(REQUEST_LIMITS.maxCount).default(1),
    seed: z.number().int().min(0).max(2 ** 32 - 1),
    steps: z.number().int().min(1).max(REQUEST_LIMITS.maxSteps).optional(),
    guidance: z.number().min(0).max(20).optional(),
    spatialGuidance: z.number().min(0).max(20).optional(),
    sampler: z.string().default(DEFAULT_SCHEDULER),
  })
  .refine((r) => (r.text ?? '').trim() !== '' || (r.boxes?.length ?? 0) > 0 || (r.masks?.length ?? 0) > 0, {
    message: 'give at least one of text, masks or boxes',
    path: ['text'],
  });

export type SynthesisRequest = z.input<typeof synthesisRequestSchema>;

/** What the generation record says about the conditions (masks by label, size and content hash). */
export type ConditionSummary = {
  boxes: BoxCondition[];
  sourceWidth: number;
  sourceHeight: number;
  masks: { label: string; width: number; height: number; sha256: string }[];
};

/** One hash for the whole model folder: sha256 over its files' names and hashes. */
export function modelHash(manifest: ModelManifest): string {
  const h = createHash('sha256');
  for (const f of [...manifest.files].sort((a, b) => a.file.localeCompare(b.file))) h.update(`${f.file}:${f.sha256}\n`);
  return h.digest('hex');
}

/**
 * Validates a request against the schema and the model (labels, sampler), fills defaults from model.json and
 * compiles the prompt and condition planes. Throws ChexgenError INVALID_FIELD naming the field and the rule.
 */
export function planSynthesis(request: unknown, manifest: ModelManifest): { plan: SynthesisPlan; summary: ConditionSummary } {
  const r = parseWithSchema(synthesisRequestSchema, request, 'request', 'INVALID_FIELD');
  if (!(SCHEDULER_NAMES as readonly string[]).includes(r.sampler)) {
    throw new ChexgenError('INVALID_FIELD', `sampler: unknown sampler "${r.sampler}"; supported: ${SCHEDULER_NAMES.join(', ')}`, {
      field: 'sampler', status: 400,
    });
  }
  const size = manifest.resolution;
  const sourceWidth = r.sourceWidth ?? size;
  const sourceHeight = r.sourceHeight ?? size;
  const masks: MaskCondition[] = r.masks ?? [];
  const conditions = buildConditionPlanes({
    channels: manifest.conditions.channels, size, boxes: r.boxes, sourceWidth, sourceHeight, masks,
  });
  // One explicit scale sets both; with none, the model's defaults (its spatial default falls back to its text one).
  const guidance = r.guidance ?? manifest.schedule.default_guidance;
  const spatialGuidance = r.spatialGuidance ?? r.guidance ?? manifest.schedule.default_spatial_guidance ?? guidance;
  const plan: SynthesisPlan = {
    prompt: compilePrompt(r),
    conditions,
    count: r.count,
    seed: r.seed,
    steps: r.steps ?? manifest.schedule.default_steps,
    guidance,
    spatialGuidance,
    sampler: r.sampler,
  };
  const summary: ConditionSummary = {
    boxes: r.boxes ?? [],
    sourceWidth,
    sourceHeight,
    masks: masks.map((m) => ({ label: m.label, width: m.width, height: m.height, sha256: createHash('sha256').update(m.data).digest('hex') })),
  };
  return { plan, summary };
}
