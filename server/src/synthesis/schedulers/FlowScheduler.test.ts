import { describe, expect, it } from 'vitest';
import { reference, runLoop } from '../../../../test/fixtures/schedulers/referenceFixture.js';
import { DdimFlowScheduler } from './DdimFlowScheduler.js';
import { DpmSolverPlusPlus2MFlowScheduler } from './DpmSolverPlusPlus2MFlowScheduler.js';
import { EulerFlowScheduler } from './EulerFlowScheduler.js';
import type { FlowScheduleConfig } from './FlowScheduler.js';

// The FlowScheduler contract, checked for every implementation.
const IMPLEMENTATIONS = [EulerFlowScheduler, DdimFlowScheduler, DpmSolverPlusPlus2MFlowScheduler].map((Scheduler) => ({
  name: Scheduler.name,
  Scheduler,
}));

describe.each(IMPLEMENTATIONS)('$name (FlowScheduler contract)', ({ Scheduler }) => {
  const make = (config: FlowScheduleConfig = { shift: 3 }) => new Scheduler(config);
  const x = Float32Array.of(0.5, -1, 2);
  const v = Float32Array.of(1, 0.25, -3);

  it('when its config goes through JSON, then the copy has the same config and grid', () => {
    const original = make({ shift: 3 });
    const copy = new Scheduler(JSON.parse(JSON.stringify(original.config)) as FlowScheduleConfig);
    expect(copy.config).toEqual({ shift: 3 });
    original.setTimesteps(7);
    copy.setTimesteps(7);
    expect(Array.from(copy.timesteps)).toEqual(Array.from(original.timesteps));
  });

  it('when constructed, then the grid is empty until setTimesteps(n) gives n + 1 values', () => {
    const scheduler = make();
    expect(scheduler.timesteps).toHaveLength(0);
    scheduler.setTimesteps(5);
    expect(scheduler.timesteps).toHaveLength(6);
  });

  it('when the same loop runs twice, then the outputs are identical', () => {
    const a = runLoop(make(), 20);
    const b = runLoop(make(), 20);
    a.forEach((state, i) => expect(Array.from(state)).toEqual(Array.from(b[i])));
  });

  it('when stepping, then it returns a new Float32Array and leaves the inputs untouched', () => {
    const scheduler = make();
    scheduler.setTimesteps(4);
    const next = scheduler.step(v, 0, x);
    expect(next).toBeInstanceOf(Float32Array);
    expect(next).not.toBe(x);
    expect(Array.from(x)).toEqual([0.5, -1, 2]);
    expect(Array.from(v)).toEqual([1, 0.25, -3]);
  });

  it('when shift is not a finite positive number, then the constructor throws a RangeError naming shift', () => {
    expect(() => make({ shift: 0 })).toThrow(RangeError);
    expect(() => make({ shift: Number.NaN })).toThrow(/shift/);
  });

  it('when setTimesteps gets a bad n, then a RangeError names steps and the rule', () => {
    const scheduler = make();
    for (const n of [0, 2.5, -3, 1001, Number.NaN]) {
      expect(() => scheduler.setTimesteps(n)).toThrow(RangeError);
      expect(() => scheduler.setTimesteps(n)).toThrow(/steps must be an integer from 1 to 1000/);
    }
  });

  it('when step comes before setTimesteps, then it throws', () => {
    expect(() => make().step(v, 0, x)).toThrow(/setTimesteps/);
  });

  it('when the index is out of order or out of range, then it throws', () => {
    const scheduler = make();
    scheduler.setTimesteps(3);
    expect(() => scheduler.step(v, 1, x)).toThrow(/out of order, expected 0/);
    expect(() => scheduler.step(v, 3, x)).toThrow(/out of range 0..2/);
    expect(() => scheduler.step(v, -1, x)).toThrow(/out of range/);
    expect(() => scheduler.step(v, 0.5, x)).toThrow(/out of range/);
    scheduler.step(v, 0, x);
    expect(() => scheduler.step(v, 0, x)).toThrow(/out of order, expected 1/);
    scheduler.step(v, 1, x);
    scheduler.step(v, 2, x);
    expect(() => scheduler.step(v, 2, x)).toThrow(/all 3 steps are done/);
  });

  it('when velocity and sample lengths differ, then it throws', () => {
    const scheduler = make();
    scheduler.setTimesteps(3);
    expect(() => scheduler.step(Float32Array.of(1, 2), 0, x)).toThrow(/velocity has 2 values but sample has 3/);
  });

  it('when a loop ends, then setTimesteps starts a new one from index 0', () => {
    const scheduler = make();
    runLoop(scheduler, 2);
    scheduler.setTimesteps(2);
    expect(() => scheduler.step(v, 0, x)).not.toThrow();
  });

  it('when the analytic loop runs, then the start is the fixture noise z', () => {
    expect(Array.from(runLoop(make(), 1)[0])).toEqual(Array.from(Float32Array.from(reference.z)));
  });
});
