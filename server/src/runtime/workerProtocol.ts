import type { ExecutionProviderName, GraphName, TensorData } from './InferenceRuntime.js';

/*
 * The messages between the main thread (createWorkerRuntime) and the inference worker (inferenceWorker.ts).
 * Requests go main -> worker, replies worker -> main. Tensor buffers travel in the transfer list, never copied.
 */

/** One graph file to open. `path` is absolute (resolved against the model folder by the main thread). */
export type GraphToOpen = { name: GraphName; path: string };

/** Opens every graph once, trying the EPs in order. Answered by `ready` or `initFailed`. */
export type InitRequest = {
  type: 'init';
  graphs: GraphToOpen[];
  /** Tried in order; the worker appends cpu when it is missing. */
  executionProviders: ExecutionProviderName[];
  intraOpThreads: number;
  allowSpinning: boolean;
};

/** Runs one graph with `feeds` plus the pinned set `pinned`, if any. Answered by `runResult` or `runError` with the same id. */
export type RunRequest = { type: 'run'; id: number; graph: GraphName; feeds: Record<string, TensorData>; pinned?: number };

/** Keeps feeds under `handle` for later runs. Not answered: messages are handled in order, so a run sent after it sees them. */
export type PinRequest = { type: 'pin'; handle: number; feeds: Record<string, TensorData> };

/** Drops the pinned set `handle`. Not answered. */
export type UnpinRequest = { type: 'unpin'; handle: number };

/** Waits for the runs in flight, releases every session. Answered by `disposed`. */
export type DisposeRequest = { type: 'dispose' };

export type WorkerRequest = InitRequest | RunRequest | PinRequest | UnpinRequest | DisposeRequest;

/** An EP that could not open the graphs, and why. */
export type ExecutionProviderFailure = { executionProvider: ExecutionProviderName; message: string };

/** The input and output names of an opened session, for the check against model.json. */
export type GraphSignature = { inputNames: string[]; outputNames: string[] };

export type ReadyReply = {
  type: 'ready';
  executionProvider: ExecutionProviderName;
  /** EPs tried before the one that runs (empty when the first one worked). */
  failures: ExecutionProviderFailure[];
  graphs: Partial<Record<GraphName, GraphSignature>>;
};

/** Every EP, cpu included, failed: nothing is open. */
export type InitFailedReply = { type: 'initFailed'; failures: ExecutionProviderFailure[] };

export type RunResultReply = { type: 'runResult'; id: number; outputs: Record<string, TensorData> };

/** `message` is onnxruntime's (or the worker's) message; the main thread prefixes the graph name. */
export type RunErrorReply = { type: 'runError'; id: number; message: string };

export type DisposedReply = { type: 'disposed' };

export type WorkerReply = ReadyReply | InitFailedReply | RunResultReply | RunErrorReply | DisposedReply;

/** Number of elements that `dims` describe, or undefined when a dim is not a non-negative integer. */
export function elementCount(dims: readonly number[]): number | undefined {
  let count = 1;
  for (const dim of dims) {
    if (!Number.isSafeInteger(dim) || dim < 0) return undefined;
    count *= dim;
  }
  return count;
}

/**
 * The tensor with a buffer of its own: a view over part of a larger buffer (a Node Buffer pool, a subarray) or over
 * shared memory is copied, so that transferring it detaches nothing else and sends no extra bytes.
 */
export function withOwnBuffer(tensor: TensorData): TensorData {
  const { data } = tensor;
  const owns =
    data.buffer instanceof ArrayBuffer && data.byteOffset === 0 && data.byteLength === data.buffer.byteLength;
  if (owns) return tensor;
  return tensor.type === 'float32'
    ? { type: 'float32', data: tensor.data.slice(), dims: tensor.dims }
    : { type: 'int64', data: tensor.data.slice(), dims: tensor.dims };
}

/** The distinct buffers of `tensors`, for postMessage's transfer list (a buffer listed twice throws). */
export function transferList(tensors: Iterable<TensorData>): ArrayBuffer[] {
  const buffers = new Set<ArrayBuffer>();
  for (const tensor of tensors) {
    if (tensor.data.buffer instanceof ArrayBuffer) buffers.add(tensor.data.buffer);
  }
  return [...buffers];
}

/** Human-readable message of anything thrown. */
export function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
