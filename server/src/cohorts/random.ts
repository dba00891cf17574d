/**
 * A small seeded generator for cohort planning (mulberry32). Not for cryptography: it only has to give every subject
 * the same draws on every machine and every run, which Math.random cannot.
 */
export type Random = () => number;

/** A generator of floats in [0, 1) from a 32-bit seed. */
export function mulberry32(seed: number): Random {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * The generator of subject `index` of a cohort seeded with `seed`. Each subject has its own stream, so subject i is
 * the same whatever the cohort size: a cohort of 200 starts with the 100 subjects of the same seed's cohort of 100.
 */
export function subjectRandom(seed: number, index: number): Random {
  let h = Math.imul((seed >>> 0) ^ 0x9e3779b9, 0x85ebca6b) ^ Math.imul(index + 1, 0xc2b2ae35);
  h ^= h >>> 16;
  h = Math.imul(h, 0x7feb352d);
  h ^= h >>> 15;
  return mulberry32(h >>> 0);
}

/** A key drawn with probability proportional to its weight (weights >= 0, at least one > 0). */
export function pickWeighted<K extends string>(random: Random, weights: Readonly<Record<K, number>>): K {
  const entries = Object.entries(weights) as [K, number][];
  const total = entries.reduce((sum, [, w]) => sum + w, 0);
  let r = random() * total;
  for (const [key, w] of entries) {
    if (w <= 0) continue;
    if (r < w) return key;
    r -= w;
  }
  const last = entries.filter(([, w]) => w > 0).at(-1);
  if (last === undefined) throw new RangeError('pickWeighted: no positive weight');
  return last[0];
}

/** An integer in [lo, hi]. */
export function uniformInt(random: Random, lo: number, hi: number): number {
  return lo + Math.floor(random() * (hi - lo + 1));
}

/** One element of a non-empty list. */
export function pickOne<T>(random: Random, items: readonly T[]): T {
  const item = items[Math.floor(random() * items.length)];
  if (item === undefined) throw new RangeError('pickOne: empty list');
  return item;
}

/** A standard normal draw (Box-Muller). */
export function normal(random: Random): number {
  const u = Math.max(random(), 1e-12);
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * random());
}
