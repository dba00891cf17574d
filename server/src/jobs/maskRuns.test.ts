import { describe, expect, it } from 'vitest';
import { ChexgenError } from '../errors.js';
import { countMaskRuns, decodeMaskRuns, encodeMaskRuns, normaliseMaskRuns, packMaskRuns, unpackMaskRuns } from './maskRuns.js';

describe('maskRuns', () => {
  it('when a mask is encoded and decoded, then it comes back as 0/1 with the same shape', () => {
    const mask = new Uint8Array([255, 255, 0, 0, 7, 0, 0, 0, 1]);
    const runs = encodeMaskRuns(mask);
    expect(runs).toEqual([0, 2, 2, 1, 3, 1]);
    expect([...decodeMaskRuns(runs, 3, 3, 'm')]).toEqual([1, 1, 0, 0, 1, 0, 0, 0, 1]);
    expect(encodeMaskRuns(new Uint8Array(4))).toEqual([4]);
  });

  it('when runs do not add up or are not integers, then the error names the field', () => {
    expect(() => decodeMaskRuns([1, 2], 2, 2, 'masks[0].rle')).toThrow(/masks\[0\]\.rle: the runs cover 3 pixels; width x height is 4/);
    expect(() => decodeMaskRuns([1, -1, 4], 2, 2, 'masks[0].rle')).toThrow(ChexgenError);
    expect(() => decodeMaskRuns([1.5, 2.5], 2, 2, 'masks[1].rle')).toThrow(/masks\[1\]\.rle\[0\]/);
    expect(() => decodeMaskRuns([1e12, 1], 2, 2, 'r')).toThrow(/cover/);
  });

  it('when runs are counted without encoding, then the count equals the length encodeMaskRuns gives', () => {
    for (const mask of [[1, 1, 0, 0, 7, 0, 0, 0, 1], [0, 0, 0], [1], [], [0, 1, 0, 1, 0, 1]]) {
      expect(countMaskRuns(new Uint8Array(mask))).toBe(encodeMaskRuns(new Uint8Array(mask)).length);
    }
  });

  it('when runs are packed for the job database, then they come back the same and a checkerboard takes a few bytes', () => {
    const lung = [0, ...Array.from({ length: 400 }, (_, i) => 100 + (i % 7) * 300)];
    expect(unpackMaskRuns(packMaskRuns(lung))).toEqual(lung);
    expect(unpackMaskRuns(packMaskRuns([0]))).toEqual([0]);
    expect(unpackMaskRuns(packMaskRuns([2 ** 32, 5]))).toEqual([2 ** 32, 5]);
    const checkerboard = Array.from({ length: 100_000 }, () => 1);
    expect(packMaskRuns(checkerboard).length).toBeLessThan(1_000);
    expect(JSON.stringify(checkerboard).length).toBeGreaterThan(190_000);
  });

  it('when runs are normalised from the runs alone, then they equal encoding the decoded mask, for every run list', () => {
    let seed = 3;
    const random = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
    for (let trial = 0; trial < 2000; trial++) {
      const runs = Array.from({ length: Math.floor(random() * 8) }, () => Math.floor(random() * 3));
      const total = runs.reduce((a, b) => a + b, 0);
      if (total === 0) continue;
      expect(normaliseMaskRuns(runs, total, 1, 'm'), JSON.stringify(runs)).toEqual(encodeMaskRuns(decodeMaskRuns(runs, total, 1, 'm')));
    }
    expect(() => normaliseMaskRuns([1, 2], 2, 2, 'masks[0].rle')).toThrow(/masks\[0\]\.rle: the runs cover 3 pixels; width x height is 4/);
    expect(() => normaliseMaskRuns([1.5, 2.5], 2, 2, 'masks[1].rle')).toThrow(/masks\[1\]\.rle\[0\]/);
  });
});
