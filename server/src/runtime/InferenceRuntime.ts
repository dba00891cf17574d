import type { ModelManifest } from '../model/modelManifestSchema.js';

/** The four graphs of a model folder (docs/model-contract.md). */
export type GraphName = 'text_encoder' | 'denoiser' | 'vae_decoder' | 'vae_encoder';

/** A plain tensor that can cross a worker boundary (its buffer is transferred, not copied). */
export type TensorData =
  | { type: 'float32'; data: Float32Array; dims: number[] }
  | { type: 'int64'; data: BigInt64Array; dims: number[] };

/** Execution providers we know how to ask onnxruntime-node for. */
export type ExecutionProviderName = 'cpu' | 'cuda';

/** How sessions are opened. Everything here comes from config (server/src/config). */
export type RuntimeOptions = {
  /** Folder holding model.json and the graphs. */
  modelDir: string;
  /** The verified manifest of that folder (loadModelManifest). */
  manifest: ModelManifest;
  /** Tried in order; cpu is always the last resort. */
  executionProviders: ExecutionProviderName[];
  /** onnxruntime intra-op threads (0 = onnxruntime's default). */
  intraOpThreads: number;
  /** Spinning threads are faster on an idle machine and slower when another process shares the cores. */
  allowSpinning: boolean;
};

/** A line the runtime wants logged (which EP runs, fallbacks). */
export type RuntimeLog = (level: 'info' | 'warn', message: string, fields?: Record<string, unknown>) => void;

/**
 * The only door to onnxruntime. Callers (the synthesis pipeline) see graphs by name and plain tensors; how sessions
 * are created, where they run (a worker thread) and which EP runs them stays behind this interface.
 */
export interface InferenceRuntime {
  /** The execution provider actually running the sessions (after any fallback). */
  readonly executionProvider: ExecutionProviderName;
  /**
   * Runs one graph. Input buffers may be transferred (detached) - do not reuse them after the call. `pinned` adds the
   * feeds of a {@link pin} handle (the call's own feeds win on a name clash).
   */
  run(graph: GraphName, feeds: Record<string, TensorData>, pinned?: number): Promise<Record<string, TensorData>>;
  /**
   * Keeps feeds next to the sessions for later runs (the text embeddings and condition planes every denoiser step of
   * an image shares), so they cross to the inference thread once instead of every step. Buffers are transferred.
   * Returns the handle for run() and {@link unpin}.
   */
  pin(feeds: Record<string, TensorData>): number;
  /** Frees pinned feeds. */
  unpin(handle: number): void;
  /** Releases every session and stops the worker. */
  dispose(): Promise<void>;
}
