import { encodeRuns, insidePixels } from '../contract';

/**
 * Run-length code of the pixels of `data` equal to `value` (one segment of a labelmap), with the count of pixels
 * inside. The codec is the server's own (server/src/conditions/runLength.ts, pure and free of Node APIs), bundled
 * here so the panel sends exactly the form `masks[].rle` takes (docs/api.md).
 */
export function encodeRle(data: ArrayLike<number>, value: number): { rle: number[]; inside: number } {
  const rle = encodeRuns(data, (pixel) => pixel === value);
  return { rle, inside: insidePixels(rle) };
}
