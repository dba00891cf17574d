import type { ModelManifest } from '../model/modelManifestSchema.js';
import type { InferenceRuntime, TensorData } from '../runtime/InferenceRuntime.js';
import type { ConditionSummary, Sex, View } from '../conditions/conditionTypes.js';
import type { ConditionPlanes } from './buildConditionPlanes.js';
import { combineGuidance, guidancePasses, type GuidancePasses } from './guidance.js';
import { toGray16, type GrayImage16 } from './imageOutput.js';
import { createScheduler } from './schedulers/index.js';
import { seededNormal } from './seededNoise.js';
import type { WordTokenizer } from './WordTokenizer.js';

/**
 * A model as requests are planned on it: its folder and verified manifest, without its graphs (what an API-only
 * server, which runs no jobs, holds).
 */
export type ModelDescription = { dir: string; manifest: ModelManifest };

/** A model ready to run: verified manifest, its tokenizer and the inference runtime holding its graphs. */
export type LoadedModel = ModelDescription & { tokenizer: WordTokenizer; runtime: InferenceRuntime };

/**
 * What a request said, kept with its plan for the generation record: the report fields and the conditions as given
 * (boxes in source pixels, masks by label, size and sha256 of their binary pixels).
 */
export type GivenConditions = {
  text: string;
  sex: Sex | null;
  age: number | null;
  view: View | null;
  conditions: ConditionSummary;
};

/**
 * One typed plan of a request (planSynthesis.ts, or planFromRecord for a reproduction): everything that decides the
 * pixels with the model, which the generation record stores, and what the request said.
 */
export type SynthesisPlan = {
  /** The exact text the model gets (demographic prefix included: see compilePrompt). */
  prompt: string;
  conditions: ConditionPlanes;
  count: number;
  /** Image i uses seed + i. */
  seed: number;
  steps: number;
  /** Text guidance scale. */
  guidance: number;
  /** Spatial guidance scale; equal to `guidance` unless set. */
  spatialGuidance: number;
  sampler: string;
  given: GivenConditions;
};

/** Per-step progress; `image` counts from 0. */
export type SynthesisProgress = { image: number; count: number; step: number; steps: number };

export type SynthesizedImage = GrayImage16 & { seed: number };
export type SynthesisTimings = { textMs: number; denoiseMs: number; stepMs: number; vaeMs: number; totalMs: number };
export type SynthesisResult = { images: SynthesizedImage[]; timings: SynthesisTimings; executionProvider: string };

/** Thrown when the AbortSignal fires; checked between steps, so at most one step runs after cancellation. */
export class SynthesisCanceledError extends Error {
  constructor() {
    super('synthesis canceled');
    this.name = 'SynthesisCanceledError';
  }
}

const now = (): number => performance.now();

function float32(data: Float32Array, dims: number[]): TensorData {
  return { type: 'float32', data, dims };
}

/** Repeats one row `times` times: [n] -> [times * n] (a fresh buffer: runtime.run may transfer it). */
function repeatRows(row: Float32Array, times: number): Float32Array {
  const out = new Float32Array(row.length * times);
  for (let i = 0; i < times; i++) out.set(row, i * row.length);
  return out;
}

async function encodeText(model: LoadedModel, prompt: string) {
  const { inputIds, attentionMask, dims } = model.tokenizer.encodeBatch([prompt, '']);
  const out = await model.runtime.run('text_encoder', {
    input_ids: { type: 'int64', data: inputIds, dims },
    attention_mask: { type: 'int64', data: attentionMask.slice(), dims },
  });
  const emb = out.text_embeddings;
  if (emb === undefined || emb.type !== 'float32') throw new Error('text_encoder: no float32 text_embeddings');
  const rowLength = emb.data.length / 2;
  return {
    dims: emb.dims.slice(1), // [L, D]
    cond: emb.data.slice(0, rowLength),
    uncond: emb.data.slice(rowLength),
    condMask: attentionMask.slice(0, dims[1]),
    uncondMask: attentionMask.slice(dims[1]),
  };
}

