import { EventEmitter } from 'node:events';
import { existsSync } from 'node:fs';
import { copyFile, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Worker } from 'node:worker_threads';
import { InferenceSession, Tensor } from 'onnxruntime-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mulberry32 } from '../../server/src/cohorts/random.js';
import { ChexgenError } from '../../server/src/errors.js';
import { loadModelManifest, type ModelManifest } from '../../server/src/model/modelManifest.js';
import { REQUIRED_GRAPHS, type GraphSpec } from '../../server/src/model/modelManifestSchema.js';
import { connectWorkerRuntime, createWorkerRuntime } from '../../server/src/runtime/createWorkerRuntime.js';
import type {
  GraphName,
  InferenceRuntime,
  RuntimeLog,
  RuntimeOptions,
  TensorData,
} from '../../server/src/runtime/InferenceRuntime.js';
import { spawnInferenceWorker } from '../../server/src/runtime/spawnInferenceWorker.js';
import type { WorkerRequest } from '../../server/src/runtime/workerProtocol.js';
import { runCommand } from '../helpers/runCommand.js';
import { DEBIAN_PYTHON, inCi, probeTorch } from '../helpers/testEnvironment.js';

const PYTHON = DEBIAN_PYTHON;
const TRAINING_DIR = fileURLToPath(new URL('../../models/training/', import.meta.url));
const REPO_DIR = fileURLToPath(new URL('../../', import.meta.url));
const REAL_MODEL_DIR = fileURLToPath(new URL('../../models/cxr256-gpu-v1/', import.meta.url));
const PARITY_TIMEOUT_MS = 10 * 60_000;


const torch = probeTorch();
const skip = !torch.ok && !inCi;
const suiteTitle = skip
  ? `Inference runtime skipped: ${PYTHON} cannot import torch (${torch.reason}); set CI=true to make this a failure`
  : 'Inference runtime: worker-thread onnxruntime sessions (tiny model from chexgen_train.parity)';
if (skip) console.warn(suiteTitle);

type LogLine = { level: 'info' | 'warn'; message: string; fields: Record<string, unknown> | undefined };

function recorder(): { log: RuntimeLog; lines: LogLine[] } {
  const lines: LogLine[] = [];
  return { lines, log: (level, message, fields) => lines.push({ level, message, fields }) };
}

/** Deterministic pseudo-random numbers in [0, 1), so every feed is reproducible from its seed. */
const random = mulberry32;

function dimsOf(shape: GraphSpec['inputs'][number]['shape'], batch: number): number[] {
  return shape.map((dim) => {
    if (typeof dim === 'number') return dim;
    if (dim === 'batch') return batch;
    throw new Error(`test feeds know the "batch" axis only, not "${dim}"`);
  });
}

/** Valid feeds for `graph` from its model.json signature: small token ids, prefix masks, values in [-1, 1). */
function makeFeeds(manifest: ModelManifest, graph: GraphName, batch: number, seed: number): Record<string, TensorData> {
  const next = random(seed);
  const feeds: Record<string, TensorData> = {};
  for (const spec of manifest.graphs[graph].inputs) {
    const dims = dimsOf(spec.shape, batch);
    const count = dims.reduce((a, b) => a * b, 1);
    if (spec.dtype === 'int64') {
      const data = new BigInt64Array(count);
      const row = dims[dims.length - 1] ?? 1;
      for (let i = 0; i < count; i++) {
        // attention_mask: a prefix of ones per row; ids: 1..4, inside any tokenizer's vocabulary.
        const position = i % row;
        const value = spec.name.includes('mask') ? Number(position < 5 + (Math.floor(i / row) % 3)) : 1 + (i % 4);
        data[i] = BigInt(value);
      }
      feeds[spec.name] = { type: 'int64', data, dims };
    } else {
      const data = new Float32Array(count);
      const isTimestep = spec.name === manifest.schedule.timestep_input;
      for (let i = 0; i < count; i++) data[i] = isTimestep ? next() : next() * 2 - 1;
      feeds[spec.name] = { type: 'float32', data, dims };
    }
  }
  return feeds;
}

