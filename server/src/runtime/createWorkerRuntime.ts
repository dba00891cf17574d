import { resolve } from 'node:path';
import type { Worker } from 'node:worker_threads';
import { ChexgenError } from '../errors.js';
import { REQUIRED_GRAPHS } from '../model/modelManifestSchema.js';
import type {
  ExecutionProviderName,
  GraphName,
  InferenceRuntime,
  RuntimeLog,
  RuntimeOptions,
  TensorData,
} from './InferenceRuntime.js';
import { spawnInferenceWorker } from './spawnInferenceWorker.js';
import {
  elementCount,
  errorMessage,
  transferList,
  withOwnBuffer,
  type ExecutionProviderFailure,
  type GraphSignature,
  type InitRequest,
  type ReadyReply,
  type WorkerReply,
  type WorkerRequest,
} from './workerProtocol.js';

/**
 * Opens the four graphs of `options.modelDir` in one worker thread and returns the runtime that runs them there.
 * The EPs of `options.executionProviders` are tried in order, cpu last; each failure is logged as a warn line and
 * the EP that runs as an info line.
 *
 * @throws ChexgenError `MODEL_INVALID` when a graph's input/output names differ from model.json; Error when no EP,
 * cpu included, can open every graph, or the worker cannot start.
 */
export async function createWorkerRuntime(options: RuntimeOptions, log: RuntimeLog): Promise<InferenceRuntime> {
  return connectWorkerRuntime(spawnInferenceWorker(), options, log);
}

/**
 * {@link createWorkerRuntime} on a worker already started by spawnInferenceWorker. Tests use it to hold the Worker
 * (and kill it); everyone else calls createWorkerRuntime.
 */
export async function connectWorkerRuntime(
  worker: Worker,
  options: RuntimeOptions,
  log: RuntimeLog,
): Promise<InferenceRuntime> {
  const runtime = new WorkerRuntime(worker);
  let ready: ReadyReply;
  try {
    ready = await runtime.init({
      type: 'init',
      graphs: REQUIRED_GRAPHS.map((name) => ({
        name,
        path: resolve(options.modelDir, options.manifest.graphs[name].file),
      })),
      executionProviders: options.executionProviders,
      intraOpThreads: options.intraOpThreads,
      allowSpinning: options.allowSpinning,
    });
  } catch (error) {
    await runtime.dispose();
    throw error;
  }
  ready.failures.forEach((failure, i) => {
    const next = ready.failures[i + 1]?.executionProvider ?? ready.executionProvider;
    const what = `execution provider ${failure.executionProvider} failed, falling back to ${next}`;
    log('warn', `inference: ${what}: ${failure.message}`, {
      executionProvider: failure.executionProvider,
      fallback: next,
      error: failure.message,
    });
  });
  try {
    checkSignatures(options, ready.graphs);
  } catch (error) {
    await runtime.dispose();
    throw error;
  }
  log('info', `inference: ${REQUIRED_GRAPHS.length} graphs of ${options.modelDir} run on ${ready.executionProvider}`, {
    executionProvider: ready.executionProvider,
    model: `${options.manifest.name}@${options.manifest.version}`,
    intraOpThreads: options.intraOpThreads,
    allowSpinning: options.allowSpinning,
  });
  return runtime;
}

// The parity test checks this at export time; checking again here catches a hand-edited model.json at startup.
function checkSignatures(options: RuntimeOptions, graphs: ReadyReply['graphs']): void {
  for (const name of REQUIRED_GRAPHS) {
    const spec = options.manifest.graphs[name];
    const actual: GraphSignature = graphs[name] ?? { inputNames: [], outputNames: [] };
    for (const [side, names] of [
      ['inputs', actual.inputNames],
      ['outputs', actual.outputNames],
    ] as const) {
      const declared = spec[side].map((tensor) => tensor.name).sort();
      const found = [...names].sort();
      if (declared.join('\0') !== found.join('\0')) {
        const path = resolve(options.modelDir, spec.file);
        throw new ChexgenError(
          'MODEL_INVALID',
          `${path}: ${side} are [${found.join(', ')}] but model.json declares [${declared.join(', ')}]`,
          { field: `graphs.${name}.${side}` },
        );
      }
    }
  }
}

type Pending = { graph: GraphName; resolve: (outputs: Record<string, TensorData>) => void; reject: (e: Error) => void };

type Waiter<T> = { resolve: (value: T) => void; reject: (e: Error) => void };

class WorkerRuntime implements InferenceRuntime {
  private ep: ExecutionProviderName = 'cpu';

  private readonly worker: Worker;
  private readonly pending = new Map<number, Pending>();
  private nextId = 1;
  private initWaiter: Waiter<ReadyReply> | undefined;
  private disposeWaiter: Waiter<void> | undefined;
  private disposing: Promise<void> | undefined;
  /** Why the worker is gone; set once, by a crash, an exit or dispose(). */
  private gone: string | undefined;

  constructor(worker: Worker) {
    this.worker = worker;
    worker.on('message', (message: WorkerReply) => this.onMessage(message));
    worker.on('messageerror', (error) => this.die(`a reply could not be deserialized: ${error.message}`));
    worker.on('error', (error) => this.die(`the inference worker crashed: ${errorMessage(error)}`));
    worker.on('exit', (code) => this.die(`the inference worker exited (code ${code})`));
  }

  get executionProvider(): ExecutionProviderName {
    return this.ep;
  }

  init(request: InitRequest): Promise<ReadyReply> {
    return new Promise<ReadyReply>((resolve, reject) => {
      if (this.gone !== undefined) return reject(new Error(`inference: cannot start: ${this.gone}`));
      this.initWaiter = { resolve, reject };
      this.updateRef();
      this.worker.postMessage(request satisfies WorkerRequest);
    });
  }

