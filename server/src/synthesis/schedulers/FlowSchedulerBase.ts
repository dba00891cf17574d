import { assertStepArgs } from './assertStepArgs.js';
import type { FlowScheduleConfig, FlowScheduler } from './FlowScheduler.js';
import { assertFlowScheduleConfig, flowTimesteps } from './flowTimesteps.js';

/**
 * What every flow sampler shares: the validated config, the timestep grid, and the in-order step check. A sampler
 * writes only its update rule ({@link update}) and, if it keeps history, {@link reset}.
 */
export abstract class FlowSchedulerBase implements FlowScheduler {
  abstract readonly name: string;
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
    this.reset();
  }

  step(velocity: Float32Array, index: number, sample: Float32Array): Float32Array {
    assertStepArgs(this.name, this.timesteps, this.nextIndex, index, velocity, sample);
    const next = this.update(velocity, index, sample);
    this.nextIndex = index + 1;
    return next;
  }

  /** Clears any history kept between steps (called by setTimesteps). */
  protected reset(): void {}

  /** x at timesteps[index + 1] from x at timesteps[index] and the guided velocity there (arguments already checked). */
  protected abstract update(velocity: Float32Array, index: number, sample: Float32Array): Float32Array;
}