function copyFeeds(feeds: Record<string, TensorData>): Record<string, TensorData> {
  return Object.fromEntries(
    Object.entries(feeds).map(([name, t]): [string, TensorData] =>
      t.type === 'float32'
        ? [name, { type: 'float32', data: t.data.slice(), dims: [...t.dims] }]
        : [name, { type: 'int64', data: t.data.slice(), dims: [...t.dims] }],
    ),
  );
}

function bytesOf(tensor: { data: ArrayBufferView }): Buffer {
  return Buffer.from(tensor.data.buffer, tensor.data.byteOffset, tensor.data.byteLength);
}

/** Session options the runtime uses for `intraOpThreads: 1, allowSpinning: false`, for in-thread references. */
const DIRECT_OPTIONS: InferenceSession.SessionOptions = {
  executionProviders: ['cpu'],
  intraOpNumThreads: 1,
  interOpNumThreads: 1,
  graphOptimizationLevel: 'all',
  extra: { session: { intra_op: { allow_spinning: '0' } } },
};

async function runDirect(
  session: InferenceSession,
  feeds: Record<string, TensorData>,
): Promise<InferenceSession.ReturnType> {
  const ortFeeds: Record<string, Tensor> = {};
  for (const [name, t] of Object.entries(feeds)) {
    ortFeeds[name] = t.type === 'float32' ? new Tensor('float32', t.data, t.dims) : new Tensor('int64', t.data, t.dims);
  }
  return session.run(ortFeeds);
}

function expectSameAsDirect(
  graph: GraphName,
  actual: Record<string, TensorData>,
  expected: InferenceSession.ReturnType,
): void {
  expect(Object.keys(actual).sort(), `${graph}: output names`).toEqual(Object.keys(expected).sort());
  for (const [name, reference] of Object.entries(expected)) {
    const output = actual[name];
    if (output === undefined) throw new Error(`${graph}: no output "${name}"`);
    expect(output.type, `${graph}.${name}: type`).toBe(reference.type);
    expect(output.dims, `${graph}.${name}: dims`).toEqual([...reference.dims]);
    const same = bytesOf(output).equals(bytesOf(reference as { data: ArrayBufferView }));
    expect(same, `${graph}.${name}: bit-identical to an in-thread session`).toBe(true);
  }
}

/** Largest gap between ticks of a 5 ms interval while `work` runs, minus the 5 ms (the event-loop lag). */
async function maxLagDuring<T>(work: () => Promise<T>): Promise<{ lagMs: number; workMs: number; result: T }> {
  const period = 5;
  let last = performance.now();
  let lagMs = 0;
  const timer = setInterval(() => {
    const now = performance.now();
    lagMs = Math.max(lagMs, now - last - period);
    last = now;
  }, period);
  const started = performance.now();
  try {
    const result = await work();
    const workMs = performance.now() - started;
    // One more tick so a block at the very end of the work is counted too.
    await new Promise((resolve) => setTimeout(resolve, period * 2));
    return { lagMs, workMs, result };
  } finally {
    clearInterval(timer);
  }
}

/** Compiles the runtime to JavaScript the way `npm run build` does (tsconfig.json: rootDir ".", NodeNext). */
async function compileRuntime(outDir: string): Promise<void> {
  const tsc = join(REPO_DIR, 'node_modules', 'typescript', 'bin', 'tsc');
  const sources = ['server/src/runtime/createWorkerRuntime.ts', 'server/src/runtime/inferenceWorker.ts'];
  const flags = ['--module', 'NodeNext', '--moduleResolution', 'NodeNext', '--target', 'ES2022', '--strict'];
  const args = [tsc, ...flags, '--skipLibCheck', '--types', 'node', '--rootDir', REPO_DIR, '--outDir', outDir];
  const result = await runCommand(process.execPath, [...args, ...sources.map((s) => join(REPO_DIR, s))], {
    cwd: REPO_DIR,
    timeoutMs: 120_000,
  });
  if (result.code !== 0) throw new Error(`tsc failed (${result.code}):\n${result.stdout}\n${result.stderr}`);
  // Resolve onnxruntime-node and zod from the repository, as dist/ does.
  await symlink(join(REPO_DIR, 'node_modules'), join(outDir, 'node_modules'), 'dir');
}