  run(graph: GraphName, feeds: Record<string, TensorData>, pinned?: number): Promise<Record<string, TensorData>> {
    return new Promise((resolve, reject) => {
      if (this.gone !== undefined) return reject(new Error(`inference: cannot run ${graph}: ${this.gone}`));
      let sent: Record<string, TensorData>;
      try {
        sent = ownedFeeds(graph, feeds);
      } catch (error) {
        return reject(error);
      }
      const id = this.nextId++;
      try {
        const request: WorkerRequest = { type: 'run', id, graph, feeds: sent, ...(pinned !== undefined ? { pinned } : {}) };
        this.worker.postMessage(request, transferList(Object.values(sent)));
      } catch (error) {
        const message = `inference: ${graph}: cannot send the feeds: ${errorMessage(error)}`;
        return reject(new Error(message, { cause: error }));
      }
      this.pending.set(id, { graph, resolve, reject });
      this.updateRef();
    });
  }

  pin(feeds: Record<string, TensorData>): number {
    if (this.gone !== undefined) throw new Error(`inference: cannot pin feeds: ${this.gone}`);
    const sent = ownedFeeds('pin', feeds);
    const handle = this.nextId++;
    this.worker.postMessage({ type: 'pin', handle, feeds: sent } satisfies WorkerRequest, transferList(Object.values(sent)));
    return handle;
  }

  unpin(handle: number): void {
    if (this.gone === undefined) this.worker.postMessage({ type: 'unpin', handle } satisfies WorkerRequest);
  }

  dispose(): Promise<void> {
    this.disposing ??= this.shutDown();
    return this.disposing;
  }

  private async shutDown(): Promise<void> {
    if (this.gone === undefined) {
      // Runs already sent finish first (the worker waits for them), then the sessions are released.
      await new Promise<void>((resolve, reject) => {
        this.disposeWaiter = { resolve, reject };
        this.gone = 'the runtime is disposed';
        this.updateRef();
        this.worker.postMessage({ type: 'dispose' } satisfies WorkerRequest);
      }).catch(() => undefined); // the worker died meanwhile: nothing left to release
    }
    await this.worker.terminate();
    this.rejectAll(this.gone ?? 'the runtime is disposed');
  }

  private onMessage(message: WorkerReply): void {
    switch (message.type) {
      case 'ready':
        this.ep = message.executionProvider;
        this.settleInit((waiter) => waiter.resolve(message));
        return;
      case 'initFailed':
        this.settleInit((waiter) => waiter.reject(initError(message.failures)));
        return;
      case 'runResult':
      case 'runError': {
        const pending = this.pending.get(message.id);
        if (pending === undefined) return;
        this.pending.delete(message.id);
        this.updateRef();
        if (message.type === 'runResult') pending.resolve(message.outputs);
        else pending.reject(new Error(`inference: ${pending.graph}: ${message.message}`));
        return;
      }
      case 'disposed': {
        const waiter = this.disposeWaiter;
        this.disposeWaiter = undefined;
        waiter?.resolve();
        return;
      }
    }
  }

  private settleInit(settle: (waiter: Waiter<ReadyReply>) => void): void {
    const waiter = this.initWaiter;
    this.initWaiter = undefined;
    this.updateRef();
    if (waiter !== undefined) settle(waiter);
  }

  /** The worker is unusable: everything waiting, and every later call, rejects with `reason`. */
  private die(reason: string): void {
    const disposeWaiter = this.disposeWaiter;
    if (this.gone !== undefined && disposeWaiter === undefined) return; // already dead, or disposed: exit expected
    this.gone ??= reason;
    this.disposeWaiter = undefined;
    disposeWaiter?.reject(new Error(reason));
    this.settleInit((waiter) => waiter.reject(new Error(`inference: cannot start: ${reason}`)));
    this.rejectAll(reason);
  }

  private rejectAll(reason: string): void {
    const pending = [...this.pending.values()];
    this.pending.clear();
    this.updateRef();
    for (const call of pending) call.reject(new Error(`inference: ${call.graph} did not complete: ${reason}`));
  }

  /** The worker keeps the process alive only while someone waits for it, so a forgotten runtime cannot hang exit. */
  private updateRef(): void {
    const busy = this.initWaiter !== undefined || this.pending.size > 0 || this.disposeWaiter !== undefined;
    if (busy) this.worker.ref();
    else this.worker.unref();
  }
}

/**
 * The feeds checked (values match dims) and each with a buffer of its own, ready to transfer. Throws naming the
 * feed; a zero-length array usually is one whose buffer an earlier run() transferred.
 */
function ownedFeeds(what: string, feeds: Record<string, TensorData>): Record<string, TensorData> {
  const sent: Record<string, TensorData> = {};
  for (const [name, tensor] of Object.entries(feeds)) {
    const count = elementCount(tensor.dims);
    if (count === undefined || count !== tensor.data.length) {
      throw new Error(
        `inference: ${what}: feed "${name}" has ${tensor.data.length} values, ` +
          `dims [${tensor.dims.join(', ')}] need ${count ?? 'non-negative integers'}` +
          (tensor.data.length === 0 ? ' (was its buffer transferred by an earlier run?)' : ''),
      );
    }
    sent[name] = withOwnBuffer(tensor);
  }
  return sent;
}

function initError(failures: ExecutionProviderFailure[]): Error {
  const tried = failures.map((failure) => `${failure.executionProvider}: ${failure.message}`).join('; ');
  return new Error(`inference: no execution provider could open the model (${tried})`);
}
