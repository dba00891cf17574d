import { createHash } from 'node:crypto';
import { mkdir, mkdtemp, rm, symlink, unlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ChexgenError } from '../errors.js';
import { listModels, loadModelManifest } from './modelManifest.js';

type Json = Record<string, unknown>;

const FILES: Record<string, string> = {
  'tokenizer.json': '{"type": "chexgen-word"}\n',
  'text_encoder.onnx': 'not really onnx: text encoder',
  'denoiser.onnx': 'not really onnx: denoiser',
  'vae_decoder.onnx': 'not really onnx: decoder',
  'vae_encoder.onnx': 'not really onnx: encoder',
};

function graph(file: string): Json {
  return {
    file,
    inputs: [{ name: 'x', dtype: 'float32', shape: ['batch', 4, 32, 32] }],
    outputs: [{ name: 'y', dtype: 'float32', shape: ['batch', 4, 32, 32] }],
  };
}

function validManifest(): Json {
  return {
    format: 'chexgen-model',
    format_version: 1,
    name: 'tiny',
    version: '0.0.1',
    description: 'test model',
    resolution: 256,
    latent: {
      channels: 4,
      height: 32,
      width: 32,
      normalised_in_graphs: true,
      shift: [0, 0, 0, 0],
      scale: [1, 1, 1, 1],
    },
    schedule: {
      type: 'rectified_flow',
      prediction: 'velocity',
      timestep_input: 't in [0,1], 1 = noise',
      train_timestep_sampling: 'logit_normal',
      shift: 3,
      reference_sampler: 'euler',
      default_steps: 28,
      default_guidance: 4.5,
    },
    text: { tokenizer: 'tokenizer.json', max_length: 64, prompt_prefix: '' },
    conditions: {
      channels: [
        { index: 0, kind: 'mask', label: 'lungs' },
        { index: 1, kind: 'box', label: 'nodule' },
      ],
      rasterization: 'pixel centre inside box',
      unconditional: 'zeros with condition_present 0',
    },
    graphs: {
      text_encoder: graph('text_encoder.onnx'),
      denoiser: graph('denoiser.onnx'),
      vae_decoder: graph('vae_decoder.onnx'),
      vae_encoder: graph('vae_encoder.onnx'),
    },
    weights: { storage: 'float32', bytes: 1234 },
    training: { steps: 10 },
    licence: 'CC0-1.0',
    // Hashes are computed here with createHash, independently of the code under test.
    files: Object.entries(FILES).map(([file, content]) => ({
      file,
      sha256: createHash('sha256').update(content).digest('hex'),
      bytes: Buffer.byteLength(content),
    })),
  };
}

let root: string;
let modelDir: string;

async function writeManifest(manifest: Json): Promise<void> {
  await writeFile(join(modelDir, 'model.json'), JSON.stringify(manifest, null, 2));
}

async function loadError(): Promise<ChexgenError> {
  const error: unknown = await loadModelManifest(modelDir).then(
    () => new Error('expected loadModelManifest to fail'),
    (reason: unknown) => reason,
  );
  if (error instanceof ChexgenError) return error;
  throw error;
}

beforeEach(async () => {
  root = await mkdtemp(join(tmpdir(), 'chexgen-manifest-'));
  modelDir = join(root, 'tiny');
  await mkdir(modelDir);
  for (const [file, content] of Object.entries(FILES)) await writeFile(join(modelDir, file), content);
  await writeManifest(validManifest());
});

afterEach(async () => {
  await rm(root, { recursive: true, force: true });
});

