import { assembleSyntheticStudy, type SyntheticStudy } from '../dicom/assembleSyntheticStudy.js';
import type { SourceStudyLink } from '../dicom/buildStructuredReport.js';
import type { GenerationRecord } from '../dicom/generationRecord.js';
import type { WriterContext } from '../dicom/WriterContext.js';
import { resampleGray16 } from '../images/resampleGray16.js';
import type { GrayImage16 } from '../synthesis/imageOutput.js';
import { synthesize, type LoadedModel, type SynthesisPlan, type SynthesisTimings } from '../synthesis/synthesize.js';
import { buildGenerationRecord } from './generationRecord.js';

/** How one image of a plan is made and documented. */
export type GenerateStudyOptions = {
  /** Deliver the image at this size (Lanczos-3, recorded in the record's `resampling`); default: the model resolution. */
  size?: { width: number; height: number };
  /** Also build its DICOM study (image, SEG of the masks, SR with boxes, text and record) with these UIDs and clock. */
  dicom?: { ctx: WriterContext; sourceStudy?: SourceStudyLink };
  /** Checked between denoising steps: at most one step runs after it fires (SynthesisCanceledError). */
  signal?: AbortSignal;
  /** After every denoising step of this image. */
  onProgress?: (progress: { step: number; steps: number }) => void;
};

/** One generated image with its record and, when asked for, its encoded study. */
export type GeneratedStudy = {
  index: number;
  /** plan.seed + index. */
  seed: number;
  image: GrayImage16;
  record: GenerationRecord;
  study: SyntheticStudy | null;
  executionProvider: string;
  timings: SynthesisTimings;
};

/**
 * The generation use case, the same for the job runner, `chexgen synthesize` and `chexgen reproduce`: image `index`
 * of a plan (seed + index) through the inference runtime, resampled when asked, its generation record, and its
 * synthetic DICOM study. Nothing here stores or sends anything: the caller delivers (outbox, files).
 */
export async function generateStudy(
  model: LoadedModel, plan: SynthesisPlan, index: number, options: GenerateStudyOptions & Required<Pick<GenerateStudyOptions, 'dicom'>>,
): Promise<GeneratedStudy & { study: SyntheticStudy }>;
export async function generateStudy(model: LoadedModel, plan: SynthesisPlan, index: number, options?: GenerateStudyOptions): Promise<GeneratedStudy>;
export async function generateStudy(model: LoadedModel, plan: SynthesisPlan, index: number, options: GenerateStudyOptions = {}): Promise<GeneratedStudy> {
  const seed = plan.seed + index;
  const generated = await synthesize(model, { ...plan, count: 1, seed }, {
    signal: options.signal,
    onProgress: (p) => options.onProgress?.({ step: p.step, steps: p.steps }),
  });
  const [made] = generated.images;
  const { image, resampling } = await resampleGray16(made, options.size);
  const record = buildGenerationRecord(model.manifest, plan, index, resampling);
  const study = options.dicom === undefined
    ? null
    : assembleSyntheticStudy({ image, record, channels: model.manifest.conditions.channels, ctx: options.dicom.ctx, sourceStudy: options.dicom.sourceStudy });
  return { index, seed, image, record, study, executionProvider: generated.executionProvider, timings: generated.timings };
}