/**
 * Runs the whole generation: text encoded once, then for each image seeded noise, `steps` guided denoiser calls
 * and the VAE decoder. Conditional and unconditional rows go through the denoiser in one batch.
 */
export async function synthesize(
  model: LoadedModel,
  plan: SynthesisPlan,
  hooks: { onProgress?: (p: SynthesisProgress) => void; signal?: AbortSignal } = {},
): Promise<SynthesisResult> {
  const { manifest } = model;
  const start = now();
  const text = await encodeText(model, plan.prompt);
  const textMs = now() - start;
  const { channels: latentChannels, height: h, width: w } = manifest.latent;
  const latentSize = latentChannels * h * w;
  const { planes, present, channels: k, size } = plan.conditions;
  const hasSpatial = present.some((p) => p > 0);
  const passes = guidancePasses(plan.guidance, plan.spatialGuidance, hasSpatial);
  const b = passes.length;
  const [l, d] = text.dims;
  const textFor = (pass: GuidancePasses) => (pass === 'full' ? text.cond : text.uncond);
  const maskFor = (pass: GuidancePasses) => (pass === 'full' ? text.condMask : text.uncondMask);
  const presentFor = (pass: GuidancePasses) => (pass === 'none' ? new Float32Array(k) : present);
  const scheduler = createScheduler(plan.sampler, { shift: manifest.schedule.shift });
  const images: SynthesizedImage[] = [];
  let denoiseMs = 0;
  let vaeMs = 0;
  // Text and conditions are the same for every step and image: they go to the inference thread once (pinned), and
  // each step sends only the latents and the timestep (otherwise ~4.7 MB per step is copied on the event loop).
  const textBatch = new Float32Array(b * l * d);
  const maskBatch = new BigInt64Array(b * l);
  const presentBatch = new Float32Array(b * k);
  passes.forEach((pass, i) => {
    textBatch.set(textFor(pass), i * l * d);
    maskBatch.set(maskFor(pass), i * l);
    presentBatch.set(presentFor(pass), i * k);
  });
  const constant = model.runtime.pin({
    text_embeddings: float32(textBatch, [b, l, d]),
    attention_mask: { type: 'int64', data: maskBatch, dims: [b, l] },
    condition: float32(repeatRows(planes, b), [b, k, size, size]),
    condition_present: float32(presentBatch, [b, k]),
  });
  try {
    for (let image = 0; image < plan.count; image++) {
      const seed = plan.seed + image;
      let sample = seededNormal(seed, latentSize);
      scheduler.setTimesteps(plan.steps);
      const t0 = now();
      for (let step = 0; step < plan.steps; step++) {
        if (hooks.signal?.aborted) throw new SynthesisCanceledError();
        const out = await model.runtime.run('denoiser', {
          latents: float32(repeatRows(sample, b), [b, latentChannels, h, w]),
          timestep: float32(new Float32Array(b).fill(scheduler.timesteps[step]), [b]),
        }, constant);
        const velocity = out.velocity;
        if (velocity === undefined || velocity.type !== 'float32') throw new Error('denoiser: no float32 velocity');
        sample = scheduler.step(combineGuidance(velocity.data, passes, plan.guidance, plan.spatialGuidance), step, sample);
        hooks.onProgress?.({ image, count: plan.count, step: step + 1, steps: plan.steps });
      }
      const t1 = now();
      denoiseMs += t1 - t0;
      if (hooks.signal?.aborted) throw new SynthesisCanceledError();
      const decoded = await model.runtime.run('vae_decoder', { latents: float32(sample, [1, latentChannels, h, w]) });
      const pixels = decoded.image;
      if (pixels === undefined || pixels.type !== 'float32') throw new Error('vae_decoder: no float32 image');
      vaeMs += now() - t1;
      images.push({ seed, ...toGray16(pixels.data, manifest.resolution, manifest.resolution) });
    }
  } finally {
    model.runtime.unpin(constant);
  }
  const totalMs = now() - start;
  return {
    images,
    executionProvider: model.runtime.executionProvider,
    timings: { textMs, denoiseMs, stepMs: denoiseMs / (plan.count * plan.steps), vaeMs, totalMs },
  };
}
