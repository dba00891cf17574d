import { Worker } from 'node:worker_threads';
import type { MatMulProbeOptions, MatMulProbeReply, MatMulProbeRequest } from './matMulProbeWorker.js';

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
 * What onnxruntime-node's CPU MatMul sustains on this machine with given threads and spinning, measured in its own
 * worker thread (matMulProbeWorker.ts) whenever asked, so a benchmark can interleave it with the work it judges
 * and both see the same machine (neighbours on a shared machine come and go).
 *
 * @example const probe = await MatMulProbe.open({ shape, intraOpThreads: 2, allowSpinning: false, warmupRuns: 3 });
 *          const gflops = await probe.measure(300); await probe.close();
 */
export class MatMulProbe {
  private waiter: { resolve: (reply: MatMulProbeReply) => void; reject: (error: Error) => void } | undefined;
  private gone: string | undefined;

  private constructor(private readonly worker: Worker) {
    worker.on('message', (reply: MatMulProbeReply) => this.settle((w) => w.resolve(reply)));
    worker.on('error', (error) => this.fail(`crashed: ${error.message}`));
    worker.on('exit', (code) => this.fail(`exited (code ${code})`));
  }

  /** Starts the worker, opens and warms up the session. */
  static async open(options: MatMulProbeOptions): Promise<MatMulProbe> {
    const probe = new MatMulProbe(spawnSiblingWorker('matMulProbeWorker', options));
    try {
      await probe.next();
    } catch (error) {
      await probe.worker.terminate();
      throw error;
    }
    return probe;
  }

  /** Runs the chain for at least `batchMs` ms; -> GFLOP/s. */
  async measure(batchMs: number): Promise<number> {
    this.worker.postMessage({ type: 'measure', batchMs } satisfies MatMulProbeRequest);
    const reply = await this.next();
    if (reply.type !== 'rate') throw new Error(`MatMul probe: unexpected reply ${reply.type}`);
    return reply.gflops;
  }

  /** Releases the session and stops the worker. */
  async close(): Promise<void> {
    if (this.gone === undefined) {
      this.worker.postMessage({ type: 'close' } satisfies MatMulProbeRequest);
      await this.next().catch(() => undefined);
    }
    this.gone ??= 'closed';
    await this.worker.terminate();
  }

  /** The next reply; a `failed` reply rejects. */
  private next(): Promise<MatMulProbeReply> {
    return new Promise<MatMulProbeReply>((resolve, reject) => {
      if (this.gone !== undefined) return reject(new Error(`MatMul probe: ${this.gone}`));
      this.waiter = { resolve, reject };
    }).then((reply) => {
      if (reply.type === 'failed') throw new Error(`MatMul probe: ${reply.message}`);
      return reply;
    });
  }

  private settle(fn: (w: NonNullable<MatMulProbe['waiter']>) => void): void {
    const waiter = this.waiter;
    this.waiter = undefined;
    if (waiter !== undefined) fn(waiter);
  }

  private fail(reason: string): void {
    this.gone ??= reason;
    this.settle((w) => w.reject(new Error(`MatMul probe: ${reason}`)));
  }
}
