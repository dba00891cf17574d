import { normaliseLabel } from '../conditions/conditionLabels.js';
import type { BinaryMask, RunLengthMask } from '../conditions/conditionTypes.js';
import { countRuns, encodeRuns, normaliseRuns } from '../conditions/runLength.js';
import { ChexgenError } from '../errors.js';
import { decodeMaskPng } from '../images/decodeMaskPng.js';
import type { MaskSource, RequestLimits } from '../synthesis/synthesisRequest.js';

/** A request's mask in its one stored form; `source: 'seg'` marks pixels read from a SEG in the store (perhaps a patient's). */
export type ResolvedMask = RunLengthMask & { source?: 'seg' };

/**
 * Reads the masks of a SEG in the store (server/src/pacs/readStudySegmentation.ts, bound to the configured store by
 * the composition root); errors name `field`.
 */
export type ReadSegmentation = (studyUid: string, seriesUid: string | undefined, field: string) => Promise<BinaryMask[]>;

/** The limits resolving is held to. */
export type MaskLimits = Pick<RequestLimits, 'maxMasks' | 'maxMaskPixels' | 'maxMaskRuns' | 'maxRequestMaskPixels'>;

function limit(max: number, env: string): string {
  return `must be at most ${max} (${env})`;
}

/**
 * What the masks of one request may cost: each at most CHEXGEN_MAX_MASK_RUNS runs (counted before they are built, so
 * a checkerboard PNG of a few KB cannot become millions of runs in memory and in jobs.sqlite), all together at most
 * CHEXGEN_MAX_REQUEST_MASK_PIXELS decoded pixels.
 */
function maskBudget(limits: MaskLimits) {
  let pixels = 0;
  const reserve = (more: number, field: string): void => {
    pixels += more;
    if (pixels > limits.maxRequestMaskPixels) {
      throw new ChexgenError('INVALID_FIELD', `${field}: the masks so far add up to ${pixels} pixels; a request may have at most ${limits.maxRequestMaskPixels} (CHEXGEN_MAX_REQUEST_MASK_PIXELS)`, { field, status: 400 });
    }
  };
  return {
    reserve,
    /** A decoded mask, counted against the budget, as run lengths. */
    take(mask: BinaryMask, field: string): RunLengthMask {
      reserve(mask.width * mask.height, field);
      const runs = countRuns(mask.data);
      if (runs > limits.maxMaskRuns) {
        throw new ChexgenError('INVALID_FIELD', `${field}: the mask has ${runs} runs (changes between inside and outside); at most ${limits.maxMaskRuns} (CHEXGEN_MAX_MASK_RUNS)`, { field, status: 400 });
      }
      return { label: mask.label, width: mask.width, height: mask.height, rle: encodeRuns(mask.data) };
    },
  };
}

/** The masks of a `{ seg }` source: every segment the model knows, or only the one named by `label`. */
async function segMasks(source: Extract<MaskSource, { kind: 'seg' }>, field: string, readSegmentation: ReadSegmentation | undefined): Promise<BinaryMask[]> {
  if (readSegmentation === undefined) {
    throw new ChexgenError('INVALID_FIELD', `${field}: this server has no store to read a SEG from`, { field, status: 400 });
  }
  const found = await readSegmentation(source.StudyInstanceUID, source.SeriesInstanceUID, field);
  const { label } = source;
  const chosen = label === undefined ? found : found.filter((m) => normaliseLabel(m.label) === normaliseLabel(label));
  if (chosen.length === 0) {
    throw new ChexgenError('INVALID_FIELD', `${field}: the SEG has no segment "${label ?? ''}" (it has ${found.map((m) => m.label).join(', ') || 'none we know'})`, { field, status: 400 });
  }
  return chosen;
}

/**
 * Brings a validated request's masks to their one stored form, run lengths: PNGs decoded (one decoder, sizes checked
 * before decoding), run lengths made canonical from the runs alone (never decoded here), SEGs read from the store
 * through `readSegmentation`. Holds the masks to `limits` as a whole (pixels, runs, count with the SEG segments).
 * Throws INVALID_FIELD naming `masks[i]...`; PACS_NOT_FOUND (422) for a study without such a SEG.
 */
export async function resolveMasks(sources: readonly MaskSource[], limits: MaskLimits, readSegmentation?: ReadSegmentation): Promise<ResolvedMask[]> {
  const resolved: ResolvedMask[] = [];
  const budget = maskBudget(limits);
  for (const [i, source] of sources.entries()) {
    if (source.kind === 'seg') {
      const field = `masks[${i}].seg`;
      // marked, so that these pixels (perhaps a patient's) can be purged after CHEXGEN_SEG_MASK_RETENTION_DAYS
      resolved.push(...(await segMasks(source, field, readSegmentation)).map((mask) => ({ ...budget.take(mask, field), source: 'seg' as const })));
    } else if (source.kind === 'png') {
      const field = `masks[${i}].png`;
      const decoded = await decodeMaskPng(source.png, limits.maxMaskPixels, field);
      resolved.push(budget.take({ label: source.label, ...decoded }, field));
    } else {
      const { width, height } = source;
      budget.reserve(width * height, `masks[${i}]`);
      resolved.push({ label: source.label, width, height, rle: normaliseRuns(source.rle, width * height, `masks[${i}].rle`) });
    }
  }
  if (resolved.length > limits.maxMasks) {
    throw new ChexgenError('INVALID_FIELD', `masks: ${resolved.length} masks with the SEG segments ${limit(limits.maxMasks, 'CHEXGEN_MAX_MASKS')}`, { field: 'masks', status: 400 });
  }
  return resolved;
}
