import { FlowSchedulerBase } from './FlowSchedulerBase.js';

/**
 * Euler on the probability-flow ODE dx/dt = v(x, t): the reference sampler that matches training
 * (models/training/chexgen_train/flow.py `euler_sample`).
 * @example
 * const scheduler = new EulerFlowScheduler({ shift: 1 });
 * scheduler.setTimesteps(20);
 * for (let i = 0; i < 20; i++) x = scheduler.step(velocity(x, scheduler.timesteps[i]), i, x);
 */
export class EulerFlowScheduler extends FlowSchedulerBase {
  readonly name = 'euler';

  /** x_{i+1} = x_i + (t_{i+1} - t_i) v(x_i, t_i), in float64. */
  protected update(velocity: Float32Array, index: number, sample: Float32Array): Float32Array {
    const dt = this.timesteps[index + 1] - this.timesteps[index];
    const next = new Float32Array(sample.length);
    for (let k = 0; k < sample.length; k++) next[k] = sample[k] + dt * velocity[k];
    return next;
  }
}
