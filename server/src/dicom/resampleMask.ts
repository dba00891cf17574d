import type { LabeledMask } from './masksFromRecord.js';

/**
 * Nearest-neighbour resampling by pixel centres (the rule conditioning.ts uses): output pixel (r, c) takes source
 * pixel (floor((r + 0.5) * h / rows), floor((c + 0.5) * w / columns)). Returns {0,1} values; the same mask
 * (copied to {0,1}) when the size already matches.
 */
export function resampleMask(mask: LabeledMask, rows: number, columns: number): Uint8Array {
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
