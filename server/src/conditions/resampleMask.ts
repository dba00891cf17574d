import type { BinaryMask } from './conditionTypes.js';

/**
 * Nearest-neighbour resampling by pixel centres, the one rule for masks of any size (condition planes, SEG frames):
 * output pixel (r, c) takes source pixel (floor((r + 0.5) * height / rows), floor((c + 0.5) * width / columns)).
 * Returns {0,1} values (non-zero = inside); a copy in {0,1} when the size already matches.
 */
export function resampleMask(mask: BinaryMask, rows: number, columns: number): Uint8Array {
  const { width, height, data } = mask;
  if (data.length !== width * height) throw new Error(`resampleMask: ${data.length} pixels for ${width}x${height}`);
  const out = new Uint8Array(rows * columns);
  for (let r = 0; r < rows; r++) {
    const sr = Math.min(height - 1, Math.floor(((r + 0.5) * height) / rows));
    for (let c = 0; c < columns; c++) {
      const sc = Math.min(width - 1, Math.floor(((c + 0.5) * width) / columns));
      out[r * columns + c] = data[sr * width + sc] !== 0 ? 1 : 0;
    }
  }
  return out;
}
