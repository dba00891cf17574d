/**
 * `npm run bench:synthesis -- [--json] [--model NAME] [--steps 20] [--threads N] [--repeat 3] [--no-pytorch]`
 *
 * Times one guided 256 px image through the real pipeline (synthesize() on the worker runtime) and puts the figure
 * next to three references measured in the same run: the FLOPs the ONNX graphs need (chexgen_train.bench_flops),
 * what onnxruntime-node's MatMul sustains on this machine (an in-memory MatMul chain, same threads and spinning),
 * and the same weights run by PyTorch on the CPU (chexgen_train.bench_torch). Progress goes to stderr; stdout ends
 * with one JSON line (docs/performance.md explains every field).
 */
import { createRequire } from 'node:module';
import { availableParallelism, cpus } from 'node:os';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Command, InvalidArgumentError } from 'commander';
import { loadConfig } from '../config/loadConfig.js';
import { ChexgenError } from '../errors.js';
import { guidancePasses } from '../synthesis/guidance.js';
import { loadModel } from '../composition/loadModel.js';
import { planSynthesis } from '../synthesis/planSynthesis.js';
import { synthesize, type SynthesisTimings } from '../synthesis/synthesize.js';
import { EventLoopLagMonitor } from './EventLoopLagMonitor.js';
import { DEFAULT_MATMUL_CHAIN } from './matMulChainModel.js';
import { MatMulProbe } from './MatMulProbe.js';
import { OtherCpuLoad } from './OtherCpuLoad.js';
import { runPythonJson } from './runPythonJson.js';

const TRAINING_DIR = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', '..', 'models', 'training');

/** The targets docs/performance.md tracks. */
/** Each probe measurement runs the MatMul chain this long. */
const PROBE_BATCH_MS = 400;

const TARGETS = { ratioToFloor: 2.0, speedupVsPytorch: 1.5, eventLoopLagMs: 20, peakRssMb: 1024 };

type Options = {
  json: boolean; model?: string; steps: number; threads?: number; repeat: number; pytorch: boolean; python: string;
  text: string; seed: number; sampler: string;
};

function intArg(name: string, min: number, max: number) {
  return (value: string): number => {
    const n = Number(value);
    if (!Number.isInteger(n) || n < min || n > max) throw new InvalidArgumentError(`${name} must be an integer from ${min} to ${max}`);
    return n;
  };
}

const progress = (line: string): void => {
  process.stderr.write(`bench: ${line}\n`);
};

function median(values: number[]): number {
  const s = [...values].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 === 1 ? s[mid] : (s[mid - 1] + s[mid]) / 2;
}

const round = (x: number, digits = 1): number => Number(x.toFixed(digits));

function num(obj: Record<string, unknown>, key: string): number {
  const v = obj[key];
  if (typeof v !== 'number' || !Number.isFinite(v)) throw new Error(`expected a number in "${key}", got ${JSON.stringify(v)}`);
  return v;
}

