import { describe, expect, it } from 'vitest';
import { packRuns, unpackRuns } from './packRuns.js';

describe('packRuns', () => {
  it('when runs are packed for the job database, then they come back the same and a checkerboard takes a few bytes', () => {
    const lung = [0, ...Array.from({ length: 400 }, (_, i) => 100 + (i % 7) * 300)];
    expect(unpackRuns(packRuns(lung))).toEqual(lung);
    expect(unpackRuns(packRuns([0]))).toEqual([0]);
    expect(unpackRuns(packRuns([2 ** 32, 5]))).toEqual([2 ** 32, 5]);
    const checkerboard = Array.from({ length: 100_000 }, () => 1);
    expect(packRuns(checkerboard).length).toBeLessThan(1_000);
    expect(JSON.stringify(checkerboard).length).toBeGreaterThan(190_000);
  });
});
