import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { InferenceSession, Tensor } from 'onnxruntime-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadModelManifest, type ModelManifest } from '../../server/src/model/modelManifest.js';
import { REQUIRED_GRAPHS, type GraphSpec } from '../../server/src/model/modelManifestSchema.js';
import { WordTokenizer } from '../../server/src/synthesis/WordTokenizer.js';
import { decodeBase64Array, type DecodedArray } from '../helpers/decodeBase64Array.js';
import { readParityFile, type ParityFile } from '../helpers/readParityFile.js';
import { runCommand } from '../helpers/runCommand.js';
import { DEBIAN_PYTHON, inCi, probeTorch } from '../helpers/testEnvironment.js';

const PYTHON = DEBIAN_PYTHON;
const TRAINING_DIR = fileURLToPath(new URL('../../models/training/', import.meta.url));
const PARITY_TIMEOUT_MS = 10 * 60_000;


const torch = probeTorch();
const skip = !torch.ok && !inCi;
const suiteTitle = skip
  ? `ONNX parity skipped: ${PYTHON} cannot import torch (${torch.reason}); set CI=true to make this a failure`
  : 'ONNX parity: PyTorch (chexgen_train.parity) vs onnxruntime-node';
// The default reporter hides the titles of skipped suites, so say why out loud.
if (skip) console.warn(suiteTitle);

function maxAbsError(actual: Float32Array, expected: Float32Array): number {
  let max = 0;
  for (let i = 0; i < expected.length; i++) {
    const diff = Math.abs(actual[i] - expected[i]); // lengths are equal: dims were compared first
    if (!(diff <= max)) max = Number.isNaN(diff) ? Number.POSITIVE_INFINITY : diff; // NaN never passes
  }
  return max;
}

function toTensor(array: DecodedArray): Tensor {
  return array.dtype === 'float32'
    ? new Tensor('float32', array.data, array.dims)
    : new Tensor('int64', array.data, array.dims);
}

type SpecShape = GraphSpec['inputs'][number]['shape'];

// Numeric dims in model.json must equal the real ones; a named axis ("batch") must take one value per graph.
function expectDimsFitSpec(where: string, dims: readonly number[], shape: SpecShape, axes: Map<string, number>): void {
  expect(dims.length, `${where}: rank`).toBe(shape.length);
  shape.forEach((dim, i) => {
    if (typeof dim === 'number') expect(dims[i], `${where}: dim ${i}`).toBe(dim);
    else {
      const bound = axes.get(dim);
      if (bound === undefined) axes.set(dim, dims[i] ?? -1);
      else expect(dims[i], `${where}: axis "${dim}"`).toBe(bound);
    }
  });
}

async function checkGraph(name: string, manifest: ModelManifest, modelDir: string, parity: ParityFile): Promise<void> {
  const spec = manifest.graphs[name];
  const expected = parity.graphs[name];
  if (spec === undefined) throw new Error(`model.json has no graph "${name}"`);
  if (expected === undefined) throw new Error(`parity.json has no case for graph "${name}"`);

  const session = await InferenceSession.create(join(modelDir, spec.file), { executionProviders: ['cpu'] });
  try {
    // The manifest must describe the graph that was actually exported, names and dtypes included.
    expect([...session.inputNames].sort(), `${name}: inputs`).toEqual(spec.inputs.map((s) => s.name).sort());
    expect([...session.outputNames].sort(), `${name}: outputs`).toEqual(spec.outputs.map((s) => s.name).sort());
    for (const meta of [...session.inputMetadata, ...session.outputMetadata]) {
      const declared = [...spec.inputs, ...spec.outputs].find((s) => s.name === meta.name);
      expect(meta.isTensor && meta.type, `${name}.${meta.name}: dtype`).toBe(declared?.dtype);
    }

    const axes = new Map<string, number>();
    const feeds: Record<string, Tensor> = {};
    for (const input of spec.inputs) {
      const encoded = expected.inputs[input.name];
      if (encoded === undefined) throw new Error(`parity.json: graphs.${name}.inputs has no "${input.name}"`);
      const array = decodeBase64Array(encoded);
      expect(array.dtype, `${name}.${input.name}: dtype`).toBe(input.dtype);
      expectDimsFitSpec(`${name}.${input.name}`, array.dims, input.shape, axes);
      feeds[input.name] = toTensor(array);
    }
    const results = await session.run(feeds);

    // Every output is compared, so a forgotten one cannot hide a mismatch.
    expect(Object.keys(expected.outputs).sort(), `parity.json: graphs.${name}.outputs`).toEqual(
      [...session.outputNames].sort(),
    );

    for (const [outputName, encoded] of Object.entries(expected.outputs)) {
      const torchOut = decodeBase64Array(encoded);
      const ortOut = results[outputName];
      const outSpec = spec.outputs.find((s) => s.name === outputName);
      if (ortOut === undefined || outSpec === undefined) throw new Error(`${name}: no output "${outputName}"`);
      expect(ortOut.dims, `${name}.${outputName}: dims`).toEqual(torchOut.dims);
      expectDimsFitSpec(`${name}.${outputName}`, ortOut.dims, outSpec.shape, axes);
      if (!(ortOut.data instanceof Float32Array) || torchOut.dtype !== 'float32') {
        const got = `${ortOut.type} (ort) / ${torchOut.dtype} (torch)`;
        throw new Error(`${name}.${outputName}: expected float32 from both sides, got ${got}`);
      }
      const error = maxAbsError(ortOut.data, torchOut.data);
      const report = `max |ort - torch| = ${error.toExponential(3)} (tolerance ${expected.tolerance})`;
      console.info(`${name}.${outputName}: ${report}`);
      expect(error, `${name}.${outputName}: max abs error`).toBeLessThanOrEqual(expected.tolerance);
    }
  } finally {
    await session.release();
  }
}

