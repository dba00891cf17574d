import { mkdir, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { SingleBar } from 'cli-progress';
import { Command, InvalidArgumentError, Option } from 'commander';
import { cohortManifestCsv } from '../../cohorts/cohortManifest.js';
import { parseCohortRequest } from '../../cohorts/cohortRequest.js';
import { writeDatasetFolder } from '../../datasetExport/writeDatasetFolder.js';
import type { Cohort } from '../../cohorts/cohortTypes.js';
import { createCliLogger } from '../../composition/logging.js';
import { openJobSystem, type JobSystem } from '../../composition/openJobSystem.js';
import { loadConfig } from '../../config/loadConfig.js';
import { COHORT_FINDING_NAMES, COHORT_LAYOUTS, type CohortRequestBody } from '../../contract/index.js';
import { ChexgenError } from '../../errors.js';
import { isFinal } from '../../jobs/jobTypes.js';

type Options = {
  size?: number; seed?: number; sex?: Record<string, number>; ageBands?: Record<string, number>; view?: Record<string, number>;
  finding: Record<string, number>; layout?: string; steps?: number; guidance?: number; sampler?: string;
  out?: string; pacs?: string; resume?: string; sheet: boolean; json: boolean; logLevel: string; export?: string;
};

const integer = (value: string): number => {
  if (!/^\d+$/.test(value)) throw new InvalidArgumentError('expected a whole number');
  return Number(value);
};

/** `F=1,M=2` -> { F: 1, M: 2 }: relative weights. */
const weights = (value: string): Record<string, number> => {
  const out: Record<string, number> = {};
  for (const part of value.split(',')) {
    const m = /^\s*([^=]+?)\s*=\s*([0-9.eE+-]+)\s*$/.exec(part);
    if (m === null || !Number.isFinite(Number(m[2]))) throw new InvalidArgumentError(`"${part}" is not key=weight`);
    out[m[1] ?? ''] = Number(m[2]);
  }
  return out;
};

/** Repeatable `--finding nodule=0.3`. */
const finding = (value: string, previous: Record<string, number>): Record<string, number> => ({ ...previous, ...weights(value) });

/** Follows a cohort with a progress bar until every subject has ended (or the process is interrupted). */
async function follow(system: JobSystem, id: string, showBar: boolean, signal: AbortSignal): Promise<Cohort> {
  let cohort = await system.cohorts.get(id);
  const bar = showBar ? new SingleBar({ format: 'cohort |{bar}| {value}/{total} subjects  {failed} failed  ETA {eta_formatted}', hideCursor: true }) : undefined;
  bar?.start(cohort.progress.total, 0, { failed: 0 });
  while (!isFinal(cohort.status) && !signal.aborted) {
    await new Promise((r) => setTimeout(r, 500));
    cohort = await system.cohorts.get(id);
    bar?.update(cohort.progress.done + cohort.progress.failed + cohort.progress.canceled, { failed: cohort.progress.failed });
  }
  bar?.stop();
  return cohort;
}

/**
 * `chexgen cohort`: plan and make a cohort on this machine, with the server's job machinery on the same data dir
 * (durable: an interrupted run is finished with --resume), then write its manifest as JSON and CSV.
 */
export function cohortCommand(): Command {
  return new Command('cohort')
    .description('make a synthetic cohort: N subjects drawn from sex/age/view/finding distributions, one study each, and a dataset manifest (research use, not for diagnosis)')
    .option('--size <n>', 'subjects (1 to CHEXGEN_MAX_COHORT_SIZE)', integer)
    .option('--seed <n>', 'seed; subject i is the same in a cohort of any size with this seed (default: random)', integer)
    .option('--sex <weights>', 'relative weights, e.g. F=1,M=1 (default)', weights)
    .option('--age-bands <weights>', 'relative weights of "lo-hi" year bands, e.g. 20-39=1,40-59=1,60-79=1,80-99=1 (default)', weights)
    .option('--view <weights>', 'relative weights, e.g. PA=3,AP=1 (default PA=1)', weights)
    .option('--finding <name=prevalence>', 'prevalence 0-1 of a finding, repeatable: --finding nodule=0.3 --finding cardiomegaly=0.2', finding, {})
    .addOption(new Option('--layout <source>', 'masks from anatomy templates or real annotations (CHEXGEN_LAYOUTS_MANIFEST)').choices([...COHORT_LAYOUTS]))
    .option('--steps <n>', 'sampling steps per image (default: the model\'s)', integer)
    .option('--guidance <scale>', 'guidance scale (default: the model\'s)', Number)
    .option('--sampler <name>', 'dpmpp-2m (default), euler or ddim')
    .option('--pacs <url>', 'store the studies in this PACS (default: CHEXGEN_PACS_URL, else the embedded store in CHEXGEN_DATA_DIR)')
    .option('--out <dir>', 'where manifest.json and manifest.csv go (default: ./cohort-<id>)')
    .option('--export <dir>', 'also write the cohort as a training dataset: NIfTI + PNG images and label maps, a MONAI datalist (dataset.json), MONAI Label\'s local datastore layout (docs/datasets.md)')
    .option('--resume <id>', 'finish a cohort an earlier run left (the other options are then ignored)')
    .option('--no-sheet', 'do not write contact-sheet.png (a picture of every subject with its labels)')
    .option('--json', 'print the cohort as JSON at the end instead of a summary', false)
    .option('--log-level <level>', 'debug, info, warn, error', 'warn')
    .addHelpText('after', `
Examples:
  chexgen cohort --size 200 --seed 7 --view PA=3,AP=1 --finding nodule=0.3 --finding cardiomegaly=0.2
  chexgen cohort --resume 9d7c0d1e-...            # after Ctrl-C or a crash
  chexgen cohort --size 20 --seed 7 --export ds/  # and write it as a training dataset (NIfTI, PNG, MONAI datalist)
Findings: ${COHORT_FINDING_NAMES.join(', ')}. Runs on CHEXGEN_DATA_DIR: stop a server on the same folder first.
`)
    .action(async (opts: Options) => {
      const config = loadConfig(process.env, opts.pacs !== undefined ? { pacsUrl: opts.pacs } : {});
      const logger = createCliLogger(opts.logLevel);
      let id = opts.resume;
      if (id === undefined && opts.size === undefined) throw new ChexgenError('INVALID_FIELD', '--size: required (or --resume <id>)', { field: 'size' });
      // the flags in the wire contract's shape (CohortRequestBody's field names), checked by its schema as for the API
      const body: Partial<Record<keyof CohortRequestBody, unknown>> = {
        size: opts.size, ...(opts.seed !== undefined ? { seed: opts.seed } : {}), ...(opts.sex !== undefined ? { sex: opts.sex } : {}),
        ...(opts.ageBands !== undefined ? { ageBands: opts.ageBands } : {}), ...(opts.view !== undefined ? { view: opts.view } : {}),
        ...(Object.keys(opts.finding).length > 0 ? { findings: opts.finding } : {}), ...(opts.layout !== undefined ? { layout: opts.layout } : {}),
        ...(opts.steps !== undefined ? { steps: opts.steps } : {}), ...(opts.guidance !== undefined ? { guidance: opts.guidance } : {}),
        ...(opts.sampler !== undefined ? { sampler: opts.sampler } : {}),
      };
      const request = id !== undefined ? undefined : parseCohortRequest(body, { maxCohortSize: config.maxCohortSize, maxSteps: config.maxSteps });
      const system = await openJobSystem(config, logger);
      const interrupted = new AbortController();
      const onSignal = (): void => interrupted.abort();
      process.once('SIGINT', onSignal);
      process.once('SIGTERM', onSignal);
      try {
        if (request !== undefined) id = (await system.cohorts.submit(request, null)).cohort.id;
        const cohortId = id ?? '';
        process.stderr.write(`cohort ${cohortId}: ${(await system.cohorts.get(cohortId)).request.size} subjects -> ${system.store.description}\n`);
        const cohort = await follow(system, cohortId, process.stderr.isTTY === true && !opts.json, interrupted.signal);
        const out = resolve(opts.out ?? `cohort-${cohortId}`);
        await mkdir(out, { recursive: true });
        const manifest = await system.cohorts.manifest(cohortId);
        await writeFile(join(out, 'manifest.json'), `${JSON.stringify(manifest, null, 2)}\n`);
        await writeFile(join(out, 'manifest.csv'), cohortManifestCsv(manifest));
        if (opts.sheet && cohort.progress.done > 0) await writeFile(join(out, 'contact-sheet.png'), await (await system.cohorts.contactSheet(cohortId)).png());
        // a dataset of the subjects made so far; `--resume <id> --export <dir>` exports a cohort made earlier
        const datasetDir = opts.export === undefined || cohort.progress.done === 0 ? undefined : resolve(opts.export);
        if (datasetDir !== undefined) {
          const files = await writeDatasetFolder(system.exportDataset(manifest), datasetDir);
          process.stderr.write(`dataset: ${files} files in ${datasetDir} (dataset.json, datastore_v2.json)\n`);
        }
        if (opts.json) process.stdout.write(`${JSON.stringify({ ...manifest.cohort, manifestDir: out, ...(datasetDir !== undefined ? { datasetDir } : {}) })}\n`);
        else process.stdout.write(`cohort ${cohortId} ${cohort.status}: ${cohort.progress.done} made, ${cohort.progress.failed} failed, ${cohort.progress.canceled} canceled; manifest in ${out}\n`);
        if (!isFinal(cohort.status)) {
          throw new ChexgenError('UNAVAILABLE', `interrupted with ${cohort.progress.total - cohort.progress.done - cohort.progress.failed} subjects to go: finish with \`chexgen cohort --resume ${cohortId}\``);
        }
      } finally {
        process.off('SIGINT', onSignal);
        process.off('SIGTERM', onSignal);
        await system.close();
      }
    });
}
