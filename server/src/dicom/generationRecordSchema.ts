import { z } from 'zod';
import type { GenerationRecord } from '../synthesis/generationRecord.js';

const box = z.object({ label: z.string(), x0: z.number(), y0: z.number(), x1: z.number(), y1: z.number() });
const pair = z.tuple([z.number().int(), z.number().int()]);

/** The shape of {@link GenerationRecord}, for records read back from files (DICOM SR, JSON sidecars). */
export const generationRecordSchema: z.ZodType<GenerationRecord> = z.object({
  kind: z.literal('chexgen-generation-record'),
  version: z.literal(1),
  synthetic: z.literal(true),
  model: z.object({ name: z.string(), version: z.string(), sha256: z.string() }),
  prompt: z.string(),
  text: z.string(),
  sex: z.enum(['F', 'M']).nullable(),
  age: z.number().nullable(),
  view: z.enum(['PA', 'AP', 'AP supine', 'lateral']).nullable(),
  conditions: z.object({
    boxes: z.array(box),
    sourceWidth: z.number(),
    sourceHeight: z.number(),
    masks: z.array(z.object({ label: z.string(), width: z.number(), height: z.number(), sha256: z.string() })),
  }),
  planes: z.object({
    size: z.number().int(),
    channels: z.array(z.object({ index: z.number().int(), present: z.boolean(), runs: z.array(z.number().int().nonnegative()) })),
  }),
  seed: z.number(),
  sampler: z.string(),
  steps: z.number(),
  guidance: z.number(),
  spatialGuidance: z.number(),
  resolution: pair,
  resampling: z.object({ from: pair, to: pair, kernel: z.literal('lanczos3') }).nullable(),
});
