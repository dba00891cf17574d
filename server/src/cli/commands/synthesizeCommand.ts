import { randomInt } from 'node:crypto';
import { mkdir, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { SingleBar } from 'cli-progress';
import { Command, InvalidArgumentError, Option } from 'commander';
import type { Logger } from 'pino';
import { dataPaths } from '../../composition/dataPaths.js';
import { loadModel } from '../../composition/loadModel.js';
import { createCliLogger, logCallback } from '../../composition/logging.js';
import { openStore, type OpenedStore } from '../../composition/openStore.js';
import type { BoxCondition, View } from '../../conditions/conditionTypes.js';
import { loadConfig } from '../../config/loadConfig.js';
import { DEFAULT_SAMPLER, SAMPLER_NAMES, VIEWS as CONTRACT_VIEWS, type SynthesisRequestBody } from '../../contract/index.js';
import { encodeRuns } from '../../conditions/runLength.js';
import type { SyntheticStudy } from '../../dicom/assembleSyntheticStudy.js';
import { createWriterContext } from '../../dicom/createWriterContext.js';
import { Outbox } from '../../delivery/Outbox.js';
import { storeSink } from '../../delivery/storeSink.js';
import { ChexgenError } from '../../errors.js';
import { generateStudy } from '../../generation/generateStudy.js';
import { resolveMasks } from '../../generation/resolveMasks.js';
import { readMaskFile } from '../../images/readMaskFile.js';
import { writePng16 } from '../../images/writePng16.js';
import { readStudySegmentation } from '../../pacs/readStudySegmentation.js';
import { planSynthesis } from '../../synthesis/planSynthesis.js';
import { parseSynthesisRequest, REQUEST_CEILINGS } from '../../synthesis/synthesisRequest.js';
import { SOFTWARE } from '../../version.js';
import { writeStudyFiles } from '../writeStudy.js';

type Options = {
  text?: string; sex?: 'F' | 'M'; age?: number; view?: string; box: BoxCondition[]; mask: { label: string; path: string }[];
  sourceSize?: { width: number; height: number }; size?: { width: number; height: number }; count: number; seed?: number;
  steps?: number; guidance?: number; spatialGuidance?: number; sampler: string; model?: string; out: string;
  format: 'png' | 'dicom'; pacs?: string; seg?: string; sourceStudy?: string; store: boolean; json: boolean; threads?: string; ep?: string; logLevel: string;
};

function intArg(name: string, min: number, max: number) {
  return (value: string): number => {
    const n = Number(value);
    if (!Number.isInteger(n) || n < min || n > max) throw new InvalidArgumentError(`${name} must be an integer from ${min} to ${max}`);
    return n;
  };
}

function floatArg(name: string) {
  return (value: string): number => {
    const n = Number(value);
    if (!Number.isFinite(n)) throw new InvalidArgumentError(`${name} must be a number`);
    return n;
  };
}

function sizeArg(value: string): { width: number; height: number } {
  const m = /^(\d+)x(\d+)$/.exec(value);
  if (!m) throw new InvalidArgumentError('expected WIDTHxHEIGHT, e.g. 1024x1024');
  return { width: Number(m[1]), height: Number(m[2]) };
}

function boxArg(value: string, previous: BoxCondition[]): BoxCondition[] {
  const m = /^([^:]+):(-?[\d.]+),(-?[\d.]+),(-?[\d.]+),(-?[\d.]+)$/.exec(value);
  if (!m) throw new InvalidArgumentError('expected LABEL:x0,y0,x1,y1, e.g. nodule:140,60,170,90');
  return [...previous, { label: m[1], x0: Number(m[2]), y0: Number(m[3]), x1: Number(m[4]), y1: Number(m[5]) }];
}

function maskArg(value: string, previous: { label: string; path: string }[]) {
  const i = value.indexOf('=');
  if (i <= 0 || i === value.length - 1) throw new InvalidArgumentError('expected LABEL=FILE.png, e.g. right_lung=rl.png');
  return [...previous, { label: value.slice(0, i), path: value.slice(i + 1) }];
}

const VIEWS: Record<string, View> = { pa: 'PA', ap: 'AP', 'ap supine': 'AP supine', 'ap-supine': 'AP supine', lateral: 'lateral', l: 'lateral' };

/**
 * The request these flags make, in the shape of the wire contract's `SynthesisRequestBody` (its field names; the
 * values are checked by the contract's schema in parseSynthesisRequest, as for the API): mask files as run lengths
 * (any image format sharp reads), `--seg` as a SEG in the store.
 */
async function requestOf(opts: Options, view: View | undefined): Promise<Partial<Record<keyof SynthesisRequestBody, unknown>>> {
  const files = await Promise.all(opts.mask.map(async (m) => {
    const mask = await readMaskFile(m.label, resolve(m.path));
    return { label: m.label, width: mask.width, height: mask.height, rle: encodeRuns(mask.data) };
  }));
  const masks = [...files, ...(opts.seg !== undefined ? [{ seg: { StudyInstanceUID: opts.seg } }] : [])];
  const fields: Partial<Record<keyof SynthesisRequestBody, unknown>> = {
    text: opts.text, sex: opts.sex, age: opts.age, view, boxes: opts.box.length > 0 ? opts.box : undefined,
    sourceWidth: opts.sourceSize?.width, sourceHeight: opts.sourceSize?.height, masks: masks.length > 0 ? masks : undefined,
    count: opts.count, seed: opts.seed, steps: opts.steps, guidance: opts.guidance, spatialGuidance: opts.spatialGuidance,
    sampler: opts.sampler, sourceStudy: opts.sourceStudy,
  };
  return Object.fromEntries(Object.entries(fields).filter(([, value]) => value !== undefined));
}

async function run(opts: Options): Promise<void> {
  if ((opts.pacs !== undefined || opts.store) && opts.format !== 'dicom') {
    throw new ChexgenError('INVALID_FIELD', '--pacs/--store: storing needs --format dicom', { field: 'format' });
  }
  const config = loadConfig(process.env, {
    ...(opts.pacs !== undefined ? { pacsUrl: opts.pacs } : {}),
    ...(opts.model ? { model: opts.model } : {}), ...(opts.threads ? { threads: opts.threads } : {}), ...(opts.ep ? { executionProviders: opts.ep } : {}),
  });
  const logger = createCliLogger(opts.logLevel);
  const view = opts.view === undefined ? undefined : VIEWS[opts.view.toLowerCase()];
  if (opts.view !== undefined && view === undefined) {
    throw new ChexgenError('INVALID_FIELD', `--view: "${opts.view}" is not one of ${CONTRACT_VIEWS.map((v) => (v.includes(' ') ? `"${v}"` : v)).join(', ')}`, { field: 'view' });
  }
  const request = parseSynthesisRequest(await requestOf(opts, view), REQUEST_CEILINGS);
  let opened: OpenedStore | undefined;
  const store = async (): Promise<OpenedStore> => (opened ??= await openStore(config, logCallback(logger)));
  const masks = await resolveMasks(request.masks ?? [], REQUEST_CEILINGS, async (studyUid, seriesUid) =>
    readStudySegmentation((await store()).store, studyUid, seriesUid, '--seg', { maxMaskPixels: config.maxMaskPixels, maxMasks: config.maxMasks }));
  const seed = request.seed ?? randomInt(0, 2 ** 31);
  const model = await loadModel(config, logCallback(logger));
  try {
    const { plan } = planSynthesis({ ...request, masks, seed }, model.manifest);
    const bar = process.stderr.isTTY && !opts.json
      ? new SingleBar({ format: 'synthesizing |{bar}| image {image}/{count} step {step}/{steps} | {eta_formatted} left', stream: process.stderr, hideCursor: true })
      : null;
    bar?.start(plan.count * plan.steps, 0, { image: 1, count: plan.count, step: 0, steps: plan.steps });
    const outDir = resolve(opts.out);
    await mkdir(outDir, { recursive: true });
    const files: string[] = [];
    const studies: SyntheticStudy[] = [];
    const ctx = createWriterContext(SOFTWARE);
    const sourceStudy = request.sourceStudy !== undefined ? { StudyInstanceUID: request.sourceStudy } : undefined;
    const t = { textMs: 0, denoiseMs: 0, vaeMs: 0, totalMs: 0 }; // summed over the images
    let executionProvider: string = model.runtime.executionProvider;
    for (let index = 0; index < plan.count; index++) {
      const made = await generateStudy(model, plan, index, {
        size: opts.size,
        ...(opts.format === 'dicom' ? { dicom: { ctx, sourceStudy } } : {}),
        onProgress: (p) => bar?.update(index * p.steps + p.step, { image: index + 1, step: p.step }),
      });
      for (const key of Object.keys(t) as (keyof typeof t)[]) t[key] += made.timings[key];
      executionProvider = made.executionProvider;
      if (made.study !== null) {
        studies.push(made.study);
        files.push(...(await writeStudyFiles(made.study, outDir)));
        continue;
      }
      const base = join(outDir, `chexgen-${made.seed}`);
      await writePng16(made.image, `${base}.png`);
      await writeFile(`${base}.json`, `${JSON.stringify({ ...made.record, executionProvider }, null, 2)}\n`);
      files.push(`${base}.png`, `${base}.json`);
    }
    bar?.stop();
    const delivery = opts.pacs !== undefined || opts.store ? await deliverStudies(dataPaths(config.dataDir).outbox, studies, await store(), logger) : null;
    const stepMs = t.denoiseMs / (plan.count * plan.steps);
    const summaryLine = {
      model: model.manifest.name, count: plan.count, seed, steps: plan.steps, sampler: plan.sampler, guidance: plan.guidance,
      prompt: plan.prompt, executionProvider, files,
      studies: studies.map((st) => ({ StudyInstanceUID: st.studyInstanceUid, PatientID: st.patientId, SeriesInstanceUIDs: st.objects.map((o) => o.seriesInstanceUid) })),
      delivery,
      timings_ms: { text: Math.round(t.textMs), per_step: Math.round(stepMs), denoise: Math.round(t.denoiseMs), vae: Math.round(t.vaeMs), total: Math.round(t.totalMs) },
    };
    if (opts.json) process.stdout.write(`${JSON.stringify(summaryLine)}\n`);
    else process.stdout.write(`wrote ${plan.count} image(s) to ${outDir} in ${(t.totalMs / 1000).toFixed(1)} s (${Math.round(stepMs)} ms/step, ${executionProvider})\n`);
    if (delivery !== null && delivery.remaining > 0) {
      throw new ChexgenError('PACS_UNAVAILABLE', `${delivery.remaining} stud(ies) not delivered to ${delivery.target} (${delivery.lastError}); they wait in ${delivery.outbox}: run \`chexgen deliver\` to retry`);
    }
  } finally {
    await model.runtime.dispose();
  }
}

/** Queues every study in the outbox first (nothing is lost if the PACS is down), then delivers the queue. */
async function deliverStudies(outboxDir: string, studies: SyntheticStudy[], opened: OpenedStore, logger: Logger) {
  const outbox = new Outbox(outboxDir, { log: logCallback(logger) });
  for (const study of studies) await outbox.enqueue(study.studyInstanceUid, study.objects.map((o) => o.bytes));
  const result = await outbox.deliverPending(storeSink(opened.store));
  return { target: opened.description, outbox: outboxDir, ...result };
}

/** `chexgen synthesize`: generate synthetic chest X-rays from text, masks and boxes. */
export function synthesizeCommand(): Command {
  return new Command('synthesize')
    .description('generate synthetic chest radiographs (research use, not for diagnosis)')
    .option('--text <report>', 'report text the image should show, e.g. "Cardiomegaly. Small left effusion."')
    .addOption(new Option('--sex <sex>', 'patient sex in the prompt prefix').choices(['F', 'M']))
    .option('--age <years>', 'patient age in the prompt prefix', intArg('--age', 0, 120))
    .option('--view <view>', 'projection: PA, AP, "AP supine" or lateral')
    .option('--box <label:x0,y0,x1,y1>', 'a finding or anatomy box (repeatable); labels: see `chexgen models`', boxArg, [])
    .option('--source-size <WxH>', 'size of the image the --box coordinates refer to (default: the model resolution)', sizeArg)
    .option('--mask <label=file.png>', 'an anatomy mask image, any size, non-zero = inside (repeatable)', maskArg, [])
    .option('--seg <StudyInstanceUID>', 'take the masks from the DICOM SEG of this study in the configured store or --pacs')
    .option('--source-study <StudyInstanceUID>', 'link the source study in the SR (UIDs only; nothing else is copied)')
    .option('--count <n>', 'number of images; image i uses seed + i', intArg('--count', 1, 64), 1)
    .option('--seed <n>', 'random seed (default: random, printed in the record)', intArg('--seed', 0, 2 ** 32 - 1))
    .option('--steps <n>', 'sampling steps (default: the model default, 20)', intArg('--steps', 1, 200))
    .option('--guidance <g>', 'text guidance scale (default: the model\'s; cxr256-gpu-v1.1: 4.0)', floatArg('--guidance'))
    .option('--spatial-guidance <g>', 'mask/box guidance scale (default: --guidance when given, else the model\'s; cxr256-gpu-v1.1: 1.5)', floatArg('--spatial-guidance'))
    .addOption(new Option('--sampler <name>', 'sampler').choices([...SAMPLER_NAMES]).default(DEFAULT_SAMPLER))
    .option('--model <name>', 'model folder under models/ (default: CHEXGEN_MODEL or cxr256-gpu-v1.1)')
    .option('--size <WxH>', 'resample the output to this size (Lanczos-3; recorded)', sizeArg)
    .requiredOption('--out <dir>', 'output folder (created if missing)')
    .addOption(new Option('--format <format>', 'png: 16-bit PNG + JSON record; dicom: a synthetic study per image (image, SEG of the masks, SR with boxes, text and record)').choices(['png', 'dicom']).default('png'))
    .option('--pacs <url>', 'store the DICOM studies in this PACS (DICOMweb root, e.g. http://localhost:8042/dicom-web); default: CHEXGEN_PACS_URL')
    .option('--store', 'store the DICOM studies in the configured store (CHEXGEN_PACS_URL, or the embedded store)', false)
    .option('--json', 'print a JSON summary (files, timings) on stdout instead of a progress bar', false)
    .option('--threads <n>', 'onnxruntime threads (default: CHEXGEN_THREADS or one per core)')
    .option('--ep <list>', 'execution providers to try, e.g. cuda,cpu (default: CHEXGEN_EP or cpu)')
    .option('--log-level <level>', 'log level on stderr: debug, info, warn, error', 'warn')
    .addHelpText('after', `
Writes <out>/chexgen-<seed>.png (16-bit grayscale) and <out>/chexgen-<seed>.json (the generation record: model and
hash, prompt, conditions, seed, sampler, steps, guidance) for each image. The same options and seed give identical
pixels on the same machine.

Examples:
  chexgen synthesize --text "Cardiomegaly." --sex F --age 70 --view PA --count 4 --seed 1 --out out/
  chexgen synthesize --box nodule:150,60,175,85 --text "Pulmonary nodule." --out out/
  chexgen synthesize --mask right_lung=rl.png --mask left_lung=ll.png --steps 20 --json --out out/`)
    .action(run);
}
