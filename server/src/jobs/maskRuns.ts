import { ChexgenError } from '../errors.js';
import { encodeRuns } from '../synthesis/generationRecord.js';

/** Run lengths of a binary mask (non-zero = inside): the generation record's layout, so the same encoder. */
export const encodeMaskRuns: (data: Uint8Array) => number[] = encodeRuns;

/**
 * Inverse of {@link encodeMaskRuns}: a width x height mask of 0 and 1. Throws INVALID_FIELD at `field` when a run
 * is not a non-negative integer or the runs do not cover exactly width x height pixels.
 */
export function decodeMaskRuns(runs: readonly number[], width: number, height: number, field: string): Uint8Array {
  const total = width * height;
  const out = new Uint8Array(total);
  let pos = 0;
  for (let i = 0; i < runs.length; i++) {
    const run = runs[i];
    if (!Number.isInteger(run) || run < 0) {
      throw new ChexgenError('INVALID_FIELD', `${field}[${i}]: runs must be non-negative integers`, { field: `${field}[${i}]` });
    }
    if (pos + run > total) break;
    if (i % 2 === 1) out.fill(1, pos, pos + run);
    pos += run;
  }
  const sum = runs.reduce((a, b) => a + b, 0);
  if (sum !== total) {
    throw new ChexgenError('INVALID_FIELD', `${field}: the runs cover ${sum} pixels; width x height is ${total}`, { field });
  }
  return out;
}
