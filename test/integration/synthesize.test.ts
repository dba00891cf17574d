import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../server/src/config/loadConfig.js';
import { loadModel } from '../../server/src/composition/loadModel.js';
import { buildGenerationRecord, planFromRecord } from '../../server/src/generation/generationRecord.js';
import { planSynthesis } from '../../server/src/synthesis/planSynthesis.js';
import { parseSynthesisRequest, REQUEST_CEILINGS } from '../../server/src/synthesis/synthesisRequest.js';
import { synthesize, SynthesisCanceledError, type LoadedModel, type SynthesisProgress } from '../../server/src/synthesis/synthesize.js';
import { makeTinyModel } from '../helpers/tinyModel.js';

// The pipeline with real onnxruntime graphs (a tiny random-weight model written by the real export code).
describe('synthesize (tiny model, real onnxruntime)', () => {
  let model: LoadedModel;

  beforeAll(async () => {
    const tiny = await makeTinyModel();
    const config = loadConfig({}, { modelsDir: tiny.modelsDir, model: tiny.name, threads: '1' });
    model = await loadModel(config, () => {});
  }, 600_000);
  afterAll(async () => model?.runtime.dispose());

  const request = { text: 'Cardiomegaly.', sex: 'F' as const, seed: 3, steps: 4, count: 2 };

  it('when the same request and seed run twice, then the pixels are bit-identical; seeds differ', async () => {
    const { plan } = planSynthesis(request, model.manifest);
    const a = await synthesize(model, plan);
    const b = await synthesize(model, plan);
    expect(a.images.map((i) => i.seed)).toEqual([3, 4]);
    expect(Buffer.from(a.images[0].pixels.buffer).equals(Buffer.from(b.images[0].pixels.buffer))).toBe(true);
    expect(Buffer.from(a.images[0].pixels.buffer).equals(Buffer.from(a.images[1].pixels.buffer))).toBe(false);
    expect(a.images[0].width).toBe(256);
    expect(a.images[0].pixels.length).toBe(256 * 256);
  });

  it('when progress is observed, then every step of every image reports once, in order', async () => {
    const { plan } = planSynthesis(request, model.manifest);
    const events: SynthesisProgress[] = [];
    await synthesize(model, plan, { onProgress: (p) => events.push(p) });
    expect(events.map((e) => `${e.image}:${e.step}`)).toEqual(['0:1', '0:2', '0:3', '0:4', '1:1', '1:2', '1:3', '1:4']);
  });

  it('when canceled after the second step, then it stops with SynthesisCanceledError', async () => {
    const { plan } = planSynthesis({ ...request, steps: 10 }, model.manifest);
    const controller = new AbortController();
    let last = 0;
    const run = synthesize(model, plan, {
      signal: controller.signal,
      onProgress: (p) => {
        last = p.step;
        if (p.step === 2) controller.abort();
      },
    });
    await expect(run).rejects.toBeInstanceOf(SynthesisCanceledError);
    expect(last).toBe(2);
  });

  it('when boxes, masks and separate guidance scales are given, then they change the image', async () => {
    const base = planSynthesis({ ...request, count: 1 }, model.manifest).plan;
    const withBox = planSynthesis({ ...request, count: 1, boxes: [{ label: 'nodule', x0: 100, y0: 100, x1: 160, y1: 160 }] }, model.manifest).plan;
    const mask = { label: 'heart', width: 4, height: 4, data: new Uint8Array([0, 0, 0, 0, 0, 1, 1, 0, 0, 1, 1, 0, 0, 0, 0, 0]) };
    const split = planSynthesis({ ...request, count: 1, masks: [mask], guidance: 3, spatialGuidance: 1 }, model.manifest).plan;
    const [a, b, c] = await Promise.all([synthesize(model, base), synthesize(model, withBox), synthesize(model, split)]);
    const same = (x: Uint16Array, y: Uint16Array) => Buffer.from(x.buffer).equals(Buffer.from(y.buffer));
    expect(same(a.images[0].pixels, b.images[0].pixels)).toBe(false);
    expect(same(a.images[0].pixels, c.images[0].pixels)).toBe(false);
  });

  it('when guidance is left out, then the model defaults apply; one explicit scale sets both', () => {
    const withSpatial = { ...model.manifest, schedule: { ...model.manifest.schedule, default_guidance: 2, default_spatial_guidance: 4 } };
    expect(planSynthesis(request, withSpatial).plan).toMatchObject({ guidance: 2, spatialGuidance: 4 });
    expect(planSynthesis({ ...request, guidance: 3 }, withSpatial).plan).toMatchObject({ guidance: 3, spatialGuidance: 3 });
    expect(planSynthesis({ ...request, spatialGuidance: 1 }, withSpatial).plan).toMatchObject({ guidance: 2, spatialGuidance: 1 });
    const textOnly = { ...model.manifest, schedule: { ...model.manifest.schedule, default_guidance: 2 } };
    expect(planSynthesis(request, textOnly).plan).toMatchObject({ guidance: 2, spatialGuidance: 2 });
  });

  it('when a request is invalid, then the request schema or, for what only the model knows, planSynthesis names the field', () => {
    expect(() => parseSynthesisRequest({ seed: 1 }, REQUEST_CEILINGS)).toThrow(/text: give at least one of text, masks or boxes/);
    expect(() => parseSynthesisRequest({ ...request, steps: 0 }, REQUEST_CEILINGS)).toThrow(/steps/);
    expect(() => parseSynthesisRequest({ ...request, sampler: 'plms' }, REQUEST_CEILINGS)).toThrow(/sampler/);
    expect(() => planSynthesis({ ...request, sampler: 'plms' }, model.manifest)).toThrow(/sampler: unknown sampler "plms"; supported: dpmpp-2m, euler, ddim/);
    expect(() => planSynthesis({ ...request, boxes: [{ label: 'rib', x0: 1, y0: 1, x1: 9, y1: 9 }] }, model.manifest)).toThrow(/boxes\[0\]\.label: unknown box label "rib"/);
  });
});

describe('reproduce from a generation record (tiny model)', () => {
  it('when a record is turned back into a plan, then the regenerated pixels are identical', async () => {
    const tiny = await makeTinyModel();
    const config = loadConfig({}, { modelsDir: tiny.modelsDir, model: tiny.name, threads: '1' });
    const model = await loadModel(config, () => {});
    try {
      const request = { text: 'Effusion.', seed: 9, steps: 3, count: 2, boxes: [{ label: 'nodule', x0: 10, y0: 20, x1: 60, y1: 90 }] };
      const { plan } = planSynthesis(request, model.manifest);
      const first = await synthesize(model, plan);
      const record = buildGenerationRecord(model.manifest, plan, 1, null);
      const replanned = planFromRecord(JSON.parse(JSON.stringify(record)), model.manifest);
      expect(buildGenerationRecord(model.manifest, replanned, 0, null)).toEqual(record); // record -> plan -> record is the identity
      const again = await synthesize(model, replanned);
      expect(again.images[0].seed).toBe(10);
      expect(Buffer.from(again.images[0].pixels.buffer).equals(Buffer.from(first.images[1].pixels.buffer))).toBe(true);
      expect(() => planFromRecord({ ...record, model: { ...record.model, sha256: '0'.repeat(64) } }, model.manifest)).toThrow(/the record was made by/);
    } finally {
      await model.runtime.dispose();
    }
  }, 600_000);
});
