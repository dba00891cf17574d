/**
 * Entry of the inference worker thread: the only place that opens onnxruntime sessions (style rule 8). It is
 * started by spawnInferenceWorker and speaks the protocol of workerProtocol.ts. `session.run()` blocks the thread
 * that calls it, which is why it runs here and not on the server's event loop.
 */
import { parentPort } from 'node:worker_threads';
import { InferenceSession, Tensor } from 'onnxruntime-node';
import type { ExecutionProviderName, GraphName, TensorData } from './InferenceRuntime.js';
import {
  errorMessage,
  transferList,
  withOwnBuffer,
  type ExecutionProviderFailure,
  type GraphSignature,
  type InitRequest,
  type RunRequest,
  type WorkerReply,
  type WorkerRequest,
} from './workerProtocol.js';

if (parentPort === null) throw new Error('inferenceWorker.ts must run in a worker_threads Worker');
const port = parentPort;

let sessions = new Map<GraphName, InferenceSession>();
/** Feeds kept for many runs (see InferenceRuntime.pin), as onnxruntime tensors ready to use. */
const pinned = new Map<number, Record<string, Tensor>>();
let disposed = false;
const inFlight = new Set<Promise<void>>();

function reply(message: WorkerReply, transfer: ArrayBuffer[] = []): void {
  port.postMessage(message, transfer);
}

function sessionOptions(ep: ExecutionProviderName, request: InitRequest): InferenceSession.SessionOptions {
  return {
    executionProviders: [ep],
    ...(request.intraOpThreads > 0 ? { intraOpNumThreads: request.intraOpThreads } : {}),
    interOpNumThreads: 1,
    graphOptimizationLevel: 'all',
    extra: { session: { intra_op: { allow_spinning: request.allowSpinning ? '1' : '0' } } },
  };
}

async function releaseAll(open: Map<GraphName, InferenceSession>): Promise<void> {
  await Promise.allSettled([...open.values()].map((session) => session.release()));
  open.clear();
}

/** Opens every graph with one EP; on any failure releases what it opened and throws naming the graph. */
async function openAll(ep: ExecutionProviderName, request: InitRequest): Promise<Map<GraphName, InferenceSession>> {
  const open = new Map<GraphName, InferenceSession>();
  for (const graph of request.graphs) {
    try {
      open.set(graph.name, await InferenceSession.create(graph.path, sessionOptions(ep, request)));
    } catch (error) {
      await releaseAll(open);
      throw new Error(`${graph.name} (${graph.path}): ${errorMessage(error)}`, { cause: error });
    }
  }
  return open;
}

async function init(request: InitRequest): Promise<void> {
  // onnxruntime-node never falls back by itself (asking for a missing EP throws), so cpu always ends the list.
  const order = [...new Set<ExecutionProviderName>([...request.executionProviders, 'cpu'])];
  const failures: ExecutionProviderFailure[] = [];
  for (const ep of order) {
    try {
      sessions = await openAll(ep, request);
    } catch (error) {
      failures.push({ executionProvider: ep, message: errorMessage(error) });
      continue;
    }
    const graphs: Partial<Record<GraphName, GraphSignature>> = {};
    for (const [name, session] of sessions) {
      graphs[name] = { inputNames: [...session.inputNames], outputNames: [...session.outputNames] };
    }
    reply({ type: 'ready', executionProvider: ep, failures, graphs });
    return;
  }
  reply({ type: 'initFailed', failures });
}

function toOrtTensor(tensor: TensorData): Tensor {
  return tensor.type === 'float32'
    ? new Tensor('float32', tensor.data, tensor.dims)
    : new Tensor('int64', tensor.data, tensor.dims);
}

function fromOrtTensor(name: string, tensor: Tensor): TensorData {
  const dims = [...tensor.dims];
  if (tensor.type === 'float32' && tensor.data instanceof Float32Array) {
    return withOwnBuffer({ type: 'float32', data: tensor.data, dims });
  }
  if (tensor.type === 'int64' && tensor.data instanceof BigInt64Array) {
    return withOwnBuffer({ type: 'int64', data: tensor.data, dims });
  }
  throw new Error(`output "${name}" has type ${tensor.type}; the runtime passes float32 and int64 only`);
}

async function run(request: RunRequest): Promise<void> {
  try {
    if (disposed) throw new Error('the runtime is disposed');
    const session = sessions.get(request.graph);
    if (session === undefined) throw new Error(`no session for graph "${request.graph}"`);
    const base = request.pinned === undefined ? {} : pinned.get(request.pinned);
    if (base === undefined) throw new Error(`pinned feeds ${request.pinned} are gone (unpinned?)`);
    const feeds: Record<string, Tensor> = { ...base };
    for (const [name, tensor] of Object.entries(request.feeds)) feeds[name] = toOrtTensor(tensor);
    const results = await session.run(feeds);
    const outputs: Record<string, TensorData> = {};
    for (const [name, tensor] of Object.entries(results)) outputs[name] = fromOrtTensor(name, tensor);
    reply({ type: 'runResult', id: request.id, outputs }, transferList(Object.values(outputs)));
  } catch (error) {
    reply({ type: 'runError', id: request.id, message: errorMessage(error) });
  }
}

async function dispose(): Promise<void> {
  disposed = true;
  await Promise.allSettled([...inFlight]);
  await releaseAll(sessions);
  reply({ type: 'disposed' });
}

port.on('message', (message: WorkerRequest) => {
  switch (message.type) {
    case 'init':
      // init failures are replied as initFailed; anything else escaping is a bug and crashes the worker loudly.
      void init(message);
      return;
    case 'run': {
      const task = run(message).finally(() => inFlight.delete(task));
      inFlight.add(task);
      return;
    }
    case 'pin': {
      const tensors: Record<string, Tensor> = {};
      for (const [name, tensor] of Object.entries(message.feeds)) tensors[name] = toOrtTensor(tensor);
      pinned.set(message.handle, tensors);
      return;
    }
    case 'unpin':
      pinned.delete(message.handle);
      return;
    case 'dispose':
      pinned.clear();
      void dispose();
      return;
  }
});