// A script that runs the compiled runtime in a plain node process. argv: modelDir, "dispose" | "forget".
const COMPILED_SCRIPT = `
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { createWorkerRuntime } from './server/src/runtime/createWorkerRuntime.js';
const [modelDir, mode] = process.argv.slice(2);
const manifest = JSON.parse(await readFile(join(modelDir, 'model.json'), 'utf8'));
const runtime = await createWorkerRuntime(
  { modelDir, manifest, executionProviders: ['cpu'], intraOpThreads: 1, allowSpinning: false },
  () => undefined,
);
const outputs = await runtime.run('vae_decoder', {
  latents: { type: 'float32', data: new Float32Array(4 * 32 * 32), dims: [1, 4, 32, 32] },
});
console.log(JSON.stringify({ executionProvider: runtime.executionProvider, dims: outputs.image.dims }));
if (mode === 'dispose') await runtime.dispose();
`;

describe.skipIf(skip)(suiteTitle, () => {
  let outDir = '';
  let modelDir = '';
  let manifest: ModelManifest;
  let options: RuntimeOptions;
  let runtime: InferenceRuntime;
  let runtimeLog: LogLine[];
  const direct = new Map<GraphName, InferenceSession>();

  beforeAll(async () => {
    if (!torch.ok) throw new Error(`CI is set but ${PYTHON} cannot import torch: ${torch.reason}`);
    outDir = await mkdtemp(join(tmpdir(), 'chexgen-runtime-'));
    modelDir = join(outDir, 'model');
    const result = await runCommand(PYTHON, ['-m', 'chexgen_train.parity', '--out', outDir], {
      cwd: TRAINING_DIR,
      timeoutMs: PARITY_TIMEOUT_MS,
    });
    if (result.code !== 0) {
      const tail = `${result.stdout}\n${result.stderr}`.trim().split('\n').slice(-40).join('\n');
      throw new Error(`${PYTHON} -m chexgen_train.parity --out ${outDir}: exit ${result.code}\n${tail}`);
    }
    manifest = await loadModelManifest(modelDir);
    options = { modelDir, manifest, executionProviders: ['cpu'], intraOpThreads: 1, allowSpinning: false };
    const { log, lines } = recorder();
    runtimeLog = lines;
    runtime = await createWorkerRuntime(options, log);
    for (const graph of REQUIRED_GRAPHS) {
      direct.set(graph, await InferenceSession.create(join(modelDir, manifest.graphs[graph].file), DIRECT_OPTIONS));
    }
  }, PARITY_TIMEOUT_MS + 60_000);

  afterAll(async () => {
    await runtime?.dispose();
    await Promise.allSettled([...direct.values()].map((session) => session.release()));
    if (outDir !== '') await rm(outDir, { recursive: true, force: true });
  });

  function directSession(graph: GraphName): InferenceSession {
    const session = direct.get(graph);
    if (session === undefined) throw new Error(`no direct session for ${graph}`);
    return session;
  }

  it('when created with [cpu], then it logs one info line naming cpu and reports cpu', () => {
    expect(runtime.executionProvider).toBe('cpu');
    expect(runtimeLog.map((line) => line.level)).toEqual(['info']);
    expect(runtimeLog[0]?.message).toMatch(/run on cpu/);
  });

  it.each(REQUIRED_GRAPHS)('when running %s with batch 3, then every output has the declared dims', async (graph) => {
    const outputs = await runtime.run(graph, makeFeeds(manifest, graph, 3, 1));
    const specs = manifest.graphs[graph].outputs;
    expect(Object.keys(outputs).sort()).toEqual(specs.map((spec) => spec.name).sort());
    for (const spec of specs) {
      const output = outputs[spec.name];
      expect(output?.dims, `${graph}.${spec.name}`).toEqual(dimsOf(spec.shape, 3));
      expect(output?.type).toBe(spec.dtype);
      expect(output?.data.length).toBe(dimsOf(spec.shape, 3).reduce((a, b) => a * b, 1));
    }
  });

  it.each(REQUIRED_GRAPHS)('when running %s, then outputs are bit-identical to an in-thread session', async (graph) => {
    const feeds = makeFeeds(manifest, graph, 2, 7);
    const expected = await runDirect(directSession(graph), copyFeeds(feeds));
    expectSameAsDirect(graph, await runtime.run(graph, feeds), expected);
  });

  it('when a run is sent, then its input buffers are transferred, not copied', async () => {
    const feeds = makeFeeds(manifest, 'vae_decoder', 1, 3);
    const latents = feeds.latents;
    const promise = runtime.run('vae_decoder', feeds);
    expect(latents?.data.buffer.byteLength, 'detached after the call').toBe(0);
    await promise;
  });

  it('when a feed is a view into a larger buffer, then only the view is sent and the buffer stays usable', async () => {
    const feeds = makeFeeds(manifest, 'vae_decoder', 1, 4);
    const latents = feeds.latents;
    if (latents?.type !== 'float32') throw new Error('latents must be float32');
    const big = new Float32Array(latents.data.length + 16);
    big.set(latents.data, 16);
    const expected = await runDirect(directSession('vae_decoder'), copyFeeds(feeds));
    const outputs = await runtime.run('vae_decoder', { latents: { ...latents, data: big.subarray(16) } });
    expectSameAsDirect('vae_decoder', outputs, expected);
    expect(big.length).toBe(latents.data.length + 16);
  });

  it('when many runs of different graphs are in flight, then each resolves with its own result', async () => {
    const calls = [
      ...[11, 12, 13].map((seed) => ({ graph: 'denoiser' as const, seed })),
      ...[21, 22].map((seed) => ({ graph: 'text_encoder' as const, seed })),
      ...[31, 32].map((seed) => ({ graph: 'vae_decoder' as const, seed })),
      { graph: 'vae_encoder' as const, seed: 41 },
    ];
    const feeds = calls.map(({ graph, seed }) => makeFeeds(manifest, graph, 1 + (seed % 3), seed));
    const expected: InferenceSession.ReturnType[] = [];
    for (const [i, { graph }] of calls.entries()) {
      expected.push(await runDirect(directSession(graph), copyFeeds(feeds[i] ?? {})));
    }
    const results = await Promise.all(calls.map(({ graph }, i) => runtime.run(graph, feeds[i] ?? {})));
    results.forEach((outputs, i) => {
      const call = calls[i];
      const reference = expected[i];
      if (call === undefined || reference === undefined) throw new Error('lengths differ');
      expectSameAsDirect(call.graph, outputs, reference);
    });
  });

  it('when some feeds are pinned, then runs with the rest give the same result as runs with all feeds; unpinned is an error', async () => {
    const feeds = makeFeeds(manifest, 'denoiser', 2, 51);
    const reference = await runDirect(directSession('denoiser'), copyFeeds(feeds));
    const { latents, timestep, ...constant } = copyFeeds(feeds);
    if (latents === undefined || timestep === undefined) throw new Error('denoiser feeds lack latents or timestep');
    const handle = runtime.pin(constant);
    for (let i = 0; i < 2; i++) {
      const outputs = await runtime.run('denoiser', copyFeeds({ latents, timestep }), handle);
      expectSameAsDirect('denoiser', outputs, reference);
    }
    runtime.unpin(handle);
    await expect(runtime.run('denoiser', copyFeeds({ latents, timestep }), handle)).rejects.toThrow(/denoiser: pinned feeds \d+ are gone/);
  });

  it('when a run fails inside the worker, then it rejects naming the graph and the runtime keeps working', async () => {
    const feeds = makeFeeds(manifest, 'denoiser', 1, 5);
    delete feeds.latents;
    await expect(runtime.run('denoiser', feeds)).rejects.toThrow(/denoiser.*latents/);
    const wrongShape = makeFeeds(manifest, 'vae_decoder', 1, 5);
    wrongShape.latents = { type: 'float32', data: new Float32Array(10), dims: [1, 10] };
    await expect(runtime.run('vae_decoder', wrongShape)).rejects.toThrow(/^inference: vae_decoder: /);
    const outputs = await runtime.run('vae_decoder', makeFeeds(manifest, 'vae_decoder', 1, 5));
    expect(outputs.image?.dims).toEqual([1, 1, manifest.resolution, manifest.resolution]);
  });

  it('when dims do not match the data (a buffer reused after a run), then run rejects before sending', async () => {
    const feeds = makeFeeds(manifest, 'vae_decoder', 1, 6);
    await runtime.run('vae_decoder', feeds);
    await expect(runtime.run('vae_decoder', feeds)).rejects.toThrow(/vae_decoder.*"latents".*transferred/);
  });

  it('when a denoiser run takes a while, then the event loop stays responsive', async () => {
    // Batch 32 takes a few hundred ms on this CPU, long enough to make the measurement mean something. The first
    // call with a new batch size plans its memory, so one warm-up call first.
    const batch = 32;
    await runtime.run('denoiser', makeFeeds(manifest, 'denoiser', batch, 8));
    await runDirect(directSession('denoiser'), makeFeeds(manifest, 'denoiser', batch, 8));
    // Feeds are built before measuring: filling them is main-thread work of its own.
    const feeds = makeFeeds(manifest, 'denoiser', batch, 9);
    const sameFeeds = copyFeeds(feeds);
    const inWorker = await maxLagDuring(() => runtime.run('denoiser', feeds));
    const inThread = await maxLagDuring(() => runDirect(directSession('denoiser'), sameFeeds));
    console.info(
      `denoiser batch ${batch}: worker call ${inWorker.workMs.toFixed(0)} ms, max event-loop lag ` +
        `${inWorker.lagMs.toFixed(1)} ms; same call in-thread ${inThread.workMs.toFixed(0)} ms, lag ` +
        `${inThread.lagMs.toFixed(1)} ms`,
    );
    expect(inWorker.workMs, 'the call must be long enough to block a thread noticeably').toBeGreaterThan(100);
    // Relative, not absolute: on a loaded 2-core machine any thread can be descheduled for 100 ms, but a call on the
    // event loop blocks it for the whole call, while one in the worker must not.
    expect(inThread.lagMs, 'in-thread, the call blocks the loop').toBeGreaterThan(0.8 * inThread.workMs);
    expect(inWorker.lagMs).toBeLessThan(0.5 * inThread.lagMs);
  });

  it('when asked for [cuda, cpu] without CUDA libraries, then it warns about cuda and runs on cpu', async () => {
    const { log, lines } = recorder();
    const fallback = await createWorkerRuntime({ ...options, executionProviders: ['cuda', 'cpu'] }, log);
    try {
      expect(fallback.executionProvider).toBe('cpu');
      expect(lines.map((line) => line.level)).toEqual(['warn', 'info']);
      expect(lines[0]?.message).toMatch(/execution provider cuda failed, falling back to cpu: .+/);
      expect(lines[0]?.fields).toMatchObject({ executionProvider: 'cuda', fallback: 'cpu' });
      expect(lines[1]?.message).toMatch(/run on cpu/);
      const outputs = await fallback.run('text_encoder', makeFeeds(manifest, 'text_encoder', 1, 10));
      expect(Object.keys(outputs)).toEqual(manifest.graphs.text_encoder.outputs.map((spec) => spec.name));
    } finally {
      await fallback.dispose();
    }
  });

  it('when asked for [cuda] only, then cpu still ends the list', async () => {
    const { log, lines } = recorder();
    const fallback = await createWorkerRuntime({ ...options, executionProviders: ['cuda'] }, log);
    await fallback.dispose();
    expect(fallback.executionProvider).toBe('cpu');
    expect(lines.map((line) => line.level)).toEqual(['warn', 'info']);
  });

  it('when a graph file is not a valid ONNX model, then creation rejects naming the graph and the EP', async () => {
    const broken = await mkdtemp(join(tmpdir(), 'chexgen-runtime-broken-'));
    try {
      for (const graph of REQUIRED_GRAPHS) {
        const file = manifest.graphs[graph].file;
        await copyFile(join(modelDir, file), join(broken, file));
      }
      await writeFile(join(broken, manifest.graphs.denoiser.file), 'not an onnx model');
      const { log } = recorder();
      await expect(createWorkerRuntime({ ...options, modelDir: broken }, log)).rejects.toThrow(
        /no execution provider could open the model \(cpu: denoiser \(.*denoiser\.onnx\): /,
      );
    } finally {
      await rm(broken, { recursive: true, force: true });
    }
  });

  it('when model.json names an input the graph does not have, then creation rejects with MODEL_INVALID', async () => {
    const edited = structuredClone(manifest);
    const first = edited.graphs.vae_decoder.inputs[0];
    if (first === undefined) throw new Error('vae_decoder has no inputs');
    first.name = 'renamed';
    const { log } = recorder();
    const error: unknown = await createWorkerRuntime({ ...options, manifest: edited }, log).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ChexgenError);
    expect(error).toMatchObject({ code: 'MODEL_INVALID', field: 'graphs.vae_decoder.inputs' });
  });

  it('when the worker thread dies, then later runs reject with a clear error', async () => {
    // Killed while idle: terminating a worker in the middle of a native session.run lets onnxruntime-node call back
    // into a torn-down thread and abort the whole process (seen in CI), so the mid-run case is tested with a fake
    // worker below; production never terminates a worker with runs in flight (dispose waits for them).
    const worker = spawnInferenceWorker();
    const doomed = await connectWorkerRuntime(worker, options, recorder().log);
    await doomed.run('text_encoder', makeFeeds(manifest, 'text_encoder', 1, 12));
    await worker.terminate();
    await expect(doomed.run('text_encoder', makeFeeds(manifest, 'text_encoder', 1, 12))).rejects.toThrow(
      /cannot run text_encoder: the inference worker exited/,
    );
    await doomed.dispose(); // still resolves
  });

  it('when the worker exits with runs pending, then each pending run rejects naming its graph', async () => {
    // A stand-in for the worker thread that opens "sessions" and never answers a run, then exits.
    const fake = new EventEmitter() as EventEmitter & { postMessage(m: WorkerRequest): void; terminate(): Promise<number>; ref(): void; unref(): void };
    fake.postMessage = (message) => {
      if (message.type !== 'init') return;
      const graphs = Object.fromEntries(REQUIRED_GRAPHS.map((name) => [name, {
        inputNames: manifest.graphs[name].inputs.map((i) => i.name), outputNames: manifest.graphs[name].outputs.map((o) => o.name),
      }]));
      queueMicrotask(() => fake.emit('message', { type: 'ready', executionProvider: 'cpu', failures: [], graphs }));
    };
    fake.terminate = async () => 0;
    fake.ref = () => undefined;
    fake.unref = () => undefined;
    const doomed = await connectWorkerRuntime(fake as unknown as Worker, options, recorder().log);
    const pending = [doomed.run('denoiser', makeFeeds(manifest, 'denoiser', 1, 12)), doomed.run('vae_decoder', makeFeeds(manifest, 'vae_decoder', 1, 12))];
    fake.emit('exit', 1);
    await expect(pending[0]).rejects.toThrow(/inference: denoiser did not complete: the inference worker exited \(code 1\)/);
    await expect(pending[1]).rejects.toThrow(/inference: vae_decoder did not complete/);
    await doomed.dispose();
  });

  it('when compiled to JavaScript (dist/), then the worker entry next to it starts without tsx', async () => {
    const compiled = await mkdtemp(join(tmpdir(), 'chexgen-runtime-dist-'));
    try {
      await compileRuntime(compiled);
      expect(existsSync(join(compiled, 'server/src/runtime/inferenceWorker.js'))).toBe(true);
      await writeFile(join(compiled, 'check.mjs'), COMPILED_SCRIPT);
      // "forget" never disposes: the idle worker must not keep the process alive (runCommand kills it at 60 s).
      for (const mode of ['dispose', 'forget']) {
        const result = await runCommand(process.execPath, ['check.mjs', modelDir, mode], {
          cwd: compiled,
          timeoutMs: 60_000,
        });
        expect(result.signal, `${mode}: ended by itself\n${result.stderr}`).toBeNull();
        expect(result.code, `${mode}: exit code\n${result.stderr}`).toBe(0);
        expect(JSON.parse(result.stdout)).toEqual({ executionProvider: 'cpu', dims: [1, 1, 256, 256] });
      }
    } finally {
      await rm(compiled, { recursive: true, force: true });
    }
  }, 180_000);

  it('when disposed while a run is in flight, then that run completes and dispose is idempotent', async () => {
    const short = await createWorkerRuntime(options, recorder().log);
    const feeds = makeFeeds(manifest, 'vae_decoder', 2, 13);
    const expected = await runDirect(directSession('vae_decoder'), copyFeeds(feeds));
    const inFlight = short.run('vae_decoder', feeds);
    const first = short.dispose();
    const second = short.dispose();
    expect(second).toBe(first);
    expectSameAsDirect('vae_decoder', await inFlight, expected);
    await first;
    await short.dispose();
    await expect(short.run('vae_decoder', makeFeeds(manifest, 'vae_decoder', 1, 13))).rejects.toThrow(
      /cannot run vae_decoder: the runtime is disposed/,
    );
  });
});

