import { describe, expect, it } from 'vitest';
import { decodeRuns, encodeRuns } from './generationRecord.js';

describe('run-length encoding of condition planes', () => {
  it('when a plane is encoded, then decoding restores it exactly and runs start with zeros', () => {
    const plane = new Float32Array([1, 1, 0, 0, 0, 1, 0, 1, 1, 1]);
    const runs = encodeRuns(plane);
    expect(runs).toEqual([0, 2, 3, 1, 1, 3]);
    expect(decodeRuns(runs, plane.length)).toEqual(plane);
    expect(encodeRuns(new Float32Array(5))).toEqual([5]);
  });

  it('when runs do not cover the plane, then decoding throws', () => {
    expect(() => decodeRuns([2, 2], 5)).toThrow(/cover 4 pixels, expected 5/);
  });
});
