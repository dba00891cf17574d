/**
 * Entry of the machine-speed probe's worker thread (started by measureMatMulGflops). It opens the in-memory MatMul
 * chain with the same session options as runtime/inferenceWorker.ts (threads, spinning, one inter-op thread, all
 * graph optimizations), warms up, times `batches` batches of runs and posts the GFLOP/s of each batch.
 *
 * This is the one onnxruntime session outside runtime/: a benchmark's reference kernel, in its own worker so it
 * never blocks the bench's event loop and never shares the synthesis sessions' thread pools.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { InferenceSession, Tensor } from 'onnxruntime-node';
import { buildMatMulChainModel, matMulChainFlops, type MatMulChainShape } from './matMulChainModel.js';

/** What the probe is asked to do. */
export type MatMulProbeRequest = {
  shape: MatMulChainShape;
  intraOpThreads: number;
  allowSpinning: boolean;
  warmupRuns: number;
  batches: number;
  /** Each batch runs until it has taken at least this long. */
  batchMs: number;
};

/** GFLOP/s of each timed batch, in order. */
export type MatMulProbeReply = { ok: true; gflops: number[] } | { ok: false; message: string };

if (parentPort === null) throw new Error('matMulProbeWorker.ts must run in a worker_threads Worker');
const port = parentPort;

async function probe(request: MatMulProbeRequest): Promise<number[]> {
  const session = await InferenceSession.create(buildMatMulChainModel(request.shape), {
    executionProviders: ['cpu'],
    ...(request.intraOpThreads > 0 ? { intraOpNumThreads: request.intraOpThreads } : {}),
    interOpNumThreads: 1,
    graphOptimizationLevel: 'all',
    extra: { session: { intra_op: { allow_spinning: request.allowSpinning ? '1' : '0' } } },
  });
  try {
    const { m, k } = request.shape;
    const x = new Float32Array(m * k).map((_, i) => Math.sin(i)); // [M, K]
    const feeds = { x: new Tensor('float32', x, [m, k]) };
    for (let i = 0; i < request.warmupRuns; i++) await session.run(feeds);
    const flops = matMulChainFlops(request.shape);
    const rates: number[] = [];
    for (let b = 0; b < request.batches; b++) {
      const start = performance.now();
      let runs = 0;
      let elapsed = 0;
      do {
        await session.run(feeds);
        runs++;
        elapsed = performance.now() - start;
      } while (elapsed < request.batchMs);
      rates.push((runs * flops) / (elapsed / 1000) / 1e9);
    }
    return rates;
  } finally {
    await session.release();
  }
}

probe(workerData as MatMulProbeRequest).then(
  (gflops) => port.postMessage({ ok: true, gflops } satisfies MatMulProbeReply),
  (error: unknown) => port.postMessage({ ok: false, message: error instanceof Error ? error.message : String(error) } satisfies MatMulProbeReply),
);