describe('loadModelManifest', () => {
  it('when the folder matches its manifest, then the manifest is returned', async () => {
    const manifest = await loadModelManifest(modelDir);
    expect(manifest.name).toBe('tiny');
    expect(manifest.graphs.denoiser.inputs[0]?.shape).toEqual(['batch', 4, 32, 32]);
    expect(manifest.training).toEqual({ steps: 10 });
  });

  it('when model.json is absent, then MODEL_NOT_FOUND', async () => {
    await unlink(join(modelDir, 'model.json'));
    expect((await loadError()).code).toBe('MODEL_NOT_FOUND');
  });

  it('when a file was changed, then the error names files[i].sha256', async () => {
    await writeFile(join(modelDir, 'denoiser.onnx'), 'not really onnx: DENOISER');
    const error = await loadError();
    expect(error.code).toBe('MODEL_INVALID');
    expect(error.field).toBe('files[2].sha256');
    expect(error.message).toMatch(/files\[2\]\.sha256: "denoiser\.onnx" hashes to [0-9a-f]{64}, expected/);
  });

  it('when a file has another size, then the error names files[i].bytes', async () => {
    await writeFile(join(modelDir, 'vae_encoder.onnx'), 'short');
    expect((await loadError()).field).toBe('files[4].bytes');
  });

  it('when a listed file is missing, then the error names files[i].file', async () => {
    await unlink(join(modelDir, 'vae_decoder.onnx'));
    const error = await loadError();
    expect(error.field).toBe('files[3].file');
    expect(error.message).toContain('"vae_decoder.onnx" does not exist');
  });

  it.each(['../x', '/etc/passwd', 'a/../../x', 'a\\b', 'C:/x', './x'])(
    'when a file path is %j, then the error names files[0].file',
    async (bad) => {
      const manifest = validManifest();
      (manifest.files as Json[])[0] = { file: bad, sha256: '0'.repeat(64), bytes: 0 };
      await writeManifest(manifest);
      const error = await loadError();
      expect(error.field).toBe('files[0].file');
      expect(error.message).toContain('must be a relative path inside the model folder');
    },
  );

  it('when a listed file is a symlink leading outside the folder, then it is rejected', async () => {
    await writeFile(join(root, 'outside.onnx'), FILES['denoiser.onnx'] ?? '');
    await unlink(join(modelDir, 'denoiser.onnx'));
    await symlink(join(root, 'outside.onnx'), join(modelDir, 'denoiser.onnx'));
    const error = await loadError();
    expect(error.field).toBe('files[2].file');
    expect(error.message).toContain('resolves outside the model folder');
  });

  it('when a required graph is missing, then the error names graphs.<graph>', async () => {
    const manifest = validManifest();
    delete (manifest.graphs as Json).vae_encoder;
    await writeManifest(manifest);
    const error = await loadError();
    expect(error.field).toBe('graphs.vae_encoder');
    expect(error.message).toContain('graphs.vae_encoder: Required');
  });

  it('when a field has the wrong type, then the error names it and the rule', async () => {
    await writeManifest({ ...validManifest(), resolution: '256' });
    const error = await loadError();
    expect(error.field).toBe('resolution');
    expect(error.message).toContain('resolution: Expected number, received string');
  });

  it('when a tensor dtype is unsupported, then the error names its full path', async () => {
    const manifest = validManifest();
    (manifest.graphs as Record<string, Json>).denoiser = {
      ...graph('denoiser.onnx'),
      inputs: [{ name: 'x', dtype: 'float16', shape: [1] }],
    };
    await writeManifest(manifest);
    const error = await loadError();
    expect(error.field).toBe('graphs.denoiser.inputs[0].dtype');
    expect(error.message).toContain("Expected 'float32' | 'int64', received 'float16'");
  });

  it('when a graph file is not listed in files, then the error names graphs.<graph>.file', async () => {
    const manifest = validManifest();
    (manifest.graphs as Record<string, Json>).denoiser = graph('other.onnx');
    await writeManifest(manifest);
    const error = await loadError();
    expect(error.field).toBe('graphs.denoiser.file');
    expect(error.message).toContain('"other.onnx" must be listed in files');
  });

  it('when a graph names an external data file that is not listed in files, then the error names it', async () => {
    const manifest = validManifest();
    (manifest.graphs as Record<string, Json>).denoiser = { ...graph('denoiser.onnx'), external_data: ['denoiser.onnx.data0'] };
    await writeManifest(manifest);
    const error = await loadError();
    expect(error.field).toBe('graphs.denoiser.external_data[0]');
    expect(error.message).toContain('"denoiser.onnx.data0" must be listed in files');
  });

  it('when the tokenizer is not listed in files, then the error names text.tokenizer', async () => {
    const manifest = validManifest();
    manifest.files = (manifest.files as Json[]).filter((entry) => entry.file !== 'tokenizer.json');
    await writeManifest(manifest);
    expect((await loadError()).field).toBe('text.tokenizer');
  });

  it('when latent.scale has the wrong length, then the error names latent.scale', async () => {
    const manifest = validManifest();
    manifest.latent = { ...(manifest.latent as Json), scale: [1] };
    await writeManifest(manifest);
    expect((await loadError()).field).toBe('latent.scale');
  });

  it('when condition channels are out of order, then the error names the index', async () => {
    const manifest = validManifest();
    (manifest.conditions as Json).channels = [{ index: 1, kind: 'mask', label: 'lungs' }];
    await writeManifest(manifest);
    expect((await loadError()).field).toBe('conditions.channels[0].index');
  });

  it('when the sha256 is not hex, then the error names files[i].sha256 and the rule', async () => {
    const manifest = validManifest();
    (manifest.files as Json[])[1] = { ...(manifest.files as Json[])[1], sha256: 'ABC' };
    await writeManifest(manifest);
    const error = await loadError();
    expect(error.field).toBe('files[1].sha256');
    expect(error.message).toContain('must be 64 lower-case hex characters');
  });
});

describe('listModels', () => {
  it('when some subfolders lack model.json, then only model folders are listed', async () => {
    await mkdir(join(root, 'training'));
    await writeFile(join(root, 'README.md'), 'not a model');
    const models = await listModels(root);
    expect(models.map((model) => [model.dir, model.manifest.name])).toEqual([[modelDir, 'tiny']]);
  });

  it('when one model is broken, then listing fails naming it', async () => {
    await writeFile(join(modelDir, 'denoiser.onnx'), 'tampered');
    await expect(listModels(root)).rejects.toThrow(/tiny\/model\.json: files\[2\]\.bytes/);
  });
});
