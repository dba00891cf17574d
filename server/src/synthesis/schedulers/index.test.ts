import { describe, expect, it } from 'vitest';
import { ChexgenError } from '../../errors.js';
import {
  DEFAULT_SCHEDULER,
  DdimFlowScheduler,
  DpmSolverPlusPlus2MFlowScheduler,
  EulerFlowScheduler,
  SCHEDULER_NAMES,
  createScheduler,
  isSchedulerName,
} from './index.js';

describe('scheduler registry', () => {
  it('when listing names, then dpmpp-2m is the default and euler and ddim are supported', () => {
    expect(DEFAULT_SCHEDULER).toBe('dpmpp-2m');
    expect([...SCHEDULER_NAMES].sort()).toEqual(['ddim', 'dpmpp-2m', 'euler']);
    expect(SCHEDULER_NAMES[0]).toBe(DEFAULT_SCHEDULER);
  });

  it('when creating by name, then the matching class comes back with that name and config', () => {
    const classes = {
      'dpmpp-2m': DpmSolverPlusPlus2MFlowScheduler,
      euler: EulerFlowScheduler,
      ddim: DdimFlowScheduler,
    };
    for (const name of SCHEDULER_NAMES) {
      const scheduler = createScheduler(name, { shift: 3 });
      expect(scheduler).toBeInstanceOf(classes[name]);
      expect(scheduler.name).toBe(name);
      scheduler.setTimesteps(4);
      expect(scheduler.timesteps[2]).toBeCloseTo(0.75, 15);
    }
  });

  it('when creating twice, then the instances share no state', () => {
    expect(createScheduler('dpmpp-2m', { shift: 1 })).not.toBe(createScheduler('dpmpp-2m', { shift: 1 }));
  });

  it('when the name is unknown, then an INVALID_FIELD ChexgenError on sampler lists the supported names', () => {
    for (const name of ['heun', 'DPMPP-2M', '', 'constructor', 'toString']) {
      expect(isSchedulerName(name)).toBe(false);
      let caught: unknown;
      try {
        createScheduler(name, { shift: 1 });
      } catch (error) {
        caught = error;
      }
      expect(caught).toBeInstanceOf(ChexgenError);
      const error = caught as ChexgenError;
      expect(error.code).toBe('INVALID_FIELD');
      expect(error.field).toBe('sampler');
      for (const supported of SCHEDULER_NAMES) expect(error.message).toContain(supported);
    }
  });

  it('when the config is bad, then a RangeError names shift', () => {
    expect(() => createScheduler('euler', { shift: -1 })).toThrow(RangeError);
  });
});
