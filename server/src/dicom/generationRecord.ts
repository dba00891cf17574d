import { z } from 'zod';
import type { ConditionSummary, Sex, View } from '../conditions/conditionTypes.js';

/** How an image was resampled after generation (null: delivered at the model resolution). */
export type Resampling = { from: [number, number]; to: [number, number]; kernel: 'lanczos3' } | null;

/**
 * Everything needed to regenerate an image bit for bit on the same machine: the model (name, version, hash of its
 * files), the exact prompt, the condition planes (run-length encoded, so masks of any source need not be kept),
 * seed, sampler, steps and guidance. The SR carries it (buildStructuredReport) and gives it back
 * (parseGenerationRecordFromSr); the CLI writes it beside PNGs. It is this module's input type: made by the
 * generation use case (server/src/generation), never by the writers.
 */
export type GenerationRecord = {
  kind: 'chexgen-generation-record';
  version: 1;
  synthetic: true;
  model: { name: string; version: string; sha256: string };
  prompt: string;
  text: string;
  sex: Sex | null;
  age: number | null;
  view: View | null;
  conditions: ConditionSummary;
  /** The denoiser's condition planes: per channel, present flag and runs of the {0,1} plane (row-major). */
  planes: { size: number; channels: { index: number; present: boolean; runs: number[] }[] };
  seed: number;
  sampler: string;
  steps: number;
  guidance: number;
  spatialGuidance: number;
  resolution: [number, number];
  resampling: Resampling;
};

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
