/**
 * `npm run model:eval -- --model <name>`: evaluates a released model as it ships (docs/model-card.md).
 *
 * 1. `python -m chexgen_train.evaluation plan`: the images to generate and their conditions (eval-split conditions,
 *    counterfactual pairs, train records' own conditions, deformed JSRT masks) -> .cache/eval/<model>/plan.json
 * 2. generation with the product engine (onnxruntime-node, default sampler/steps/guidance, fixed seeds), resumable
 * 3. `python -m chexgen_train.evaluation evaluate`: reference networks, metrics, figures, models/<model>/evaluation.json
 */
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { Command, InvalidArgumentError } from 'commander';
import { createCliLogger, logCallback as runtimeLog } from '../composition/logging.js';
import { loadConfig } from '../config/loadConfig.js';
import { loadModel } from '../composition/loadModel.js';
import { readEvaluationPlan } from './evaluationPlan.js';
import { generateEvaluationImages } from './generateEvaluationImages.js';
import { runPythonEvaluator, TRAINING_DIR } from './runPythonEvaluator.js';

type Options = {
  model?: string; count: number; trainCopyCount: number; steps?: number; out?: string; figures?: string; quick: boolean;
  sweep: boolean; modelsDir?: string; data?: string; cache?: string; threads?: string; generateOnly: boolean; logLevel: string;
};

/** Sizes of a --quick smoke run. */
export const QUICK = { count: 8, trainCopyCount: 4, steps: 4 };

function intArg(name: string, min: number) {
  return (value: string): number => {
    const n = Number(value);
    if (!Number.isInteger(n) || n < min) throw new InvalidArgumentError(`${name} must be an integer >= ${min}`);
    return n;
  };
}

async function run(opts: Options): Promise<void> {
  const config = loadConfig(process.env, {
    ...(opts.model ? { model: opts.model } : {}), ...(opts.modelsDir ? { modelsDir: opts.modelsDir } : {}),
    ...(opts.threads ? { threads: opts.threads } : {}),
  });
  const name = config.model;
  const count = opts.quick ? QUICK.count : opts.count;
  const trainCopyCount = opts.quick ? QUICK.trainCopyCount : opts.trainCopyCount;
  const steps = opts.steps ?? (opts.quick ? QUICK.steps : undefined);
  const modelCache = resolve(opts.cache ?? join(TRAINING_DIR, '.cache', 'eval', opts.quick ? `${name}-quick` : name));
  const cache = opts.sweep ? join(modelCache, 'sweep') : modelCache;
  const common = ['--model', name, '--cache', cache, '--count', String(count), '--train-copy-count', String(trainCopyCount)];
  if (opts.data) common.push('--data', resolve(opts.data));
  if (opts.quick) common.push('--quick');
  const t0 = performance.now();
  await runPythonEvaluator([opts.sweep ? 'sweep-plan' : 'plan', ...common]);
  const plan = await readEvaluationPlan(join(cache, 'plan.json'));
  const logger = createCliLogger(opts.logLevel);
  const model = await loadModel(config, runtimeLog(logger), name);
  let summary;
  try {
    summary = await generateEvaluationImages(model, plan.images, cache, { steps, progress: process.stderr.isTTY });
  } finally {
    await model.runtime.dispose();
  }
  process.stderr.write(
    `generation: ${summary.generated} generated, ${summary.skipped} already there, ${summary.seconds.toFixed(0)} s` +
      `${summary.msPerImage !== null ? ` (${(summary.msPerImage / 1000).toFixed(2)} s/image)` : ''}; plan ${((performance.now() - t0) / 1000).toFixed(0)} s in all\n`,
  );
  if (opts.generateOnly) return;
  if (opts.sweep) {
    const sweepOut = opts.out ? resolve(opts.out) : opts.quick ? join(cache, 'guidance_sweep.json') : join(config.modelsDir, name, 'guidance_sweep.json');
    await runPythonEvaluator(['sweep', ...common, '--out', sweepOut]);
    return;
  }
  const out = opts.out ? resolve(opts.out) : opts.quick ? join(cache, 'evaluation.json') : join(config.modelsDir, name, 'evaluation.json');
  const figures = opts.figures ? resolve(opts.figures) : opts.quick ? join(cache, 'figures') : undefined;
  await runPythonEvaluator(['evaluate', ...common, '--out', out, ...(figures ? ['--figures', figures] : [])]);
}

/** The `model:eval` program (separate from running it, so it can be driven with exitOverride). */
export function buildEvaluateProgram(): Command {
  return new Command('model:eval')
    .description('evaluate a released model as it ships: generate with the product engine, then compute the metrics of docs/model-card.md')
    .option('--model <name>', 'model folder under models/ (default: CHEXGEN_MODEL or cxr256-gpu-v1.1)')
    .option('--count <n>', 'images conditioned on the eval split', intArg('--count', 1), 400)
    .option('--train-copy-count <n>', "images generated from train records' own conditions (memorisation probe)", intArg('--train-copy-count', 0), 100)
    .option('--steps <n>', 'sampling steps (default: the model default)', intArg('--steps', 1))
    .option('--out <file>', 'evaluation.json path (default: models/<model>/evaluation.json; --quick: in the cache)')
    .option('--figures <dir>', 'figure folder (default: docs/images; --quick: in the cache)')
    .option('--quick', `tiny smoke run: ${QUICK.count} eval images, ${QUICK.trainCopyCount} train copies, ${QUICK.steps} steps, reference nets trained for seconds`, false)
    .option('--sweep', 'instead of evaluating: the guidance sweep (text x spatial scales) on the train carve-out -> models/<model>/guidance_sweep.json', false)
    .option('--models-dir <dir>', 'folder holding model folders (default: CHEXGEN_MODELS_DIR or models/)')
    .option('--data <dir>', 'dataset folder with manifest.csv (default: ../shared/data/cxr256 beside the repository)')
    .option('--cache <dir>', 'cache folder (default: models/training/.cache/eval/<model>)')
    .option('--threads <n>', 'onnxruntime threads (default: CHEXGEN_THREADS or one per core)')
    .option('--generate-only', 'stop after generating the images', false)
    .option('--log-level <level>', 'log level on stderr', 'warn')
    .addHelpText('after', `
Generated images are cached (resumable: a rerun skips images already there, same seeds give the same pixels).
Reference networks are cached in models/training/.cache/eval/nets and retrained only when missing.`)
    .action(run);
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) {
  buildEvaluateProgram().parseAsync(process.argv).catch((error: unknown) => {
    process.stderr.write(`model:eval: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exitCode = 1;
  });
}
