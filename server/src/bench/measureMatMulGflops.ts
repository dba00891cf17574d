import { Worker } from 'node:worker_threads';
import type { MatMulProbeReply, MatMulProbeRequest } from './matMulProbeWorker.js';

/**
 * Starts a worker from a sibling module: the .js file when compiled; under tsx (this module's URL ends in .ts) an
 * eval'd entry that registers tsx's hooks in the worker first (Node 20 does not pass the loader to workers; see
 * runtime/spawnInferenceWorker.ts).
 */
function spawnSiblingWorker(baseName: string, workerData: unknown): Worker {
  const self = import.meta.url;
  if (!self.endsWith('.ts')) return new Worker(new URL(`./${baseName}.js`, self), { workerData });
  const entry = new URL(`./${baseName}.ts`, self).href;
  const tsxApi = import.meta.resolve('tsx/esm/api');
  const code = `import(${JSON.stringify(tsxApi)}).then((tsx) => { tsx.register(); return import(${JSON.stringify(entry)}); });`;
  return new Worker(code, { eval: true, workerData });
}

/**
 * Measures what onnxruntime-node's CPU MatMul sustains on this machine with the given threads and spinning: the
 * GFLOP/s of each timed batch (see matMulProbeWorker.ts). Runs in its own worker thread.
 */
export function measureMatMulGflops(request: MatMulProbeRequest): Promise<number[]> {
  return new Promise((resolve, reject) => {
    const worker = spawnSiblingWorker('matMulProbeWorker', request);
    let settled = false;
    const finish = (fn: () => void) => {
      if (settled) return;
      settled = true;
      fn();
      void worker.terminate();
    };
    worker.once('message', (reply: MatMulProbeReply) =>
      finish(() => (reply.ok ? resolve(reply.gflops) : reject(new Error(`MatMul probe: ${reply.message}`)))),
    );
    worker.once('error', (error) => finish(() => reject(new Error(`MatMul probe crashed: ${error.message}`, { cause: error }))));
    worker.once('exit', (code) => finish(() => reject(new Error(`MatMul probe exited (code ${code}) without a reply`))));
  });
}
