import { describe, expect, it } from 'vitest';
import { ChexgenError } from '../errors.js';
import { countRuns, decodeRuns, encodeRuns, insidePixels, normaliseRuns } from './runLength.js';

describe('run-length codec', () => {
  it('when a plane is encoded, then decoding restores it exactly and runs start with zeros', () => {
    const plane = new Float32Array([1, 1, 0, 0, 0, 1, 0, 1, 1, 1]);
    const runs = encodeRuns(plane);
    expect(runs).toEqual([0, 2, 3, 1, 1, 3]);
    expect(Float32Array.from(decodeRuns(runs, plane.length, 'planes'))).toEqual(plane);
    expect(encodeRuns(new Float32Array(5))).toEqual([5]);
    expect(insidePixels(runs)).toBe(6);
  });

  it('when runs do not cover the plane, then decoding throws naming the field', () => {
    expect(() => decodeRuns([2, 2], 5, 'planes.channels[3].runs')).toThrow(/planes\.channels\[3\]\.runs: the runs cover 4 pixels; width x height is 5/);
  });

  it('when a mask is encoded and decoded, then it comes back as 0/1 with the same shape', () => {
    const mask = new Uint8Array([255, 255, 0, 0, 7, 0, 0, 0, 1]);
    const runs = encodeRuns(mask);
    expect(runs).toEqual([0, 2, 2, 1, 3, 1]);
    expect([...decodeRuns(runs, 9, 'm')]).toEqual([1, 1, 0, 0, 1, 0, 0, 0, 1]);
    expect(encodeRuns(new Uint8Array(4))).toEqual([4]);
    expect(encodeRuns([0, 2, 1, 2, 2], (v) => v === 2)).toEqual([1, 1, 1, 2]); // one segment of a labelmap
  });

  it('when runs do not add up or are not integers, then the error names the field', () => {
    expect(() => decodeRuns([1, 2], 4, 'masks[0].rle')).toThrow(/masks\[0\]\.rle: the runs cover 3 pixels; width x height is 4/);
    expect(() => decodeRuns([1, -1, 4], 4, 'masks[0].rle')).toThrow(ChexgenError);
    expect(() => decodeRuns([1.5, 2.5], 4, 'masks[1].rle')).toThrow(/masks\[1\]\.rle\[0\]/);
    expect(() => decodeRuns([1e12, 1], 4, 'r')).toThrow(/cover/);
  });

  it('when runs are counted without encoding, then the count equals the length encodeRuns gives', () => {
    for (const mask of [[1, 1, 0, 0, 7, 0, 0, 0, 1], [0, 0, 0], [1], [], [0, 1, 0, 1, 0, 1]]) {
      expect(countRuns(new Uint8Array(mask))).toBe(encodeRuns(new Uint8Array(mask)).length);
    }
  });

  it('when runs are normalised from the runs alone, then they equal encoding the decoded mask, for every run list', () => {
    let seed = 3;
    const random = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
    for (let trial = 0; trial < 2000; trial++) {
      const runs = Array.from({ length: Math.floor(random() * 8) }, () => Math.floor(random() * 3));
      const total = runs.reduce((a, b) => a + b, 0);
      if (total === 0) continue;
      expect(normaliseRuns(runs, total, 'm'), JSON.stringify(runs)).toEqual(encodeRuns(decodeRuns(runs, total, 'm')));
    }
    expect(() => normaliseRuns([1, 2], 4, 'masks[0].rle')).toThrow(/masks\[0\]\.rle: the runs cover 3 pixels; width x height is 4/);
    expect(() => normaliseRuns([1.5, 2.5], 4, 'masks[1].rle')).toThrow(/masks\[1\]\.rle\[0\]/);
  });
});
