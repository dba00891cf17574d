/**
 * Entry of the machine-speed probe's worker thread (started by MatMulProbe). It opens the in-memory MatMul chain
 * with the same session options as runtime/inferenceWorker.ts (threads, spinning, one inter-op thread, all graph
 * optimizations), warms up and replies `ready`; each `measure` then runs the chain for at least `batchMs` and
 * replies the GFLOP/s it sustained; `close` releases the session.
 *
 * This is the one onnxruntime session outside runtime/: a benchmark's reference kernel, in its own worker so it
 * never blocks the bench's event loop and never shares the synthesis sessions' thread pools.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { InferenceSession, Tensor } from 'onnxruntime-node';
import { buildMatMulChainModel, matMulChainFlops, type MatMulChainShape } from './matMulChainModel.js';

/** How the probe's session is opened (workerData). */
export type MatMulProbeOptions = {
  shape: MatMulChainShape;
  intraOpThreads: number;
  allowSpinning: boolean;
  warmupRuns: number;
};

export type MatMulProbeRequest = { type: 'measure'; batchMs: number } | { type: 'close' };

export type MatMulProbeReply =
  | { type: 'ready' }
  | { type: 'rate'; gflops: number }
  | { type: 'closed' }
  | { type: 'failed'; message: string };

if (parentPort === null) throw new Error('matMulProbeWorker.ts must run in a worker_threads Worker');
const port = parentPort;
const options = workerData as MatMulProbeOptions;
const reply = (message: MatMulProbeReply): void => port.postMessage(message);
const messageOf = (error: unknown): string => (error instanceof Error ? error.message : String(error));

async function open(): Promise<{ session: InferenceSession; feeds: Record<string, Tensor> }> {
  const session = await InferenceSession.create(buildMatMulChainModel(options.shape), {
    executionProviders: ['cpu'],
    ...(options.intraOpThreads > 0 ? { intraOpNumThreads: options.intraOpThreads } : {}),
    interOpNumThreads: 1,
    graphOptimizationLevel: 'all',
    extra: { session: { intra_op: { allow_spinning: options.allowSpinning ? '1' : '0' } } },
  });
  const { m, k } = options.shape;
  const x = new Float32Array(m * k).map((_, i) => Math.sin(i)); // [M, K]
  const feeds = { x: new Tensor('float32', x, [m, k]) };
  for (let i = 0; i < options.warmupRuns; i++) await session.run(feeds);
  return { session, feeds };
}

async function measure(session: InferenceSession, feeds: Record<string, Tensor>, batchMs: number): Promise<number> {
  const start = performance.now();
  let runs = 0;
  let elapsed = 0;
  do {
    await session.run(feeds);
    runs++;
    elapsed = performance.now() - start;
  } while (elapsed < batchMs);
  return (runs * matMulChainFlops(options.shape)) / (elapsed / 1000) / 1e9;
}

open().then(
  ({ session, feeds }) => {
    port.on('message', (request: MatMulProbeRequest) => {
      if (request.type === 'measure') {
        measure(session, feeds, request.batchMs).then(
          (gflops) => reply({ type: 'rate', gflops }),
          (error: unknown) => reply({ type: 'failed', message: messageOf(error) }),
        );
      } else {
        session.release().finally(() => reply({ type: 'closed' }));
      }
    });
    reply({ type: 'ready' });
  },
  (error: unknown) => reply({ type: 'failed', message: messageOf(error) }),
);
