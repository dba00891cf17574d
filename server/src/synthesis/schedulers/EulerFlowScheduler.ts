import { assertStepArgs } from './assertStepArgs.js';
import type { FlowScheduleConfig, FlowScheduler } from './FlowScheduler.js';
import { assertFlowScheduleConfig, flowTimesteps } from './flowTimesteps.js';

/**
 * Euler on the probability-flow ODE dx/dt = v(x, t): the reference sampler that matches training
 * (models/training/chexgen_train/flow.py `euler_sample`).
 * @example
 * const scheduler = new EulerFlowScheduler({ shift: 1 });
 * scheduler.setTimesteps(20);
 * for (let i = 0; i < 20; i++) x = scheduler.step(velocity(x, scheduler.timesteps[i]), i, x);
 */
export class EulerFlowScheduler implements FlowScheduler {
  readonly name = 'euler';
  readonly config: Readonly<FlowScheduleConfig>;
  private grid: Float64Array = new Float64Array(0);
  private nextIndex = 0;

  /** @throws RangeError naming `shift` when it is not a finite number > 0 */
  constructor(config: FlowScheduleConfig) {
    assertFlowScheduleConfig(config);
    this.config = Object.freeze({ shift: config.shift });
  }

  /** The grid from the last setTimesteps (empty before it). */
  get timesteps(): Float64Array {
    return this.grid;
  }

  setTimesteps(n: number): void {
    this.grid = flowTimesteps(n, this.config.shift);
    this.nextIndex = 0;
  }

  /** x_{i+1} = x_i + (t_{i+1} - t_i) v(x_i, t_i), in float64. */
  step(velocity: Float32Array, index: number, sample: Float32Array): Float32Array {
    assertStepArgs(this.name, this.timesteps, this.nextIndex, index, velocity, sample);
    const dt = this.timesteps[index + 1] - this.timesteps[index];
    const next = new Float32Array(sample.length);
    for (let k = 0; k < sample.length; k++) next[k] = sample[k] + dt * velocity[k];
    this.nextIndex = index + 1;
    return next;
  }
}
