import type { GenerationRecord, Resampling } from '../dicom/generationRecord.js';
import { encodeRuns, decodeRuns } from '../conditions/runLength.js';
import { ChexgenError } from '../errors.js';
import { modelHash } from '../model/modelHash.js';
import type { ModelManifest } from '../model/modelManifestSchema.js';
import type { SynthesisPlan } from '../synthesis/synthesize.js';

/**
 * The generation record of image `index` of a plan: the plan's model inputs (prompt, condition planes as runs,
 * seed + index, sampler, steps, guidance), what the request said, and the model's identity. The inverse of
 * {@link planFromRecord}.
 */
export function buildGenerationRecord(manifest: ModelManifest, plan: SynthesisPlan, index: number, resampling: Resampling): GenerationRecord {
  const { planes, present, channels, size } = plan.conditions;
  const area = size * size;
  return {
    kind: 'chexgen-generation-record',
    version: 1,
    synthetic: true,
    model: { name: manifest.name, version: manifest.version, sha256: modelHash(manifest) },
    prompt: plan.prompt,
    text: plan.given.text,
    sex: plan.given.sex,
    age: plan.given.age,
    view: plan.given.view,
    conditions: plan.given.conditions,
    planes: {
      size,
      channels: Array.from({ length: channels }, (_, k) => ({
        index: k, present: present[k] > 0, runs: present[k] > 0 ? encodeRuns(planes.subarray(k * area, (k + 1) * area)) : [area],
      })),
    },
    seed: plan.seed + index,
    sampler: plan.sampler,
    steps: plan.steps,
    guidance: plan.guidance,
    spatialGuidance: plan.spatialGuidance,
    resolution: [manifest.resolution, manifest.resolution],
    resampling,
  };
}

/**
 * The plan that regenerates a recorded image: same prompt, condition planes, seed, sampler, steps and guidance
 * (count 1). Refuses a record made by another model (name or file hash differ), since its pixels could not match.
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
    planes.set(decodeRuns(channel.runs, area, `planes.channels[${channel.index}].runs`), channel.index * area);
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
    given: { text: record.text, sex: record.sex, age: record.age, view: record.view, conditions: record.conditions },
  };
}
