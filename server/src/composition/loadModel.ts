import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Config } from '../config/loadConfig.js';
import { ChexgenError } from '../errors.js';
import { listModels, loadModelManifest } from '../model/modelManifest.js';
import { createWorkerRuntime } from '../runtime/createWorkerRuntime.js';
import type { RuntimeLog } from '../runtime/InferenceRuntime.js';
import type { LoadedModel, ModelDescription } from '../synthesis/synthesize.js';
import { WordTokenizer } from '../synthesis/WordTokenizer.js';

/** The settings a model is opened with: where models live, which one, and how onnxruntime runs it. */
export type ModelSettings = Pick<Config, 'modelsDir' | 'model' | 'executionProviders' | 'threads' | 'spinning'>;

/**
 * A model folder's verified manifest (schema, file sizes and hashes), without loading its graphs: enough to plan
 * requests on it. MODEL_NOT_FOUND names the installed models.
 */
export async function describeModel(settings: Pick<ModelSettings, 'modelsDir' | 'model'>, name = settings.model): Promise<ModelDescription> {
  const dir = join(settings.modelsDir, name);
  try {
    return { dir, manifest: await loadModelManifest(dir) };
  } catch (error) {
    if (error instanceof ChexgenError && error.code === 'MODEL_NOT_FOUND') {
      const installed = await listModels(settings.modelsDir).catch(() => []);
      throw new ChexgenError(
        'MODEL_NOT_FOUND',
        `model "${name}" not found in ${settings.modelsDir}; installed: ${installed.map((m) => m.manifest.name).join(', ') || 'none'}`,
        { field: 'model', status: 400, cause: error },
      );
    }
    throw error;
  }
}

/**
 * Opens a model folder once: verifies the manifest and file hashes ({@link describeModel}), loads the tokenizer and
 * starts the inference worker (runtime/) with the configured execution providers. Dispose `runtime` when done.
 */
export async function loadModel(settings: ModelSettings, log: RuntimeLog, name = settings.model): Promise<LoadedModel> {
  const { dir, manifest } = await describeModel(settings, name);
  const tokenizer = WordTokenizer.fromJson(await readFile(join(dir, manifest.text.tokenizer), 'utf8'));
  const runtime = await createWorkerRuntime(
    { modelDir: dir, manifest, executionProviders: settings.executionProviders, intraOpThreads: settings.threads, allowSpinning: settings.spinning },
    log,
  );
  return { dir, manifest, tokenizer, runtime };
}
