import { readFile } from 'node:fs/promises';
import { z } from 'zod';
import { parseWithSchema } from '../validation/parseWithSchema.js';

const boxSchema = z.object({ label: z.string(), x0: z.number(), y0: z.number(), x1: z.number(), y1: z.number() });

/** One image to generate (written by `python -m chexgen_train.evaluation plan`, models/training/chexgen_train/evaluation/plan.py). */
export const plannedImageSchema = z.object({
  id: z.string().regex(/^[a-z_]+-\d+$/),
  group: z.string(),
  record: z.string(),
  split: z.string(),
  seed: z.number().int().min(0),
  text: z.string(),
  findings: z.array(z.string()),
  boxes: z.array(boxSchema),
  /** Mask PNG paths relative to the cache folder. */
  masks: z.array(z.object({ label: z.string(), file: z.string() })),
  sex: z.enum(['F', 'M']).optional(),
  age: z.number().int().min(0).max(120).optional(),
  view: z.enum(['PA', 'AP', 'AP supine', 'lateral']).optional(),
  /** Counterfactual pairs: which pair the image belongs to and which arm of it (the prompt is all that differs). */
  pair: z.number().int().min(0).optional(),
  arm: z.string().optional(),
  /** Downstream pairs: which deformation of the record's masks. */
  deformation: z.number().int().min(0).optional(),
  /** Guidance sweep: the scales this image is generated with (default: the model's). */
  guidance: z.number().min(0).max(20).optional(),
  spatialGuidance: z.number().min(0).max(20).optional(),
});

export const evaluationPlanSchema = z.object({ settings: z.record(z.unknown()), images: z.array(plannedImageSchema) });

export type PlannedImage = z.infer<typeof plannedImageSchema>;
export type EvaluationPlan = z.infer<typeof evaluationPlanSchema>;

/** Reads and validates `<cache>/plan.json`. */
export async function readEvaluationPlan(path: string): Promise<EvaluationPlan> {
  return parseWithSchema(evaluationPlanSchema, JSON.parse(await readFile(path, 'utf8')), 'plan', 'INVALID_FIELD');
}
