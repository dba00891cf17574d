import { existsSync } from 'node:fs';
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { SingleBar } from 'cli-progress';
import { readMaskFile } from '../images/readMaskFile.js';
import { writePng16 } from '../images/writePng16.js';
import { planSynthesis } from '../synthesis/planSynthesis.js';
import { synthesize, type LoadedModel, type SynthesisPlan } from '../synthesis/synthesize.js';
import type { PlannedImage } from './evaluationPlan.js';

/** What `<cache>/generated/conditions.json` says about one generated image (the evaluator's input). */
export type GeneratedImage = PlannedImage & {
  file: string; prompt: string; steps: number; sampler: string; guidance: number; spatialGuidance: number; ms: number | null;
};

/** A cached image is reused only when it was made from the same prompt, seed, steps and guidance. */
function sameGeneration(done: GeneratedImage, plan: SynthesisPlan): boolean {
  return done.prompt === plan.prompt && done.steps === plan.steps && done.seed === plan.seed
    && done.guidance === plan.guidance && done.spatialGuidance === plan.spatialGuidance;
}

export type GenerationSummary = { generated: number; skipped: number; seconds: number; msPerImage: number | null };

/**
 * Generates every planned image with the product engine (planSynthesis + synthesize: the shipped sampler, steps and
 * guidance unless `steps` is given) into `<cacheDir>/generated/<id>.png` (16-bit, like `chexgen synthesize`), skipping
 * images already there, and writes `<cacheDir>/generated/conditions.json` after every image so a crash loses nothing.
 */
export async function generateEvaluationImages(
  model: LoadedModel,
  images: PlannedImage[],
  cacheDir: string,
  options: { steps?: number; progress?: boolean; signal?: AbortSignal } = {},
): Promise<GenerationSummary> {
  const outDir = join(cacheDir, 'generated');
  await mkdir(outDir, { recursive: true });
  const listPath = join(outDir, 'conditions.json');
  const previous = new Map<string, GeneratedImage>();
  if (existsSync(listPath)) {
    for (const g of JSON.parse(await readFile(listPath, 'utf8')) as GeneratedImage[]) previous.set(g.id, g);
  }
  const bar = options.progress
    ? new SingleBar({ format: 'generating |{bar}| {value}/{total} images | {eta_formatted} left', stream: process.stderr, hideCursor: true, etaBuffer: 50 })
    : null;
  bar?.start(images.length, 0);
  const records: GeneratedImage[] = [];
  let generated = 0;
  let generatedMs = 0;
  const start = performance.now();
  const save = async () => {
    await writeFile(`${listPath}.tmp`, `${JSON.stringify(records, null, 1)}\n`);
    await rename(`${listPath}.tmp`, listPath);
  };
  for (const [i, image] of images.entries()) {
    if (options.signal?.aborted) break;
    const file = `generated/${image.id}.png`;
    const masks = await Promise.all(image.masks.map((m) => readMaskFile(m.label, join(cacheDir, m.file))));
    const { plan } = planSynthesis({
      text: image.text, sex: image.sex, age: image.age, view: image.view, boxes: image.boxes, masks,
      count: 1, seed: image.seed, steps: options.steps, guidance: image.guidance, spatialGuidance: image.spatialGuidance,
    }, model.manifest);
    const record = {
      ...image, file, prompt: plan.prompt, steps: plan.steps, sampler: plan.sampler, guidance: plan.guidance,
      spatialGuidance: plan.spatialGuidance,
    };
    const done = previous.get(image.id);
    if (existsSync(join(cacheDir, file)) && done !== undefined && sameGeneration(done, plan)) {
      records.push(done);
    } else {
      const t0 = performance.now();
      const result = await synthesize(model, plan, { signal: options.signal });
      const [pixels] = result.images;
      await writePng16(pixels, join(cacheDir, `${file}.tmp.png`));
      await rename(join(cacheDir, `${file}.tmp.png`), join(cacheDir, file));
      const ms = performance.now() - t0;
      generated += 1;
      generatedMs += ms;
      records.push({ ...record, ms: Math.round(ms) });
      await save();
    }
    bar?.update(i + 1);
  }
  await save();
  bar?.stop();
  return {
    generated, skipped: records.length - generated, seconds: (performance.now() - start) / 1000,
    msPerImage: generated > 0 ? generatedMs / generated : null,
  };
}
