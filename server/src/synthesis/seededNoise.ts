/**
 * Deterministic standard-normal noise from a seed: SplitMix64 (Steele et al. 2014) for uniform 53-bit doubles,
 * Box-Muller for normals. Pure integer/IEEE arithmetic, so the same seed gives the same bits on every machine.
 */
export function seededNormal(seed: number, length: number): Float32Array {
  if (!Number.isSafeInteger(seed) || seed < 0) throw new RangeError(`seed=${seed}: must be a non-negative safe integer`);
  let state = BigInt(seed) ^ 0x9e3779b97f4a7c15n;
  const mask = (1n << 64n) - 1n;
  const nextUniform = (): number => {
    state = (state + 0x9e3779b97f4a7c15n) & mask;
    let z = state;
    z = ((z ^ (z >> 30n)) * 0xbf58476d1ce4e5b9n) & mask;
    z = ((z ^ (z >> 27n)) * 0x94d049bb133111ebn) & mask;
    z ^= z >> 31n;
    return (Number(z >> 11n) + 0.5) / 2 ** 53; // (0, 1): never 0, so log() is finite
  };
  const out = new Float32Array(length);
  for (let i = 0; i < length; i += 2) {
    const r = Math.sqrt(-2 * Math.log(nextUniform()));
    const theta = 2 * Math.PI * nextUniform();
    out[i] = r * Math.cos(theta);
    if (i + 1 < length) out[i + 1] = r * Math.sin(theta);
  }
  return out;
}
