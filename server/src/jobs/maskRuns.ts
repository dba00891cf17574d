import { deflateRawSync, inflateRawSync } from 'node:zlib';
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

/** How many runs {@link encodeMaskRuns} would give for `data`, without building them (to refuse mask bombs first). */
export function countMaskRuns(data: ArrayLike<number>): number {
  let runs = 1;
  let value = 0;
  for (let i = 0; i < data.length; i++) {
    const bit = data[i] > 0.5 ? 1 : 0;
    if (bit !== value) {
      runs++;
      value = bit;
    }
  }
  return runs;
}

/**
 * Run lengths as the job database keeps them: unsigned LEB128 varints, deflated, base64. A JSON array spends 2-8
 * bytes per run; this spends about one before compression, and repetitive masks shrink to almost nothing.
 */
export function packMaskRuns(runs: readonly number[]): string {
  const bytes: number[] = [];
  for (const run of runs) {
    let rest = run;
    while (rest >= 0x80) {
      bytes.push((rest % 0x80) | 0x80);
      rest = Math.floor(rest / 0x80);
    }
    bytes.push(rest);
  }
  return deflateRawSync(Uint8Array.from(bytes)).toString('base64');
}

/** Inverse of {@link packMaskRuns}. */
export function unpackMaskRuns(packed: string): number[] {
  const bytes = inflateRawSync(Buffer.from(packed, 'base64'));
  const runs: number[] = [];
  let value = 0;
  let scale = 1;
  for (const byte of bytes) {
    value += (byte & 0x7f) * scale;
    if (byte & 0x80) scale *= 0x80;
    else {
      runs.push(value);
      value = 0;
      scale = 1;
    }
  }
  return runs;
}

/**
 * The canonical run lengths of a mask given as runs (what encodeMaskRuns(decodeMaskRuns(runs)) gives: zero-length
 * runs merged away, a leading 0-run kept), computed from the runs alone: O(runs), not O(pixels), so a request of
 * 16 full-size masks given as one run each costs nothing to check. Throws INVALID_FIELD at `field` like
 * {@link decodeMaskRuns} when a run is not a non-negative integer or the runs do not cover width x height.
 */
export function normaliseMaskRuns(runs: readonly number[], width: number, height: number, field: string): number[] {
  const total = width * height;
  const out: number[] = [];
  let lastValue = 1; // so that a first 0-run starts the output
  let sum = 0;
  for (let i = 0; i < runs.length; i++) {
    const run = runs[i];
    if (!Number.isInteger(run) || run < 0) {
      throw new ChexgenError('INVALID_FIELD', `${field}[${i}]: runs must be non-negative integers`, { field: `${field}[${i}]` });
    }
    sum += run;
    if (run === 0) continue;
    const value = i % 2;
    if (out.length > 0 && value === lastValue) out[out.length - 1] += run;
    else {
      if (out.length === 0 && value === 1) out.push(0);
      out.push(run);
      lastValue = value;
    }
  }
  if (sum !== total) {
    throw new ChexgenError('INVALID_FIELD', `${field}: the runs cover ${sum} pixels; width x height is ${total}`, { field });
  }
  return out.length === 0 ? [total] : out;
}
