import { ChexgenError } from '../errors.js';
import type { ModelManifest } from '../model/modelManifestSchema.js';
import type { Sex, View } from './promptPrefix.js';
import { modelHash, type ConditionSummary } from './synthesisRequest.js';
import type { SynthesisPlan } from './synthesize.js';

/** How an image was resampled after generation (null: delivered at the model resolution). */
export type Resampling = { from: [number, number]; to: [number, number]; kernel: 'lanczos3' } | null;

/**
 * Everything needed to regenerate an image bit for bit on the same machine: the model (name, version, hash of its
 * files), the exact prompt, the condition planes (run-length encoded, so masks of any source need not be kept),
 * seed, sampler, steps and guidance. Written next to PNGs and into the DICOM SR.
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
  /** The denoiser's condition planes: per channel, present flag and RLE of the {0,1} plane (row-major). */
  planes: { size: number; channels: { index: number; present: boolean; runs: number[] }[] };
  seed: number;
  sampler: string;
  steps: number;
  guidance: number;
  spatialGuidance: number;
  resolution: [number, number];
  resampling: Resampling;
};

/** Run lengths of a binary plane or mask (> 0.5 = inside, so {0,1} floats and 0/255 bytes alike), row-major,
 * starting with a run of zeros (possibly 0 long). */
export function encodeRuns(plane: ArrayLike<number>): number[] {
  const runs: number[] = [];
  let value = 0;
  let length = 0;
  for (let i = 0; i < plane.length; i++) {
    const bit = plane[i] > 0.5 ? 1 : 0;
    if (bit === value) length++;
    else {
      runs.push(length);
      value = bit;
      length = 1;
    }
  }
  runs.push(length);
  return runs;
}

/** Inverse of encodeRuns. */
export function decodeRuns(runs: number[], length: number): Float32Array {
  const out = new Float32Array(length);
  let pos = 0;
  runs.forEach((run, i) => {
    if (i % 2 === 1) out.fill(1, pos, pos + run);
    pos += run;
  });
  if (pos !== length) throw new Error(`decodeRuns: runs cover ${pos} pixels, expected ${length}`);
  return out;
}

/** The record of image `index` of a plan. */
export function buildGenerationRecord(options: {
  manifest: ModelManifest; plan: SynthesisPlan; summary: ConditionSummary; index: number;
  fields: { text?: string; sex?: Sex; age?: number; view?: View }; resampling: Resampling;
}): GenerationRecord {
  const { manifest, plan, summary, fields } = options;
  const { planes, present, channels, size } = plan.conditions;
  const area = size * size;
  return {
    kind: 'chexgen-generation-record',
    version: 1,
    synthetic: true,
    model: { name: manifest.name, version: manifest.version, sha256: modelHash(manifest) },
    prompt: plan.prompt,
    text: fields.text ?? '',
    sex: fields.sex ?? null,
    age: fields.age ?? null,
    view: fields.view ?? null,
    conditions: summary,
    planes: {
      size,
      channels: Array.from({ length: channels }, (_, k) => ({
        index: k, present: present[k] > 0, runs: present[k] > 0 ? encodeRuns(planes.subarray(k * area, (k + 1) * area)) : [area],
      })),
    },
    seed: plan.seed + options.index,
    sampler: plan.sampler,
    steps: plan.steps,
    guidance: plan.guidance,
    spatialGuidance: plan.spatialGuidance,
    resolution: [manifest.resolution, manifest.resolution],
    resampling: options.resampling,
  };
}

/**
 * The plan that regenerates a recorded image: same prompt, condition planes, seed, sampler, steps and guidance.
 * Refuses a record made by another model (name or file hash differ), since its pixels could not match.
 */
export function planFromRecord(record: GenerationRecord, manifest: ModelManifest): SynthesisPlan {
  const hash = modelHash(manifest);
  if (record.model.name !== manifest.name || record.model.sha256 !== hash) {
    throw new ChexgenError(
      'MODEL_NOT_FOUND',
      `the record was made by ${record.model.name} ${record.model.version} (sha256 ${record.model.sha256.slice(0, 12)}...); `
        + `the loaded model is ${manifest.name} ${manifest.version} (sha256 ${hash.slice(0, 12)}...)`,
      { field: 'model' },
    );
  }
  const { size } = record.planes;
  const k = manifest.conditions.channels.length;
  if (record.planes.channels.length !== k || size !== manifest.resolution) {
    throw new ChexgenError('INVALID_FIELD', `record planes: ${record.planes.channels.length} channels at ${size} px do not fit the model`, { field: 'planes' });
  }
  const area = size * size;
  const planes = new Float32Array(k * area);
  const present = new Float32Array(k);
  for (const channel of record.planes.channels) {
    planes.set(decodeRuns(channel.runs, area), channel.index * area);
    present[channel.index] = channel.present ? 1 : 0;
  }
  return {
    prompt: record.prompt,
    conditions: { planes, present, channels: k, size },
    count: 1,
    seed: record.seed,
    steps: record.steps,
    guidance: record.guidance,
    spatialGuidance: record.spatialGuidance,
    sampler: record.sampler,
  };
}
