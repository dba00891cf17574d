import { ChexgenError } from '../errors.js';

/**
 * The one run-length codec of binary masks and condition planes, row-major: alternating runs of "outside" and
 * "inside", starting with an outside run that may be 0 long; the runs add up to the pixel count. It is the wire
 * form of `masks[].rle` (docs/api.md), the job database's form of masks, and the generation record's form of the
 * condition planes. Pure and free of Node APIs: the OHIF extension encodes its labelmaps with it too.
 */

/** A pixel value is inside when it is above 0.5: {0,1} floats and 0/255 bytes alike. */
const aboveHalf = (value: number): boolean => value > 0.5;

/** Run lengths of `data`; `inside` says which values are inside (default: above 0.5). */
export function encodeRuns(data: ArrayLike<number>, inside: (value: number) => boolean = aboveHalf): number[] {
  const runs: number[] = [];
  let current = false;
  let length = 0;
  for (let i = 0; i < data.length; i++) {
    const on = inside(data[i]);
    if (on === current) length++;
    else {
      runs.push(length);
      current = on;
      length = 1;
    }
  }
  runs.push(length);
  return runs;
}

/** A run must be a non-negative integer; INVALID_FIELD at `field[i]` otherwise. */
function checkRun(run: number, i: number, field: string): void {
  if (!Number.isInteger(run) || run < 0) {
    throw new ChexgenError('INVALID_FIELD', `${field}[${i}]: runs must be non-negative integers`, { field: `${field}[${i}]` });
  }
}

/** The runs must cover exactly the pixels; INVALID_FIELD at `field` otherwise. */
function checkCoverage(sum: number, pixels: number, field: string): void {
  if (sum !== pixels) {
    throw new ChexgenError('INVALID_FIELD', `${field}: the runs cover ${sum} pixels; width x height is ${pixels}`, { field });
  }
}

/**
 * Inverse of {@link encodeRuns}: `pixels` values of 0 and 1. Throws INVALID_FIELD at `field` when a run is not a
 * non-negative integer or the runs do not cover exactly `pixels` pixels.
 */
export function decodeRuns(runs: readonly number[], pixels: number, field: string): Uint8Array {
  const out = new Uint8Array(pixels);
  let pos = 0;
  let sum = 0;
  for (let i = 0; i < runs.length; i++) {
    const run = runs[i];
    checkRun(run, i, field);
    sum += run;
    if (pos + run > pixels) continue; // too long: refused below, without writing past the end
    if (i % 2 === 1) out.fill(1, pos, pos + run);
    pos += run;
  }
  checkCoverage(sum, pixels, field);
  return out;
}

/** How many runs {@link encodeRuns} would give for `data`, without building them (to refuse mask bombs first). */
export function countRuns(data: ArrayLike<number>): number {
  let runs = 1;
  let current = false;
  for (let i = 0; i < data.length; i++) {
    const on = aboveHalf(data[i]);
    if (on !== current) {
      runs++;
      current = on;
    }
  }
  return runs;
}

/**
 * The canonical run lengths of a mask given as runs (what encodeRuns(decodeRuns(runs)) gives: zero-length runs
 * merged away, a leading 0-run kept), computed from the runs alone: O(runs), not O(pixels), so a request of 16
 * full-size masks given as one run each costs nothing to check. Throws INVALID_FIELD at `field` like
 * {@link decodeRuns}.
 */
export function normaliseRuns(runs: readonly number[], pixels: number, field: string): number[] {
  const out: number[] = [];
  let lastValue = 1; // so that a first 0-run starts the output
  let sum = 0;
  for (let i = 0; i < runs.length; i++) {
    const run = runs[i];
    checkRun(run, i, field);
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
  checkCoverage(sum, pixels, field);
  return out.length === 0 ? [pixels] : out;
}

/** How many pixels the runs mark inside (the sum of the odd runs). */
export function insidePixels(runs: readonly number[]): number {
  let inside = 0;
  for (let i = 1; i < runs.length; i += 2) inside += runs[i];
  return inside;
}
