import { describe, expect, it } from 'vitest';
import { maxAbsDiff, reference, runLoop } from '../../../../test/fixtures/schedulers/referenceFixture.js';
import { EulerFlowScheduler } from './EulerFlowScheduler.js';

describe('EulerFlowScheduler', () => {
  it('when stepping once on a 4-step grid, then x + (t1 - t0) v (by hand: dt = -0.25)', () => {
    const scheduler = new EulerFlowScheduler({ shift: 1 });
    scheduler.setTimesteps(4);
    const next = scheduler.step(Float32Array.of(0.5, -1, 0), 0, Float32Array.of(1, 2, -3));
    expect(Array.from(next)).toEqual([0.875, 2.25, -3]);
  });

  it('when run on the analytic model, then every trajectory matches the Python reference to 1e-6', () => {
    for (const c of reference.cases) {
      const states = runLoop(new EulerFlowScheduler({ shift: c.shift }), c.steps);
      states.forEach((x, i) => expect(maxAbsDiff(x, c.trajectories.euler[i])).toBeLessThan(1e-6));
    }
  });

  it('when the step count doubles, then the error against the exact solution about halves (first order)', () => {
    for (const shift of [1, 3]) {
      const error = (steps: number): number => {
        const c = reference.cases.find((r) => r.shift === shift && r.steps === steps);
        if (c === undefined) throw new Error('missing case');
        return maxAbsDiff(runLoop(new EulerFlowScheduler({ shift }), steps)[steps], c.exact[steps]);
      };
      const ratio = error(10) / error(20);
      expect(ratio).toBeGreaterThan(1.7);
      expect(ratio).toBeLessThan(2.3);
    }
  });
});
