import { deflateRawSync, inflateRawSync } from 'node:zlib';

/**
 * Run lengths (server/src/conditions/runLength.ts) as the job database keeps them: unsigned LEB128 varints,
 * deflated, base64. A JSON array spends 2-8 bytes per run; this spends about one before compression, and
 * repetitive masks shrink to almost nothing.
 */
export function packRuns(runs: readonly number[]): string {
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

/** Inverse of {@link packRuns}. */
export function unpackRuns(packed: string): number[] {
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
