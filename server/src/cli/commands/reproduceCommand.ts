import { existsSync } from 'node:fs';
import { readFile, mkdir } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { Command } from 'commander';
import { loadModel } from '../../composition/loadModel.js';
import { createCliLogger, logCallback } from '../../composition/logging.js';
import { openStore } from '../../composition/openStore.js';
import { loadConfig } from '../../config/loadConfig.js';
import type { GenerationRecord } from '../../dicom/generationRecord.js';
import { parseGenerationRecordFromSr } from '../../dicom/parseGenerationRecordFromSr.js';
import { readPart10 } from '../../dicom/readPart10.js';
import type { NaturalizedDataset } from '../../dicom/WriterContext.js';
import { ChexgenError } from '../../errors.js';
import { generateStudy } from '../../generation/generateStudy.js';
import { planFromRecord } from '../../generation/generationRecord.js';
import { writePng16 } from '../../images/writePng16.js';
import { firstString, TAG, type DicomStore } from '../../pacs/index.js';
import type { GrayImage16 } from '../../synthesis/imageOutput.js';

type Options = { pacs?: string; out?: string; json: boolean; logLevel: string };

/** The 16-bit pixels of a synthetic image dataset. */
function pixelsOf(image: NaturalizedDataset): GrayImage16 {
  const data = image.PixelData;
  const buffer = Array.isArray(data) ? data[0] : data;
  if (!(buffer instanceof ArrayBuffer)) throw new Error('the image has no native PixelData');
  return { width: Number(image.Columns), height: Number(image.Rows), pixels: new Uint16Array(buffer.slice(0)) };
}

/** Finds the SR and the image of a synthetic study in a store. */
async function fromStore(store: DicomStore, studyUid: string): Promise<{ sr: NaturalizedDataset; image: NaturalizedDataset | null }> {
  const instances = await store.searchInstances(studyUid);
  const find = async (modality: string) => {
    for (const series of await store.searchSeries(studyUid)) {
      if (firstString(series, TAG.Modality) !== modality) continue;
      const seriesUid = firstString(series, TAG.SeriesInstanceUID) ?? '';
      const first = instances.find((i) => firstString(i, TAG.SeriesInstanceUID) === seriesUid);
      if (first) return readPart10(await store.retrieveInstance(studyUid, seriesUid, firstString(first, TAG.SOPInstanceUID) ?? ''));
    }
    return null;
  };
  const sr = await find('SR');
  if (sr === null) throw new ChexgenError('PACS_NOT_FOUND', `study ${studyUid}: no SR with a chexgen generation record`, { field: 'source' });
  return { sr, image: await find('DX') };
}

async function run(source: string, opts: Options): Promise<void> {
  const config = loadConfig(process.env, opts.pacs !== undefined ? { pacsUrl: opts.pacs } : {});
  const logger = createCliLogger(opts.logLevel);
  let sr: NaturalizedDataset;
  let original: NaturalizedDataset | null = null;
  if (existsSync(source)) {
    sr = readPart10(new Uint8Array(await readFile(source)));
    const imagePath = join(dirname(resolve(source)), 'image.dcm'); // the layout `synthesize --format dicom` writes
    if (existsSync(imagePath)) original = readPart10(new Uint8Array(await readFile(imagePath)));
  } else if (/^[0-9.]{1,64}$/.test(source)) {
    const { store } = await openStore(config, logCallback(logger));
    ({ sr, image: original } = await fromStore(store, source));
  } else {
    throw new ChexgenError('INVALID_FIELD', `source: "${source}" is neither a file nor a StudyInstanceUID`, { field: 'source' });
  }
  const record: GenerationRecord | null = parseGenerationRecordFromSr(sr);
  if (record === null) throw new ChexgenError('INVALID_FIELD', 'source: the SR holds no chexgen generation record', { field: 'source' });
  const model = await loadModel(config, logCallback(logger), record.model.name);
  try {
    const size = record.resampling ? { width: record.resampling.to[0], height: record.resampling.to[1] } : undefined;
    const { image } = await generateStudy(model, planFromRecord(record, model.manifest), 0, { size });
    let identical: boolean | null = null;
    if (original !== null) {
      const before = pixelsOf(original);
      identical = before.width === image.width && before.height === image.height
        && Buffer.from(before.pixels.buffer).equals(Buffer.from(image.pixels.buffer, image.pixels.byteOffset, image.pixels.byteLength));
    }
    let file: string | null = null;
    if (opts.out) {
      await mkdir(resolve(opts.out), { recursive: true });
      file = join(resolve(opts.out), `reproduced-${record.seed}.png`);
      await writePng16(image, file);
    }
    const summary = { model: record.model.name, seed: record.seed, steps: record.steps, sampler: record.sampler, prompt: record.prompt, compared: original !== null, identical, file };
    process.stdout.write(opts.json ? `${JSON.stringify(summary)}\n`
      : `${identical === null ? 'regenerated (no original image found to compare)' : identical ? 'identical pixels' : 'PIXELS DIFFER'}: seed ${record.seed}, ${record.steps} steps, ${record.sampler}${file ? `, wrote ${file}` : ''}\n`);
    if (identical === false) throw new ChexgenError('MODEL_INVALID', 'the regenerated pixels differ from the stored image (another machine or onnxruntime build?)');
  } finally {
    await model.runtime.dispose();
  }
}

/** `chexgen reproduce`: regenerate an image from the generation record in its SR and compare the pixels. */
export function reproduceCommand(): Command {
  return new Command('reproduce')
    .description('regenerate a synthetic image from its SR (a file, or a StudyInstanceUID in the configured store) and compare pixels')
    .argument('<source>', 'an sr.dcm written by `synthesize --format dicom`, or the StudyInstanceUID of a synthetic study')
    .option('--pacs <url>', 'look the study up in this PACS (default: CHEXGEN_PACS_URL, else the embedded store)')
    .option('--out <dir>', 'also write the regenerated image as a 16-bit PNG')
    .option('--json', 'print a JSON summary', false)
    .option('--log-level <level>', 'log level on stderr', 'warn')
    .action(run);
}