async function run(opts: Options): Promise<void> {
  const config = loadConfig(process.env, {
    ...(opts.model ? { model: opts.model } : {}),
    ...(opts.threads !== undefined ? { threads: String(opts.threads) } : {}),
  });
  const cores = availableParallelism();
  const torchThreads = config.threads > 0 ? config.threads : cores;
  const started = new Date();
  progress(`model ${config.model}, ${opts.steps} steps, ${opts.sampler}, threads ${config.threads || `default (${cores} cores)`}, ` +
    `spinning ${config.spinning}, repeat ${opts.repeat}`);

  // 1. The pipeline on the real worker runtime: one warm-up image, then `repeat` timed ones. Before the first and
  //    after each one the MatMul probe (same threads and spinning, its own worker) measures what the machine
  //    sustains right then, so image times and machine speed sample the same neighbours.
  const loadStart = performance.now();
  const model = await loadModel(config, (level, message) => progress(`${level}: ${message}`));
  const loadMs = performance.now() - loadStart;
  progress(`model loaded in ${loadMs.toFixed(0)} ms`);
  const runs: SynthesisTimings[] = [];
  const otherLoad: (number | null)[] = [];
  const rates: number[] = [];
  let lagMs = 0;
  let cfgBatch = 2;
  let guidance = 0;
  let executionProvider = '';
  try {
    const { plan } = planSynthesis({ text: opts.text, seed: opts.seed, steps: opts.steps, sampler: opts.sampler }, model.manifest);
    guidance = plan.guidance;
    cfgBatch = guidancePasses(plan.guidance, plan.spatialGuidance, plan.conditions.present.some((p) => p > 0)).length;
    const warm = await synthesize(model, plan);
    executionProvider = warm.executionProvider;
    progress(`warm-up image ${warm.timings.totalMs.toFixed(0)} ms (${warm.timings.stepMs.toFixed(1)} ms/step, ${warm.executionProvider})`);
    const probe = await MatMulProbe.open({
      shape: DEFAULT_MATMUL_CHAIN, intraOpThreads: config.threads, allowSpinning: config.spinning, warmupRuns: 3,
    });
    try {
      rates.push(await probe.measure(PROBE_BATCH_MS));
      const monitor = new EventLoopLagMonitor(10);
      const load = new OtherCpuLoad();
      for (let i = 0; i < opts.repeat; i++) {
        load.start();
        monitor.start();
        const result = await synthesize(model, plan);
        const runLagMs = monitor.stop();
        const other = load.stop();
        lagMs = Math.max(lagMs, runLagMs);
        runs.push(result.timings);
        otherLoad.push(other);
        rates.push(await probe.measure(PROBE_BATCH_MS));
        const t = result.timings;
        progress(`image ${i + 1}/${opts.repeat}: ${t.totalMs.toFixed(0)} ms (text ${t.textMs.toFixed(0)}, ` +
          `${t.stepMs.toFixed(1)} ms/step, vae ${t.vaeMs.toFixed(0)}), event-loop lag ${runLagMs.toFixed(1)} ms` +
          (other === null ? '' : `, other load ${other.toFixed(0)}%`) + `; MatMul ${rates.at(-1)?.toFixed(0)} GFLOP/s`);
      }
    } finally {
      await probe.close();
    }
  } finally {
    await model.runtime.dispose();
  }
  const peakRssMb = process.resourceUsage().maxRSS / 1024; // KiB -> MiB; main thread + both workers (one process)
  const imageMs = median(runs.map((t) => t.totalMs));

  // 2. FLOPs of one image, counted from the graphs.
  const flops = await runPythonJson({
    python: opts.python, cwd: TRAINING_DIR, module: 'bench_flops', timeoutMs: 120_000,
    args: ['--model-dir', model.dir, '--steps', String(opts.steps), '--cfg-batch', String(cfgBatch)],
  });
  const gflopPerImage = num(flops, 'gflop_per_image');
  progress(`${gflopPerImage.toFixed(1)} GFLOP per image (MatMul/Gemm/Conv of the graphs)`);

  // 3. The floor: those FLOPs at the MatMul rate. Also per image, against the mean of the probes around it.
  const machineGflops = median(rates);
  const floorMs = (gflopPerImage / machineGflops) * 1000;
  const pairedRatio = median(runs.map((t, i) => t.totalMs / ((gflopPerImage / ((rates[i] + rates[i + 1]) / 2)) * 1000)));
  progress(`MatMul [${DEFAULT_MATMUL_CHAIN.m}x${DEFAULT_MATMUL_CHAIN.k}]x[${DEFAULT_MATMUL_CHAIN.k}x${DEFAULT_MATMUL_CHAIN.n}]: ` +
    `${machineGflops.toFixed(1)} GFLOP/s (probes ${rates.map((g) => g.toFixed(0)).join(', ')}) -> floor ${floorMs.toFixed(0)} ms`);

  // 4. The same weights and steps in PyTorch on the CPU.
  let torch: Record<string, unknown> | undefined;
  if (opts.pytorch) {
    progress(`PyTorch baseline (${opts.python}, ${torchThreads} threads) ...`);
    torch = await runPythonJson({
      python: opts.python, cwd: TRAINING_DIR, module: 'bench_torch', timeoutMs: 1_800_000,
      args: ['--model-dir', model.dir, '--steps', String(opts.steps), '--threads', String(torchThreads),
        '--repeat', String(opts.repeat), '--prompt', opts.text, '--seed', String(opts.seed)],
      envDefaults: { OPENBLAS_NUM_THREADS: String(torchThreads) },
      onLine: (line) => progress(line),
    });
  }
  const pytorchMs = torch === undefined ? null : num(torch, 'ms');

  const ratioToFloor = imageMs / floorMs;
  const speedup = pytorchMs === null ? null : pytorchMs / imageMs;
  const ortVersion = (createRequire(import.meta.url)('onnxruntime-node/package.json') as { version: string }).version;
  const summary = {
    model: model.manifest.name,
    steps: opts.steps,
    image_ms: round(imageMs),
    step_ms: round(median(runs.map((t) => t.stepMs)), 2),
    text_ms: round(median(runs.map((t) => t.textMs))),
    vae_ms: round(median(runs.map((t) => t.vaeMs))),
    peak_rss_mb: round(peakRssMb),
    gflop_per_image: round(gflopPerImage, 2),
    machine_gflops: round(machineGflops),
    floor_ms: round(floorMs),
    ratio_to_floor: round(ratioToFloor, 2),
    ratio_to_floor_paired: round(pairedRatio, 2),
    pytorch_ms: pytorchMs === null ? null : round(pytorchMs),
    speedup_vs_pytorch: speedup === null ? null : round(speedup, 2),
    event_loop_lag_ms: round(lagMs),
    targets_met: {
      ratio_to_floor: ratioToFloor <= TARGETS.ratioToFloor,
      speedup_vs_pytorch: speedup === null ? null : speedup >= TARGETS.speedupVsPytorch,
      event_loop_lag_ms: lagMs <= TARGETS.eventLoopLagMs,
      peak_rss_mb: peakRssMb <= TARGETS.peakRssMb,
    },
    runs_ms: runs.map((t) => round(t.totalMs)),
    other_cpu_load_pct: otherLoad.map((p) => (p === null ? null : round(p, 0))),
    load_ms: round(loadMs),
    sampler: opts.sampler, guidance, cfg_batch: cfgBatch, resolution: model.manifest.resolution,
    threads: config.threads, threads_resolved: config.threads || cores, spinning: config.spinning, execution_provider: executionProvider,
    gflop_by_graph: flops.gflop_per_image_by_graph,
    machine_gflops_probes: rates.map((g) => round(g)),
    matmul_probe: { ...DEFAULT_MATMUL_CHAIN, rows_x_inner_x_cols: `${DEFAULT_MATMUL_CHAIN.m}x${DEFAULT_MATMUL_CHAIN.k}x${DEFAULT_MATMUL_CHAIN.n}` },
    pytorch: torch === undefined ? null : {
      step_ms: torch.step_ms, text_ms: torch.text_ms, vae_ms: torch.vae_ms, runs_ms: torch.runs_ms,
      other_cpu_load_pct: torch.other_cpu_load_pct, sampler: torch.sampler,
      threads: torch.threads, torch: torch.torch, env: torch.env,
    },
    machine: { cpu: cpus()[0]?.model ?? 'unknown', cores, node: process.version, onnxruntime_node: ortVersion },
    date: started.toISOString(),
  };
  if (!opts.json) {
    const f = (v: number | null, unit = '') => (v === null ? 'n/a' : `${v}${unit}`);
    process.stdout.write(
      `image ${summary.image_ms} ms (${summary.step_ms} ms/step, text ${summary.text_ms} ms, vae ${summary.vae_ms} ms)\n` +
      `floor ${summary.floor_ms} ms = ${summary.gflop_per_image} GFLOP / ${summary.machine_gflops} GFLOP/s; ratio ${summary.ratio_to_floor} (target <= ${TARGETS.ratioToFloor})\n` +
      `PyTorch ${f(summary.pytorch_ms, ' ms')}; speedup ${f(summary.speedup_vs_pytorch)} (target >= ${TARGETS.speedupVsPytorch})\n` +
      `event-loop lag ${summary.event_loop_lag_ms} ms (target <= ${TARGETS.eventLoopLagMs}); peak RSS ${summary.peak_rss_mb} MiB (target <= ${TARGETS.peakRssMb})\n`,
    );
  }
  process.stdout.write(`${JSON.stringify(summary)}\n`);
}

