import { describe, expect, it } from 'vitest';
import { reference } from '../../../../test/fixtures/schedulers/referenceFixture.js';
import { MAX_STEPS, flowTimesteps } from './flowTimesteps.js';

describe('flowTimesteps', () => {
  it('when shift is 1, then the grid is uniform from 1 to 0', () => {
    expect(Array.from(flowTimesteps(4, 1))).toEqual([1, 0.75, 0.5, 0.25, 0]);
    expect(Array.from(flowTimesteps(1, 1))).toEqual([1, 0]);
  });

  it('when shift is 3, then t = 3u / (1 + 2u) (by hand: u = 3/4 -> 0.9, 1/2 -> 0.75, 1/4 -> 0.5)', () => {
    const grid = flowTimesteps(4, 3);
    expect(grid).toHaveLength(5);
    expect(grid[0]).toBe(1);
    expect(grid[1]).toBeCloseTo(0.9, 15);
    expect(grid[2]).toBeCloseTo(0.75, 15);
    expect(grid[3]).toBeCloseTo(0.5, 15);
    expect(grid[4]).toBe(0);
  });

  it('when compared with the Python reference, then every grid matches to 1e-15', () => {
    for (const c of reference.cases) {
      const grid = flowTimesteps(c.steps, c.shift);
      expect(grid).toHaveLength(c.steps + 1);
      c.timesteps.forEach((t, i) => expect(Math.abs(grid[i] - t)).toBeLessThanOrEqual(1e-15));
    }
  });

  it('when any n and shift are given, then the grid starts at exactly 1, ends at exactly 0 and decreases', () => {
    for (const shift of [0.5, 1, 3, 7.25]) {
      for (const n of [1, 2, 3, 20, MAX_STEPS]) {
        const grid = flowTimesteps(n, shift);
        expect(grid[0]).toBe(1);
        expect(grid[n]).toBe(0);
        for (let i = 0; i < n; i++) expect(grid[i + 1]).toBeLessThan(grid[i]);
      }
    }
  });

  it('when steps is not an integer from 1 to 1000, then a RangeError names steps and the rule', () => {
    for (const n of [0, -1, 1.5, Number.NaN, Number.POSITIVE_INFINITY, MAX_STEPS + 1]) {
      expect(() => flowTimesteps(n, 1)).toThrow(RangeError);
      expect(() => flowTimesteps(n, 1)).toThrow(/steps must be an integer from 1 to 1000/);
    }
  });

  it('when shift is not a finite positive number, then a RangeError names shift', () => {
    for (const shift of [0, -1, Number.NaN, Number.POSITIVE_INFINITY]) {
      expect(() => flowTimesteps(4, shift)).toThrow(RangeError);
      expect(() => flowTimesteps(4, shift)).toThrow(/shift must be a finite number > 0/);
    }
  });
});
