import { describe, expect, it } from 'vitest';
import {
  gaussianVelocity,
  maxAbsDiff,
  reference,
  referenceCase,
  runLoop,
} from '../../../../test/fixtures/schedulers/referenceFixture.js';
import { DdimFlowScheduler } from './DdimFlowScheduler.js';
import { DpmSolverPlusPlus2MFlowScheduler } from './DpmSolverPlusPlus2MFlowScheduler.js';
import { EulerFlowScheduler } from './EulerFlowScheduler.js';

const f32 = (...values: number[]): Float32Array => Float32Array.from(values);

describe('DpmSolverPlusPlus2MFlowScheduler', () => {
  it('when run on the analytic model, then every trajectory matches the Python reference to 1e-6', () => {
    for (const c of reference.cases) {
      const states = runLoop(new DpmSolverPlusPlus2MFlowScheduler({ shift: c.shift }), c.steps);
      states.forEach((x, i) => expect(maxAbsDiff(x, c.trajectories['dpmpp-2m'][i])).toBeLessThan(1e-6));
    }
  });

  it('when run for 10 or 20 steps, then it is closer to the exact ODE solution than Euler', () => {
    for (const shift of [1, 3]) {
      for (const steps of [10, 20]) {
        const exact = referenceCase(shift, steps).exact[steps];
        const dpm = maxAbsDiff(runLoop(new DpmSolverPlusPlus2MFlowScheduler({ shift }), steps)[steps], exact);
        const euler = maxAbsDiff(runLoop(new EulerFlowScheduler({ shift }), steps)[steps], exact);
        expect(dpm).toBeLessThan(euler);
      }
    }
    // Shift 1, 20 steps: about 0.0097 against Euler's 0.127 (reference.json).
    const exact = referenceCase(1, 20).exact[20];
    expect(maxAbsDiff(runLoop(new DpmSolverPlusPlus2MFlowScheduler({ shift: 1 }), 20)[20], exact)).toBeLessThan(0.02);
  });

  it('when taking the first step, then it equals the Euler and DDIM step (first order, DDIM)', () => {
    const sample = Float32Array.from(reference.z);
    const velocity = gaussianVelocity(sample, 1);
    for (const shift of [1, 3]) {
      const schedulers = [
        new DpmSolverPlusPlus2MFlowScheduler({ shift }),
        new EulerFlowScheduler({ shift }),
        new DdimFlowScheduler({ shift }),
      ];
      const results = schedulers.map((s) => {
        s.setTimesteps(20);
        return s.step(velocity, 0, sample);
      });
      expect(maxAbsDiff(results[0], results[1])).toBeLessThan(1e-6);
      expect(maxAbsDiff(results[0], results[2])).toBeLessThan(1e-6);
    }
  });

  it('when the previous step started at t = 1, then the second step has no correction (h_0 = inf)', () => {
    const dpm = new DpmSolverPlusPlus2MFlowScheduler({ shift: 1 });
    const ddim = new DdimFlowScheduler({ shift: 1 });
    dpm.setTimesteps(4);
    ddim.setTimesteps(4);
    dpm.step(f32(1, -2), 0, f32(0.5, 0.25));
    ddim.step(f32(1, -2), 0, f32(0.5, 0.25));
    expect(Array.from(dpm.step(f32(3, 1), 1, f32(2, -1)))).toEqual(Array.from(ddim.step(f32(3, 1), 1, f32(2, -1))));
  });

  it('when taking a second-order step, then x1 = 0.5 x + 0.75 m0 - 0.25 m1 (by hand, grid 1, .75, .5, .25, 0)', () => {
    // Step 2 goes t = 0.5 -> 0.25 after t = 0.75: lambda = -ln 3, 0, ln 3, so h = h_0 = ln 3, r0 = 1,
    // D = 1.5 m0 - 0.5 m1; sigma ratio 0.25 / 0.5 = 0.5; alpha (1 - e^{-h}) = 0.75 (1 - 1/3) = 0.5.
    const scheduler = new DpmSolverPlusPlus2MFlowScheduler({ shift: 1 });
    scheduler.setTimesteps(4);
    scheduler.step(f32(0), 0, f32(0));
    scheduler.step(f32(4), 1, f32(2)); // m1 = 2 - 0.75 * 4 = -1
    const next = scheduler.step(f32(-2), 2, f32(1)); // m0 = 1 - 0.5 * -2 = 2
    expect(next[0]).toBeCloseTo(0.5 * 1 + 0.75 * 2 - 0.25 * -1, 6); // 2.25; Euler would give 1.5
  });

  it('when taking the final step to t = 0, then the result is x0_hat = x - t v (first order)', () => {
    const scheduler = new DpmSolverPlusPlus2MFlowScheduler({ shift: 3 });
    scheduler.setTimesteps(3);
    for (let i = 0; i < 2; i++) scheduler.step(f32(0.3 * i, -1), i, f32(1, 2));
    const t = scheduler.timesteps[2];
    const last = scheduler.step(f32(0.75, -1.5), 2, f32(0.25, 1));
    expect(last[0]).toBeCloseTo(0.25 - t * 0.75, 6);
    expect(last[1]).toBeCloseTo(1 + t * 1.5, 6);
  });

  it('when setTimesteps is called again, then the history is cleared and a loop repeats exactly', () => {
    const scheduler = new DpmSolverPlusPlus2MFlowScheduler({ shift: 1 });
    const first = runLoop(scheduler, 10);
    scheduler.setTimesteps(10);
    scheduler.step(f32(...reference.z.map(() => 5)), 0, Float32Array.from(reference.z)); // partial, unrelated loop
    scheduler.step(f32(...reference.z.map(() => -5)), 1, Float32Array.from(reference.z));
    const second = runLoop(scheduler, 10);
    second.forEach((x, i) => expect(Array.from(x)).toEqual(Array.from(first[i])));
  });
});