/** The benchmark's command line. */
function buildBenchProgram(): Command {
  return new Command('bench:synthesis')
    .description('time one guided 256 px image and compare it with the FLOP floor and PyTorch (see docs/performance.md)')
    .option('--json', 'print only the JSON line on stdout (progress stays on stderr)', false)
    .option('--model <name>', 'model folder under models/ (default: CHEXGEN_MODEL or cxr256-gpu-v1.1)')
    .option('--steps <n>', 'sampling steps', intArg('--steps', 1, 200), 20)
    .option('--threads <n>', 'onnxruntime intra-op threads, also used for PyTorch (default: CHEXGEN_THREADS; 0 = one per core)', intArg('--threads', 0, 256))
    .option('--repeat <n>', 'timed images after the warm-up (the median is reported)', intArg('--repeat', 1, 100), 3)
    .option('--no-pytorch', 'skip the PyTorch baseline')
    .option('--python <path>', 'python with Debian torch and onnx', '/usr/bin/python3')
    .option('--text <report>', 'prompt', 'Cardiomegaly.')
    .option('--seed <n>', 'seed', intArg('--seed', 0, 2 ** 32 - 1), 1)
    .option('--sampler <name>', 'sampler', 'dpmpp-2m')
    .action(run);
}

try {
  await buildBenchProgram().parseAsync(process.argv);
} catch (error) {
  const message = error instanceof ChexgenError ? error.message : error instanceof Error ? error.stack ?? error.message : String(error);
  process.stderr.write(`bench:synthesis: ${message}\n`);
  process.exitCode = 1;
}
