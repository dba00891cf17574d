import { describe, expect, it } from 'vitest';
import { maxAbsDiff, reference, runLoop } from '../../../../test/fixtures/schedulers/referenceFixture.js';
import { DdimFlowScheduler } from './DdimFlowScheduler.js';
import { EulerFlowScheduler } from './EulerFlowScheduler.js';

describe('DdimFlowScheduler', () => {
  it('when stepping once, then (1 - t1) x0_hat + t1 eps_hat (by hand: t = 0.75 -> 0.5)', () => {
    const scheduler = new DdimFlowScheduler({ shift: 1 });
    scheduler.setTimesteps(4);
    scheduler.step(Float32Array.of(0), 0, Float32Array.of(0));
    // x = 2, v = 4: x0_hat = 2 - 0.75 * 4 = -1, eps_hat = 2 + 0.25 * 4 = 3, next = 0.5 * -1 + 0.5 * 3 = 1.
    expect(Array.from(scheduler.step(Float32Array.of(4), 1, Float32Array.of(2)))).toEqual([1]);
  });

  it('when run on the analytic model, then every trajectory matches the Python reference to 1e-6', () => {
    for (const c of reference.cases) {
      const states = runLoop(new DdimFlowScheduler({ shift: c.shift }), c.steps);
      states.forEach((x, i) => expect(maxAbsDiff(x, c.trajectories.ddim[i])).toBeLessThan(1e-6));
    }
  });

  it('when given the same inputs as Euler, then every step agrees to float32 rounding (same update)', () => {
    const sample = Float32Array.from({ length: 64 }, (_, k) => Math.sin(k * 1.7) * 3);
    const velocity = Float32Array.from({ length: 64 }, (_, k) => Math.cos(k * 0.9) * 2 - 0.5);
    for (const shift of [1, 3]) {
      const ddim = new DdimFlowScheduler({ shift });
      const euler = new EulerFlowScheduler({ shift });
      ddim.setTimesteps(20);
      euler.setTimesteps(20);
      for (let i = 0; i < 20; i++) {
        const a = ddim.step(velocity, i, sample);
        const b = euler.step(velocity, i, sample);
        for (let k = 0; k < a.length; k++) {
          expect(Math.abs(a[k] - b[k])).toBeLessThanOrEqual(1e-6 * Math.max(1, Math.abs(b[k])));
        }
      }
    }
  });

  it('when run as a full loop, then it matches the Euler loop to 1e-6', () => {
    for (const shift of [1, 3]) {
      const ddim = runLoop(new DdimFlowScheduler({ shift }), 20);
      const euler = runLoop(new EulerFlowScheduler({ shift }), 20);
      ddim.forEach((x, i) => expect(maxAbsDiff(x, euler[i])).toBeLessThan(1e-6));
    }
  });
});