// Timing only (printed, not asserted): one denoiser call, batch 2 (classifier-free guidance), on the released model.
const realModelPresent = existsSync(join(REAL_MODEL_DIR, 'model.json'));

describe.skipIf(!realModelPresent)('Inference runtime timing on models/cxr256-gpu-v1', () => {
  it('when the denoiser runs with batch 2 on 2 threads, then print the time with spinning on and off', async () => {
    const manifest = await loadModelManifest(REAL_MODEL_DIR);
    const lines: string[] = [];
    for (const allowSpinning of [true, false]) {
      const runtime = await createWorkerRuntime(
        { modelDir: REAL_MODEL_DIR, manifest, executionProviders: ['cpu'], intraOpThreads: 2, allowSpinning },
        () => undefined,
      );
      try {
        await runtime.run('denoiser', makeFeeds(manifest, 'denoiser', 2, 1)); // warm-up
        const times: number[] = [];
        for (let i = 0; i < 7; i++) {
          const feeds = makeFeeds(manifest, 'denoiser', 2, 100 + i);
          const started = performance.now();
          await runtime.run('denoiser', feeds);
          times.push(performance.now() - started);
        }
        times.sort((a, b) => a - b);
        const ms = (index: number): string => `${(times[index] ?? Number.NaN).toFixed(1)} ms`;
        const spinning = allowSpinning ? 'on ' : 'off';
        lines.push(`spinning ${spinning}: median ${ms(3)}, min ${ms(0)}, max ${ms(times.length - 1)}`);
      } finally {
        await runtime.dispose();
      }
    }
    console.info(`cxr256-gpu-v1 denoiser, batch 2, 2 intra-op threads, 7 calls after a warm-up:\n${lines.join('\n')}`);
    expect(lines).toHaveLength(2);
  }, 180_000);
});