describe.skipIf(skip)(suiteTitle, () => {
  let outDir = '';
  let modelDir = '';
  let parity: ParityFile;
  let manifest: ModelManifest;

  beforeAll(async () => {
    if (!torch.ok) throw new Error(`CI is set but ${PYTHON} cannot import torch: ${torch.reason}`);
    outDir = await mkdtemp(join(tmpdir(), 'chexgen-parity-'));
    modelDir = join(outDir, 'model');
    const result = await runCommand(PYTHON, ['-m', 'chexgen_train.parity', '--out', outDir], {
      cwd: TRAINING_DIR,
      timeoutMs: PARITY_TIMEOUT_MS,
    });
    if (result.code !== 0) {
      const tail = `${result.stdout}\n${result.stderr}`.trim().split('\n').slice(-40).join('\n');
      const ending = result.signal ? `killed by ${result.signal} (timed out?)` : `exit ${result.code}`;
      throw new Error(`${PYTHON} -m chexgen_train.parity --out ${outDir} (cwd models/training): ${ending}\n${tail}`);
    }
    parity = await readParityFile(join(outDir, 'parity.json'));
    manifest = await loadModelManifest(modelDir);
  }, PARITY_TIMEOUT_MS + 60_000);

  afterAll(async () => {
    if (outDir !== '') await rm(outDir, { recursive: true, force: true });
  });

  it('when the Python side exports a model, then model.json passes loadModelManifest', () => {
    expect(manifest.format).toBe('chexgen-model');
  });

  it.each(REQUIRED_GRAPHS)('when running %s in onnxruntime-node, then it matches PyTorch', async (name) => {
    await checkGraph(name, manifest, modelDir, parity);
  });

  it('when parity.json has graphs beyond the required four, then they are declared and match too', async () => {
    const required: readonly string[] = REQUIRED_GRAPHS;
    for (const name of Object.keys(parity.graphs).filter((graph) => !required.includes(graph))) {
      await checkGraph(name, manifest, modelDir, parity);
    }
  });

  it('when encoding the Python tokenizer cases, then WordTokenizer gives the same ids and mask', async () => {
    const tokenizerPath = join(modelDir, manifest.text.tokenizer);
    const tokenizer = WordTokenizer.fromJson(await readFile(tokenizerPath, 'utf8'), tokenizerPath);
    expect(tokenizer.maxLength, 'tokenizer max_length vs model.json text.max_length').toBe(manifest.text.max_length);
    expect(parity.tokenizer_cases.length).toBeGreaterThan(0);
    for (const testCase of parity.tokenizer_cases) {
      const encoded = tokenizer.encode(testCase.text);
      const text = JSON.stringify(testCase.text);
      expect(Array.from(encoded.inputIds, Number), `ids of ${text}`).toEqual(testCase.input_ids);
      expect(Array.from(encoded.attentionMask, Number), `mask of ${text}`).toEqual(testCase.attention_mask);
    }
  });
});
