import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Config } from '../config/loadConfig.js';
import { ChexgenError } from '../errors.js';
import { listModels, loadModelManifest } from '../model/modelManifest.js';
import { createWorkerRuntime } from '../runtime/createWorkerRuntime.js';
import type { RuntimeLog } from '../runtime/InferenceRuntime.js';
import type { LoadedModel } from './synthesize.js';
import { WordTokenizer } from './WordTokenizer.js';

/**
 * Opens a model folder once: verifies the manifest and file hashes, loads the tokenizer and starts the inference
 * worker with the configured execution providers. Dispose `runtime` when done.
 */
export async function loadModel(config: Config, log: RuntimeLog, name = config.model): Promise<LoadedModel> {
  const dir = join(config.modelsDir, name);
  let manifest;
  try {
    manifest = await loadModelManifest(dir);
  } catch (error) {
    if (error instanceof ChexgenError && error.code === 'MODEL_NOT_FOUND') {
      const installed = await listModels(config.modelsDir).catch(() => []);
      throw new ChexgenError(
        'MODEL_NOT_FOUND',
        `model "${name}" not found in ${config.modelsDir}; installed: ${installed.map((m) => m.manifest.name).join(', ') || 'none'}`,
        { field: 'model', status: 400, cause: error },
      );
    }
    throw error;
  }
  const tokenizer = WordTokenizer.fromJson(await readFile(join(dir, manifest.text.tokenizer), 'utf8'));
  const runtime = await createWorkerRuntime(
    { modelDir: dir, manifest, executionProviders: config.executionProviders, intraOpThreads: config.threads, allowSpinning: config.spinning },
    log,
  );
  return { dir, manifest, tokenizer, runtime };
}
