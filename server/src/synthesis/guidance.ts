/**
 * Classifier-free guidance (Ho & Salimans 2022) with separate text and spatial scales (as in InstructPix2Pix,
 * Brooks et al. 2023, eq. 3): v = v_none + s (v_spatial - v_none) + g (v_full - v_spatial).
 * With one scale (s = g) it reduces to v_none + g (v_full - v_none), needing only the `full` and `none` passes.
 */
export type GuidancePasses = 'full' | 'spatial' | 'none';

/** Which batch rows a step needs: two when the scales are equal or nothing spatial is given, else three. */
export function guidancePasses(textScale: number, spatialScale: number, hasSpatial: boolean): GuidancePasses[] {
  return hasSpatial && spatialScale !== textScale ? ['full', 'spatial', 'none'] : ['full', 'none'];
}

/** Combines per-pass velocities (each `n` values, laid out in `passes` order inside `batch`). */
export function combineGuidance(
  batch: Float32Array,
  passes: GuidancePasses[],
  textScale: number,
  spatialScale: number,
): Float32Array {
  const n = batch.length / passes.length;
  const full = batch.subarray(0, n);
  const none = batch.subarray((passes.length - 1) * n);
  const out = new Float32Array(n);
  if (passes.length === 2) {
    for (let i = 0; i < n; i++) out[i] = none[i] + textScale * (full[i] - none[i]);
    return out;
  }
  const spatial = batch.subarray(n, 2 * n);
  for (let i = 0; i < n; i++) {
    out[i] = none[i] + spatialScale * (spatial[i] - none[i]) + textScale * (full[i] - spatial[i]);
  }
  return out;
}
