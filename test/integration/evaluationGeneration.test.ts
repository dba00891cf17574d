import { mkdir, readFile, stat, writeFile } from 'node:fs/promises';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../server/src/config/loadConfig.js';
import { buildEvaluateProgram, QUICK } from '../../server/src/evaluation/evaluateModel.js';
import { evaluationPlanSchema, type PlannedImage } from '../../server/src/evaluation/evaluationPlan.js';
import { generateEvaluationImages, type GeneratedImage } from '../../server/src/evaluation/generateEvaluationImages.js';
import { loadModel } from '../../server/src/composition/loadModel.js';
import type { LoadedModel } from '../../server/src/synthesis/synthesize.js';
import { makeTinyModel } from '../helpers/tinyModel.js';

// The generation step of `npm run model:eval` on the tiny random-weight model: a hand-written plan (the Python plan
// step needs the shared data, which CI does not have), real onnxruntime graphs, 2 steps per image.
describe('model:eval generation (tiny model)', () => {
  let model: LoadedModel;
  let cache: string;

  const plan: PlannedImage[] = [
    {
      id: 'fid-0000', group: 'fid', record: 'r1', split: 'eval', seed: 1000, text: 'Lung nodule.', findings: ['nodule'],
      boxes: [{ label: 'nodule', x0: 150, y0: 40, x1: 175, y1: 66 }], masks: [{ label: 'right_lung', file: 'masks/r1-right_lung.png' }],
      sex: 'F', age: 63, view: 'PA',
    },
    { id: 'box_off-0000', group: 'box_off', record: 'r1', split: 'eval', seed: 1000, text: 'Lung nodule.', findings: ['nodule'], boxes: [], masks: [] },
  ];

  beforeAll(async () => {
    const tiny = await makeTinyModel();
    model = await loadModel(loadConfig({}, { modelsDir: tiny.modelsDir, model: tiny.name, threads: '1' }), () => {});
    cache = await mkdtemp(join(tmpdir(), 'chexgen-eval-'));
    await mkdir(join(cache, 'masks'));
    const mask = new Uint8Array(256 * 256);
    for (let r = 40; r < 200; r++) mask.fill(255, r * 256 + 40, r * 256 + 110);
    await sharp(mask, { raw: { width: 256, height: 256, channels: 1 } }).png().toFile(join(cache, 'masks', 'r1-right_lung.png'));
    await writeFile(join(cache, 'plan.json'), JSON.stringify({ settings: {}, images: plan }));
  }, 600_000);
  afterAll(async () => model?.runtime.dispose());

  it('when the plan is generated twice, then every image is written once with its conditions and the rerun skips them', async () => {
    const parsed = evaluationPlanSchema.parse(JSON.parse(await readFile(join(cache, 'plan.json'), 'utf8')));
    const first = await generateEvaluationImages(model, parsed.images, cache, { steps: 2 });
    expect(first).toMatchObject({ generated: 2, skipped: 0 });
    const list = JSON.parse(await readFile(join(cache, 'generated', 'conditions.json'), 'utf8')) as GeneratedImage[];
    expect(list.map((g) => g.file)).toEqual(['generated/fid-0000.png', 'generated/box_off-0000.png']);
    expect(list[0]).toMatchObject({ prompt: 'sex: female, age: 63, view: PA. Lung nodule.', steps: 2, sampler: 'dpmpp-2m', seed: 1000 });
    const meta = await sharp(join(cache, 'generated', 'fid-0000.png')).metadata();
    expect([meta.width, meta.height, meta.depth]).toEqual([256, 256, 'ushort']);
    const a = await readFile(join(cache, 'generated', 'fid-0000.png'));
    const b = await readFile(join(cache, 'generated', 'box_off-0000.png'));
    expect(a.equals(b)).toBe(false); // same seed, box and mask given vs not
    const mtime = (await stat(join(cache, 'generated', 'fid-0000.png'))).mtimeMs;
    const second = await generateEvaluationImages(model, parsed.images, cache, { steps: 2 });
    expect(second).toMatchObject({ generated: 0, skipped: 2 });
    expect((await stat(join(cache, 'generated', 'fid-0000.png'))).mtimeMs).toBe(mtime);
  });

  it('when an image carries its own guidance scales, then they are used and recorded, and a change regenerates it', async () => {
    const sweep: PlannedImage = {
      id: 'sweep-0000', group: 'sweep', record: 'r1', split: 'train', seed: 40000, text: 'Lung nodule.', findings: ['nodule'],
      boxes: [], masks: [{ label: 'right_lung', file: 'masks/r1-right_lung.png' }], guidance: 4, spatialGuidance: 1.5,
    };
    const dir = await mkdtemp(join(tmpdir(), 'chexgen-sweep-'));
    await mkdir(join(dir, 'masks'));
    await writeFile(join(dir, 'masks', 'r1-right_lung.png'), await readFile(join(cache, 'masks', 'r1-right_lung.png')));
    await generateEvaluationImages(model, [sweep], dir, { steps: 2 });
    const [record] = JSON.parse(await readFile(join(dir, 'generated', 'conditions.json'), 'utf8')) as GeneratedImage[];
    expect(record).toMatchObject({ guidance: 4, spatialGuidance: 1.5 });
    const first = await readFile(join(dir, 'generated', 'sweep-0000.png'));
    const again = await generateEvaluationImages(model, [{ ...sweep, spatialGuidance: 4 }], dir, { steps: 2 });
    expect(again).toMatchObject({ generated: 1, skipped: 0 });
    expect((await readFile(join(dir, 'generated', 'sweep-0000.png'))).equals(first)).toBe(false);
  });

  it('when --help is asked, then the options of the issue are listed', () => {
    const help = buildEvaluateProgram().helpInformation();
    for (const option of ['--model', '--count', '--steps', '--out', '--quick', '--generate-only', '--sweep', '--train-copy-count']) expect(help).toContain(option);
    expect(QUICK.count).toBeLessThan(20);
  });
});
